"""REST API of the tiers: every tier's requirements (every portal user reads them, the
manufacturer sets them), the proposals of the nightly requalification (the manufacturer's, who
confirms or overrides them; a partner reads its own distributor's) and a partner's standing.
Every read is scoped to the caller; every write is one service, which decides who may do it."""

from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from distributors.models import Distributor
from drm.api import Pagination, validated_payload
from identity.access import HasPortalRole, IsPortalUser, is_partner, user_membership

from . import selectors, services
from .filters import ReviewFilter
from .models import TierRequirement, TierReview
from .serializers import (
    TierDecisionSerializer,
    TierOverrideSerializer,
    TierRequirementInputSerializer,
    TierRequirementSerializer,
    TierReviewSerializer,
    TierStandingSerializer,
)

REFUSALS = {
    400: OpenApiResponse(description='The rules refuse it: {"error": {...}} names the field'),
    403: OpenApiResponse(description="Not yours to do"),
    404: OpenApiResponse(description="No such row among those you may see"),
}
MANUFACTURER = "The manufacturer's staff only (403 for a partner)."


class RequirementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """What each tier asks for. Every portal user reads them; the manufacturer sets them."""

    serializer_class = TierRequirementSerializer
    permission_classes = [IsPortalUser]
    pagination_class = Pagination
    filter_backends = []
    queryset = TierRequirement.objects.none()

    def get_queryset(self):
        return selectors.requirement_list(visible_to=self.request.user)

    @extend_schema(summary="Every tier's requirements, best tier first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One requirement")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Set a tier's requirement (added, or its threshold changed)",
        description=MANUFACTURER + " The next requalification reads it.",
        request=TierRequirementInputSerializer,
        responses={201: TierRequirementSerializer, **REFUSALS},
    )
    def create(self, request):
        data = validated_payload(TierRequirementInputSerializer, request)
        requirement = services.requirement_save(by=request.user, **data)
        requirement = self.get_queryset().get(pk=requirement.pk)
        return Response(TierRequirementSerializer(requirement).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove a requirement",
        description=MANUFACTURER,
        responses={204: None, **REFUSALS},
    )
    def destroy(self, request, *args, **kwargs):
        requirement = self.get_object()
        services.requirement_delete(by=request.user, requirement=requirement)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tier changes the nightly requalification proposed, with the figures behind them. The
    manufacturer sees all and decides; a partner reads its own distributor's."""

    serializer_class = TierReviewSerializer
    permission_classes = [HasPortalRole]
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ReviewFilter
    queryset = TierReview.objects.none()

    def get_queryset(self):
        return selectors.review_list(visible_to=self.request.user).order_by("-proposed_at", "-pk")

    def get_object(self):
        # A decision reads the proposal as it is, whatever the list's filters say.
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(summary="Tier proposals, newest first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One tier proposal")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Confirm the proposed tier",
        description=MANUFACTURER + " The distributor's tier changes. A proposal decided already, "
        "or whose distributor changed tier since, is a 400.",
        request=TierDecisionSerializer,
        responses={200: TierReviewSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        review = self.get_object()
        data = validated_payload(TierDecisionSerializer, request)
        review = services.review_confirm(
            review=review, by=request.user, reason=data.get("reason", "")
        )
        return Response(TierReviewSerializer(self.get_queryset().get(pk=review.pk)).data)

    @extend_schema(
        summary="Override the proposal, with a reason",
        description=MANUFACTURER + " Keeps the tier held, or sets `tier`.",
        request=TierOverrideSerializer,
        responses={200: TierReviewSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def override(self, request, pk=None):
        review = self.get_object()
        data = validated_payload(TierOverrideSerializer, request)
        review = services.review_override(
            review=review, by=request.user, reason=data["reason"], tier=data.get("tier")
        )
        return Response(TierReviewSerializer(self.get_queryset().get(pk=review.pk)).data)


class StandingApi(APIView):
    """A partner's standing: its tier's requirements and the next tier's, its figures, and what
    it takes to reach the next tier. A partner user only (its own distributor)."""

    permission_classes = [HasPortalRole]

    @extend_schema(
        summary="Where your distributor stands on its tier and the next",
        description="A partner user only (403 for the manufacturer's staff): its own "
        "distributor's figures as of today.",
        responses={200: TierStandingSerializer, 403: REFUSALS[403]},
    )
    def get(self, request):
        if not is_partner(request.user):
            raise PermissionDenied
        membership = user_membership(request.user)
        distributor = Distributor.objects.select_related("tier").get(pk=membership.distributor_id)
        standing = selectors.standing(distributor=distributor, as_of=timezone.localdate())
        standing.distributor = distributor
        return Response(TierStandingSerializer(standing).data)
