"""REST API of the distributors app: one ViewSet per resource, scoped through `visible_to`."""

from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from drm.search import DeclaredSearchFilter
from identity.access import HasPortalRole, IsPortalUser

from . import filters, selectors, services
from .models import Distributor, ProductLine, Territory
from .serializers import (
    DistributorSerializer,
    HistoryChangeSerializer,
    InvestmentSerializer,
    ProductLineSerializer,
    RevenuePushResultSerializer,
    RevenuePushSerializer,
    RevenueSerializer,
    TerritorySerializer,
)

# Ordering lives in the FilterSets (public names such as `tier` instead of `tier__rank`); `search`
# is declared only on the lists that have `search_fields` (not revenue, not investments).
FILTERS = [DjangoFilterBackend, DeclaredSearchFilter]


class DistributorViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Distributor profiles. Everyone with a role reads; the manufacturer's staff also write."""

    serializer_class = DistributorSerializer
    permission_classes = [IsPortalUser]
    filter_backends = FILTERS
    filterset_class = filters.DistributorFilter
    search_fields = ["code", "name"]
    lookup_field = "code"

    def get_object(self):
        # The code in any case, as everywhere else (`code__caseless`).
        queryset = self.filter_queryset(self.get_queryset())
        distributor = get_object_or_404(queryset, code__caseless=self.kwargs["code"])
        self.check_object_permissions(self.request, distributor)
        return distributor

    def get_queryset(self):
        if self.action == "history":
            return Distributor.objects.visible_to(self.request.user)
        return selectors.distributor_list(visible_to=self.request.user).prefetch_related(
            "territories", "product_lines"
        )

    @extend_schema(
        responses={200: HistoryChangeSerializer(many=True)},
        summary="Who changed what and when: the profile, territories, product lines and users",
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, code=None):
        changes = selectors.distributor_history(distributor=self.get_object(), viewer=request.user)
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(HistoryChangeSerializer(page, many=True).data)

    def perform_create(self, serializer):
        serializer.instance = self._save(Distributor(), serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self._save(serializer.instance, serializer.validated_data)

    def _save(self, distributor, data):
        data = dict(data)
        status = data.pop("status", None)
        relations = {
            name: data.pop(name) for name in ("territories", "product_lines") if name in data
        }
        for field, value in data.items():
            setattr(distributor, field, value)
        distributor = services.distributor_save(
            distributor=distributor,
            by=self.request.user,
            changed_status=status,
            territories=relations.get("territories"),
            product_lines=relations.get("product_lines"),
        )
        # Answer with the same shape as a read, revenue_12m included.
        return self.get_queryset().get(pk=distributor.pk)


class TerritoryViewSet(viewsets.ReadOnlyModelViewSet):
    """Territories: partners see the ones their distributor covers."""

    serializer_class = TerritorySerializer
    permission_classes = [IsPortalUser]
    filter_backends = FILTERS
    filterset_class = filters.TerritoryFilter
    search_fields = ["code", "name"]
    lookup_field = "code"

    def get_queryset(self):
        return Territory.objects.visible_to(self.request.user)


class ProductLineViewSet(viewsets.ReadOnlyModelViewSet):
    """The manufacturer's product catalogue, public to every portal user."""

    serializer_class = ProductLineSerializer
    permission_classes = [IsPortalUser]
    filter_backends = FILTERS
    filterset_class = filters.ProductLineFilter
    search_fields = ["code", "name"]
    lookup_field = "code"
    queryset = ProductLine.objects.all()


class RevenueViewSet(mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """Monthly revenue records, with the amount converted to the reporting currency.

    POST sends figures: partners for their own distributor, manufacturer staff for any.
    """

    serializer_class = RevenueSerializer
    permission_classes = [IsPortalUser]
    filter_backends = FILTERS
    filterset_class = filters.RevenueFilter
    # A push carries up to API_MAX_PUSH_ROWS rows: its own, stricter rate (API_BULK_RATE).
    bulk_actions = ("create",)

    def get_permissions(self):
        if self.action == "create":
            return [HasPortalRole()]
        return super().get_permissions()

    def get_queryset(self):
        return selectors.revenue_list(visible_to=self.request.user)

    def perform_destroy(self, instance):
        services.revenue_delete(record=instance, by=self.request.user)

    @extend_schema(
        request=RevenuePushSerializer,
        responses={200: RevenuePushResultSerializer},
        summary="Send monthly revenue figures (upsert, all or nothing)",
    )
    def create(self, request):
        payload = RevenuePushSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        created, updated = services.revenue_push(
            user=request.user,
            rows=payload.validated_data["rows"],
            number_format=payload.validated_data["number_format"],
        )
        return Response({"created": created, "updated": updated}, status=status.HTTP_200_OK)


class InvestmentViewSet(viewsets.ReadOnlyModelViewSet):
    """What the manufacturer invested in each distributor, valued in the reporting currency."""

    serializer_class = InvestmentSerializer
    permission_classes = [IsPortalUser]
    filter_backends = FILTERS
    filterset_class = filters.InvestmentFilter

    def get_queryset(self):
        return selectors.investment_list(visible_to=self.request.user)
