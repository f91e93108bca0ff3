"""REST API of leads: the list (keyset pages), one lead, its acts as POSTs, bulk creation,
lead sources and the funnel figures. Every read is scoped to the caller."""

from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from distributors.models import Distributor
from distributors.serializers import CodeRelatedField, HistoryChangeSerializer
from drm.api import Pagination, StrictPageSize, validated_payload
from drm.errors import ValidationFailed
from identity.access import HasPortalRole, IsPortalUser, is_manufacturer, user_membership

from .. import analytics, selectors, services
from ..filters import LeadFilter
from ..models import Lead, LeadSource
from ..outcomes import lead_outcomes_push
from ..rates import rate_list
from ..serializers import (
    AssignSerializer,
    ConvertSerializer,
    EmptySerializer,
    LeadBulkResultSerializer,
    LeadBulkSerializer,
    LeadInputSerializer,
    LeadSerializer,
    LeadSourceSerializer,
    LoseSerializer,
    OutcomePushResultSerializer,
    OutcomePushSerializer,
    QualifySerializer,
    RejectSerializer,
    WinSerializer,
)


class LeadPagination(StrictPageSize, CursorPagination):
    """Keyset pages, newest first: no COUNT and no deep OFFSET over millions of leads.

    By id, which grows with every lead entered: DRF's cursor keys on the first ordering field
    only and steps over ties by an offset capped at 1,000, and an import or a push creates
    thousands of leads with one `created_at` (their pages would repeat forever).
    """

    ordering = ("-id",)
    page_size = 50
    max_page_size = 500


def _acted(view, request, pk, serializer_class, do, *, code=status.HTTP_200_OK):
    lead = view.get_object()
    data = {}
    if serializer_class is not EmptySerializer:
        payload = serializer_class(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
    lead = do(lead, data)
    lead = (
        selectors.lead_get(visible_to=request.user, pk=lead.pk) if _visible(request, lead) else lead
    )
    return Response(LeadSerializer(lead, context={"request": request}).data, status=code)


def _visible(request, lead):
    return Lead.objects.visible_to(request.user).filter(pk=lead.pk).exists()


def act(summary, request_serializer, *, managers=False):
    return extend_schema(
        summary=summary,
        request=request_serializer,
        responses={200: LeadSerializer},
        description=(
            "Manufacturer staff only."
            if managers
            else "The partner users of the distributor "
            "the lead is handed to (a rep: when nobody or itself works it)."
        ),
    )


class LeadViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Leads. Managers see and enter all; a partner sees its distributor's leads, without the
    contact details until it accepts each one."""

    serializer_class = LeadSerializer
    permission_classes = [HasPortalRole]
    pagination_class = LeadPagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = LeadFilter
    # A bulk push carries many leads: its own, stricter rate (API_BULK_RATE).
    bulk_actions = ("bulk", "outcomes")

    def get_permissions(self):
        if self.action in ("create", "bulk", "assign", "route"):
            return [IsPortalUser()]
        return super().get_permissions()

    def get_queryset(self):
        return Lead.objects.visible_to(self.request.user).select_related(
            "source", "distributor", "product_line", "owner"
        )

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # The routing explanation names other distributors: managers, one lead at a time.
        context["with_routing"] = self.action == "retrieve" and is_manufacturer(self.request.user)
        return context

    @extend_schema(
        request=LeadInputSerializer,
        responses={201: LeadSerializer},
        summary="Enter one lead (managers); optionally route it by the rules",
    )
    def create(self, request):
        payload = LeadInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        route = data.pop("route")
        lead = services.lead_create(by=request.user, **data)
        if route and lead.status == Lead.Status.MQL:
            lead = services.lead_route(lead=lead, by=request.user)
        lead = selectors.lead_get(visible_to=request.user, pk=lead.pk)
        return Response(
            LeadSerializer(lead, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=LeadBulkSerializer,
        responses={200: LeadBulkResultSerializer},
        summary="Send many MQLs at once (managers): all or nothing, the MQL file's checks",
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        payload = LeadBulkSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        created, skipped, routed, left = services.leads_push(
            by=request.user,
            rows=payload.validated_data["rows"],
            route=payload.validated_data["route"],
            number_format=payload.validated_data["number_format"],
        )
        return Response({"created": created, "skipped": skipped, "routed": routed, "left": left})

    @extend_schema(
        request=OutcomePushSerializer,
        responses={200: OutcomePushResultSerializer},
        summary="A CRM's stage changes, in bulk: each item moves its lead through the services",
        description=(
            "The partner users of the distributor the leads are handed to (a rep: the leads "
            "nobody or itself works). Each item is applied on its own, in order, in its own "
            "transaction, and answered `applied`, `unchanged` (already in that stage, or its "
            "`event_id` received before) or `refused` (nothing changed; `field` and `message` "
            "say why; another distributor's lead is `not_found`, as one that does not exist). "
            "A malformed body (not an object with a list, more than 500 items, a missing or "
            "invalid field) is a 400 naming `outcomes[i].field`, and nothing is applied."
        ),
    )
    @action(detail=False, methods=["post"])
    def outcomes(self, request):
        items = validated_payload(OutcomePushSerializer, request)["outcomes"]
        results = lead_outcomes_push(by=request.user, items=items)
        for answer in results:
            if "field" in answer:
                answer["field"] = f"outcomes[{answer['index']}].{answer['field']}"
        counts = {name: 0 for name in ("applied", "unchanged", "refused")}
        for answer in results:
            counts[answer["result"]] += 1
        return Response({**counts, "results": results})

    @extend_schema(
        responses={200: HistoryChangeSerializer(many=True)},
        summary="Who changed what on the lead (a partner: since it was handed to it)",
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=Pagination)
    def history(self, request, pk=None):
        changes = selectors.lead_history(lead=self.get_object(), viewer=request.user)
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(HistoryChangeSerializer(page, many=True).data)

    @act("Assign the lead to a distributor by hand", AssignSerializer, managers=True)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return _acted(
            self,
            request,
            pk,
            AssignSerializer,
            lambda lead, d: services.lead_assign(
                lead=lead,
                distributor=d["distributor"],
                by=request.user,
                note=d["note"],
                override_reason=d["override_reason"],
            ),
        )

    @act("Route the lead by the rules (the explanation is kept)", EmptySerializer, managers=True)
    @action(detail=True, methods=["post"])
    def route(self, request, pk=None):
        return _acted(
            self,
            request,
            pk,
            EmptySerializer,
            lambda lead, d: services.lead_route(lead=lead, by=request.user),
        )

    @act("Accept the lead (its contact details show from now on)", EmptySerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return _acted(
            self,
            request,
            pk,
            EmptySerializer,
            lambda lead, d: services.lead_accept(lead=lead, by=request.user),
        )

    @act("Reject the lead with feedback; it goes back to the pool", RejectSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return _acted(
            self,
            request,
            pk,
            RejectSerializer,
            lambda lead, d: services.lead_reject(lead=lead, by=request.user, **d),
        )

    @act("Qualify the lead against the current criteria (DQL)", QualifySerializer)
    @action(detail=True, methods=["post"])
    def qualify(self, request, pk=None):
        return _acted(
            self,
            request,
            pk,
            QualifySerializer,
            lambda lead, d: services.lead_qualify(lead=lead, by=request.user, **d),
        )

    @act("Convert the qualified lead to an opportunity", ConvertSerializer)
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        return _acted(
            self,
            request,
            pk,
            ConvertSerializer,
            lambda lead, d: services.lead_convert(lead=lead, by=request.user, **d),
        )

    @act("Mark the opportunity won", WinSerializer)
    @action(detail=True, methods=["post"])
    def win(self, request, pk=None):
        return _acted(
            self,
            request,
            pk,
            WinSerializer,
            lambda lead, d: services.lead_win(lead=lead, by=request.user, **d),
        )

    @act("Close the lead as lost (a manager closes a lead in the pool)", LoseSerializer)
    @action(detail=True, methods=["post"])
    def lose(self, request, pk=None):
        return _acted(
            self,
            request,
            pk,
            LoseSerializer,
            lambda lead, d: services.lead_lose(lead=lead, by=request.user, **d),
        )


class LeadSourceViewSet(viewsets.ReadOnlyModelViewSet):
    """Where leads come from; the codes a marketing tool sends with its MQLs."""

    serializer_class = LeadSourceSerializer
    permission_classes = [IsPortalUser]
    queryset = LeadSource.objects.all()
    lookup_field = "code"
    filter_backends = []


class FunnelQuery(serializers.Serializer):
    distributor = CodeRelatedField(
        queryset=Distributor.objects.none(),
        required=False,
        help_text="Distributor code; a partner's own by default (managers: the channel)",
    )
    source = CodeRelatedField(queryset=LeadSource.objects.all(), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["distributor"].queryset = Distributor.objects.visible_to(user)
        # Named as the caller sends them (Python keywords, hence not class attributes), so that
        # an error names the parameter that was sent.
        self.fields["from"] = serializers.DateField(
            required=False, input_formats=["%Y-%m", "%Y-%m-%d"], help_text="First month, YYYY-MM"
        )
        self.fields["to"] = serializers.DateField(
            required=False, input_formats=["%Y-%m", "%Y-%m-%d"], help_text="Last month, YYYY-MM"
        )


FUNNEL_PARAMETERS = [
    OpenApiParameter("distributor", OpenApiTypes.STR, description="Distributor code"),
    OpenApiParameter("source", OpenApiTypes.STR, description="Lead source code"),
    OpenApiParameter("from", OpenApiTypes.STR, description="First month, YYYY-MM"),
    OpenApiParameter("to", OpenApiTypes.STR, description="Last month, YYYY-MM"),
]


def _rate(value):
    return None if value is None else round(value, 4)


class RateFigureSerializer(serializers.Serializer):
    """One lead rate (leads.rates): numerator ÷ denominator, and what it is of."""

    key = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True, help_text="Its name, in the caller's language")
    value = serializers.FloatField(
        read_only=True, allow_null=True, help_text="null: nothing to divide"
    )
    numerator = serializers.IntegerField(read_only=True)
    denominator = serializers.IntegerField(read_only=True)
    of = serializers.CharField(
        read_only=True, help_text="The denominator: mql, handed_over, accepted, dql or opportunity"
    )
    of_words = serializers.CharField(
        read_only=True, help_text="The denominator in words, 'of handed over'"
    )


class FunnelStepSerializer(serializers.Serializer):
    key = serializers.CharField(
        read_only=True,
        help_text="mql (the channel only), handed_over, accepted, dql, opportunity, won",
    )
    label = serializers.CharField(read_only=True)
    count = serializers.IntegerField(read_only=True)
    rate = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="count ÷ the step before's (null: first step, or nothing)",
    )
    rate_key = serializers.CharField(
        read_only=True, allow_null=True, help_text="The rate's key in `rates`"
    )
    of = serializers.CharField(read_only=True, allow_null=True, help_text="The denominator's key")


class FunnelApi(APIView):
    """Funnel counts and stage-to-stage rates for a period, from the monthly rollups.

    Managers: the channel, or any distributor. A partner: its own distributor, and its standing
    against the anonymous peers of its tier (peer median and percentile, never a name).
    """

    permission_classes = [HasPortalRole]

    @extend_schema(
        parameters=FUNNEL_PARAMETERS,
        responses={
            200: inline_serializer(
                "Funnel",
                {
                    "distributor": serializers.CharField(allow_null=True),
                    "from": serializers.CharField(),
                    "to": serializers.CharField(),
                    "steps": FunnelStepSerializer(many=True),
                    "counts": serializers.DictField(child=serializers.IntegerField()),
                    "rates": serializers.DictField(
                        child=serializers.FloatField(allow_null=True),
                        help_text="Each rate's value by its key (see rate_figures)",
                    ),
                    "rate_figures": RateFigureSerializer(many=True),
                    "rate_definitions": serializers.DictField(
                        child=serializers.DictField(),
                        help_text="Each rate by its key: its label, the numerator and denominator "
                        "stages, complement, of (the denominator's key) and of_words",
                    ),
                    "median_accept_hours": serializers.FloatField(allow_null=True),
                    "months": serializers.ListField(child=serializers.DictField()),
                    "reasons": serializers.ListField(child=serializers.DictField()),
                    "sources": serializers.ListField(child=serializers.DictField()),
                    "peers": serializers.ListField(child=serializers.DictField(), allow_null=True),
                },
            )
        },
    )
    def get(self, request):
        params = {key: value for key, value in request.query_params.items() if value}
        query = FunnelQuery(data=params, user=request.user)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        distributor = data.get("distributor")
        if not is_manufacturer(request.user):
            membership = user_membership(request.user)
            if membership is None:
                raise ValidationFailed("No distributor.")
            distributor = membership.distributor
        period = analytics.month_range(data.get("from"), data.get("to"))
        source = data.get("source")
        funnel = analytics.funnel(period=period, distributor=distributor, source=source)
        trend = analytics.trend(period=period, distributor=distributor, source=source)
        months = [
            {
                "month": month,
                "first": trend["first"][i],
                "accepted": trend["accepted"][i],
                "dql": trend["dql"][i],
                "opportunity": trend["opportunity"][i],
                "won": trend["won"][i],
                "acceptance": _rate(trend["acceptance"][i]),
                "late": _rate(trend["late"][i]),
            }
            for i, month in enumerate(trend["months"])
        ]
        body = {
            "distributor": distributor.code if distributor else None,
            "from": f"{period.first:%Y-%m}",
            "to": f"{period.last:%Y-%m}",
            "steps": [
                {
                    "key": s["key"],
                    "label": s["label"],
                    "count": s["count"],
                    "rate": _rate(s["rate"]),
                    "rate_key": s["rate_key"],
                    "of": s["of"],
                }
                for s in funnel["steps"]
            ],
            "counts": funnel["counts"],
            "rates": {key: _rate(value) for key, value in funnel["rates"].items()},
            "rate_figures": [
                {**figure, "value": _rate(figure["value"])} for figure in funnel["rate_figures"]
            ],
            "rate_definitions": {
                rate.key: {
                    "label": str(rate.label),
                    "numerator": rate.numerator,
                    "denominator": rate.denominator,
                    "complement": rate.complement,
                    "of": rate.of,
                    "of_words": str(rate.of_words),
                }
                for rate in rate_list()
            },
            "median_accept_hours": _rate(funnel["median_accept_hours"]),
            "months": months,
            "reasons": [
                {"reason": r["reason"], "count": r["count"], "share": _rate(r["share"])}
                for r in analytics.reasons(period=period, distributor=distributor, source=source)
            ],
            "sources": [
                {
                    key: _rate(row[key]) if key.endswith(("yield", "rate")) else row[key]
                    for key in ("source", "assigned", "accepted", "rejected", "dql", "won")
                    + ("dql_yield", "rejection_rate", "top_reason")
                }
                for row in analytics.source_yield(period=period, distributor=distributor)
            ],
            "peers": [
                {
                    "measure": p["key"],
                    "of": p["of"],
                    "value": _rate(p["value"]),
                    "peer_median": _rate(p["peer_median"]),
                    "percentile": _rate(p["percentile"]),
                    "peers": p["peers"],
                }
                for p in analytics.peers(period=period, distributor=distributor)
            ]
            if distributor
            else None,
        }
        return Response(body)
