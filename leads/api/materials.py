"""API of the catalogue of sales materials, products and promotions, and partners' ratings."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from distributors.models import ProductLine
from drm.filters import CodeChoiceFilter, IncrementalFilterSet, StableOrderingFilter
from drm.search import DeclaredSearchFilter
from identity.access import IsPortalUser, is_manufacturer, is_partner

from .. import selectors, services
from ..models import Lead, Material, MaterialFeedback


class IsPartnerUser(BasePermission):
    """A partner admin or rep: the only ones who rate the catalogue."""

    def has_permission(self, request, view):
        # Other methods are not served at all: let them answer 405, whoever asks.
        return request.method != "POST" or is_partner(request.user)


class MaterialFilter(IncrementalFilterSet):
    # Unknown values are a 400 naming the parameter, never a silently empty (or full) list.
    kind = filters.ChoiceFilter(choices=Material.Kind.choices)
    stage = filters.ChoiceFilter(
        choices=Material.Stage.choices,
        help_text="Items mapped to this sales stage (`any`: items for every stage)",
    )
    product_line = CodeChoiceFilter(
        queryset=ProductLine.objects.all(),
        help_text="Code of a product line: items for it (items for every line have none)",
    )
    is_active = filters.BooleanFilter(
        help_text="Shown to partners or not (partners only ever get shown items)"
    )
    ordering = StableOrderingFilter(
        fields=(("title", "title"), ("kind", "kind"), ("updated_at", "updated_at"))
    )

    class Meta:
        model = Material
        fields = ["kind", "stage", "product_line", "is_active"]


class StageRatingSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=Material.Stage.choices)
    average = serializers.FloatField(help_text="Average rating, 1 to 5")
    count = serializers.IntegerField(help_text="Number of ratings")


class MaterialSerializer(serializers.ModelSerializer):
    product_line = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="Product line code; null: the item serves every line",
    )
    file_url = serializers.SerializerMethodField(
        help_text="Path of the file's download (same authentication); null: the item has no file"
    )
    average_rating = serializers.SerializerMethodField(
        help_text="Average rating over every distributor's feedback; null for partner users and "
        "for items nobody rated"
    )
    rating_count = serializers.SerializerMethodField(
        help_text="Number of ratings; null for partner users"
    )
    ratings = serializers.SerializerMethodField(
        help_text="Average and count per sales stage; null for partner users"
    )

    class Meta:
        model = Material
        fields = [
            "id",
            "title",
            "description",
            "kind",
            "product_line",
            "stage",
            "url",
            "file_url",
            "is_active",
            "updated_at",
            "average_rating",
            "rating_count",
            "ratings",
        ]
        read_only_fields = fields

    def _stats_shown(self):
        request = self.context.get("request")
        return is_manufacturer(getattr(request, "user", None))

    def get_file_url(self, material) -> str | None:
        if not material.file:
            return None
        return reverse("leads:material-file", args=[material.pk])

    def get_average_rating(self, material) -> float | None:
        if not self._stats_shown() or material.average_rating is None:
            return None
        return round(material.average_rating, 2)

    def get_rating_count(self, material) -> int | None:
        return material.rating_count if self._stats_shown() else None

    @extend_schema_field(StageRatingSerializer(many=True, allow_null=True))
    def get_ratings(self, material):
        if not self._stats_shown():
            return None
        rows = self.context.get("stage_ratings", {}).get(material.pk, [])
        return [
            {"stage": row["stage"], "average": round(row["average"], 2), "count": row["count"]}
            for row in rows
        ]


class MaterialRateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(
        min_value=1, max_value=5, help_text="1: of no use, 5: very useful"
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=services.MATERIAL_COMMENT_MAX,
        help_text="What worked, what was missing",
    )
    lead = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="Id of one of your distributor's leads: the rating counts for the lead's stage "
        "(404 when you cannot see the lead)",
    )


class MaterialFeedbackSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaterialFeedback
        fields = ["id", "material", "lead", "stage", "rating", "comment", "at"]
        read_only_fields = fields


class MaterialViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The catalogue: every item for the manufacturer's staff, with its ratings; the items shown
    to partners for partner users, without anyone's ratings."""

    serializer_class = MaterialSerializer
    permission_classes = [IsPortalUser]
    filter_backends = [filters.DjangoFilterBackend, DeclaredSearchFilter]
    filterset_class = MaterialFilter
    search_fields = ["title"]

    def get_queryset(self):
        return selectors.material_list(viewer=self.request.user)

    def _with_stage_ratings(self, materials):
        """Serializer context with the per-stage ratings of `materials`, in one query."""
        context = self.get_serializer_context()
        if is_manufacturer(self.request.user):
            rows = selectors.material_ratings(
                visible_to=self.request.user, materials=[m.pk for m in materials]
            )
            by_item = {}
            for row in rows:
                by_item.setdefault(row["material_id"], []).append(row)
            context["stage_ratings"] = by_item
        return context

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        data = MaterialSerializer(rows, many=True, context=self._with_stage_ratings(rows)).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        material = self.get_object()
        context = self._with_stage_ratings([material])
        return Response(MaterialSerializer(material, context=context).data)

    @extend_schema(
        request=MaterialRateSerializer,
        responses={
            200: MaterialFeedbackSerializer,
            400: OpenApiResponse(
                description="Bad input (rating, comment, an item the lead does not offer); "
                "nothing is saved"
            ),
            403: OpenApiResponse(description="Not a partner user"),
            404: OpenApiResponse(description="No such item shown to partners, or no such lead"),
        },
        summary="Rate an item (partner users): 1 to 5 and a comment, from a lead or not",
        description=(
            "Rating again replaces your own earlier rating at the same stage. With `lead`, the "
            "rating counts for the lead's stage; the item must be one the lead's page offers."
        ),
        filters=False,
    )
    @action(detail=True, methods=["post"], permission_classes=[IsPartnerUser], filter_backends=[])
    def rate(self, request, pk=None):
        material = self.get_object()
        payload = MaterialRateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        lead = None
        lead_id = payload.validated_data["lead"]
        if lead_id is not None:
            # Another distributor's lead answers like one that does not exist.
            lead = Lead.objects.visible_to(request.user).filter(pk=lead_id).first()
            if lead is None:
                raise NotFound(_("No such lead."))
        feedback = services.material_rate(
            material=material,
            by=request.user,
            rating=payload.validated_data["rating"],
            comment=payload.validated_data["comment"],
            lead=lead,
        )
        return Response(MaterialFeedbackSerializer(feedback).data)
