"""API of the qualification criteria: the versions of the DQL definition, and acknowledging one.

Partners read the published versions, each with its own distributor's acknowledgement; the
manufacturer reads every version (the draft too) with the number of acknowledgements. Items are
edited and versions published on the portal's pages.
"""

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from identity.access import HasPortalRole, IsPortalUser, is_manufacturer

from .. import selectors, services


class CriterionSerializer(serializers.Serializer):
    code = serializers.SlugField(help_text="Identifies the item across versions")
    label = serializers.CharField(help_text="English label")
    label_fr = serializers.CharField(help_text="French label; empty when there is none")
    text = serializers.CharField(
        help_text="The label in the request's language (Accept-Language, or the user's own "
        "setting); the English label when there is no French one"
    )
    required = serializers.BooleanField(
        help_text="Must hold for a lead to be distributor-qualified; else optional"
    )
    position = serializers.IntegerField(help_text="Place in the checklist, first is lowest")


class AcknowledgementSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    by = serializers.CharField(source="by.username", allow_null=True, help_text="Username")


class AcknowledgementResultSerializer(AcknowledgementSerializer):
    version = serializers.IntegerField(source="version.number", help_text="Version number")
    distributor = serializers.CharField(source="distributor.code", help_text="Distributor code")


class CriteriaVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    notes = serializers.CharField(help_text="What changed against the version before")
    published_at = serializers.DateTimeField(allow_null=True, help_text="Null for the draft")
    published_by = serializers.CharField(
        source="published_by.username", allow_null=True, help_text="Username; null for the draft"
    )
    is_current = serializers.SerializerMethodField(
        help_text="The latest published version: the one leads are qualified against"
    )
    items = CriterionSerializer(many=True, source="items.all")

    def get_is_current(self, version) -> bool:
        return version.number == self.context.get("current_number")


class PartnerCriteriaVersionSerializer(CriteriaVersionSerializer):
    """A published version as a partner reads it."""

    acknowledged = serializers.SerializerMethodField(
        help_text="Your distributor's acknowledgement of this version; null when not yet"
    )

    @extend_schema_field(AcknowledgementSerializer(allow_null=True))
    def get_acknowledged(self, version):
        own = version.own_acknowledgements
        return AcknowledgementSerializer(own[0]).data if own else None


class ManagerCriteriaVersionSerializer(CriteriaVersionSerializer):
    """A version as the manufacturer reads it (the draft too)."""

    acknowledgements = serializers.IntegerField(
        source="acknowledgement_count", help_text="How many distributors acknowledged it"
    )


NUMBER = OpenApiParameter(
    "number", int, OpenApiParameter.PATH, description="Version number, as in v3"
)
VERSION_FOR_ROLE = PolymorphicProxySerializer(
    component_name="CriteriaVersionForRole",
    serializers=[PartnerCriteriaVersionSerializer, ManagerCriteriaVersionSerializer],
    resource_type_field_name=None,
)


class CriteriaVersionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Versions of the lead qualification criteria (the DQL definition), newest first, looked up
    by version number."""

    permission_classes = [IsPortalUser]
    lookup_field = "number"
    lookup_value_regex = "[0-9]+"
    filter_backends = []

    def get_queryset(self):
        return selectors.criteria_versions(visible_to=self.request.user)

    def get_serializer_class(self):
        if is_manufacturer(self.request.user):
            return ManagerCriteriaVersionSerializer
        return PartnerCriteriaVersionSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["current_number"] = selectors.criteria_current_number()
        return context

    @extend_schema(
        summary="Versions of the qualification criteria",
        description="Partners: published versions, with their distributor's acknowledgement. "
        "Manufacturer: every version, the draft (published_at null) included, with the number "
        "of acknowledgements.",
        responses={200: VERSION_FOR_ROLE},
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="One version of the qualification criteria",
        parameters=[NUMBER],
        responses=VERSION_FOR_ROLE,
    )
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Acknowledge the current version for your distributor (partner admins)",
        description="Acknowledging again changes nothing and answers with the first "
        "acknowledgement. A draft is not found; a version replaced by a newer one, 400; "
        "anyone but a partner admin, 403.",
        parameters=[NUMBER],
        request=None,
        responses={
            200: AcknowledgementResultSerializer,
            400: OpenApiResponse(description="The version was replaced by a newer one"),
            403: OpenApiResponse(description="Only a partner admin acknowledges"),
            404: OpenApiResponse(description="No such published version"),
        },
    )
    @action(detail=True, methods=["post"], permission_classes=[HasPortalRole])
    def acknowledge(self, request, number=None):
        version = self.get_object()
        acknowledgement = services.criteria_acknowledge(version=version, by=request.user)
        return Response(AcknowledgementResultSerializer(acknowledgement).data)
