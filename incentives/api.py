"""REST API of incentives: programmes with their tiers and figures, their accrual, advances and
true-up, each one's standings with their outlook; the earnings ledger and a distributor's one
statement; goal bonuses paid. Every read is scoped to the caller (`visible_to`: another
distributor's row is a 404); every write is one service, which decides who may do it."""

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from distributors.models import Distributor
from drm.api import Pagination, checked_serializer
from goals.models import Goal
from identity.access import HasPortalRole, IsPortalUser

from . import selectors, services
from .filters import EntryFilter, ProgrammeFilter, StandingFilter
from .models import Entry, Programme, Standing
from .serializers import (
    AdvanceInputSerializer,
    BonusPaymentInputSerializer,
    EntrySerializer,
    PaymentInputSerializer,
    ProgrammeInputSerializer,
    ProgrammeSerializer,
    SettlementSerializer,
    StandingSerializer,
    StatementQuerySerializer,
    StatementSerializer,
)

REFUSALS = {
    400: OpenApiResponse(description='The rules refuse it: {"error": {...}} names the field'),
    403: OpenApiResponse(description="Not yours to do (the manufacturer's)"),
    404: OpenApiResponse(description="No such row among those you may see"),
}
ACCRUED = inline_serializer(
    "ProgrammeAccrued",
    {
        "measured": serializers.IntegerField(help_text="Standings measured"),
        "changed": serializers.IntegerField(help_text="Ledger entries written"),
        "unpriced": serializers.IntegerField(
            help_text="Distributors whose revenue waits for an exchange rate"
        ),
    },
)
MANUFACTURER = "The manufacturer's staff only (403 for a partner)."


class ProgrammeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Incentive programmes. The manufacturer sees and writes all; a partner reads those its
    distributor takes part in or is eligible for (`Programme.objects.visible_to`), with the
    figures of its own standing only."""

    serializer_class = ProgrammeSerializer
    permission_classes = [IsPortalUser]
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ProgrammeFilter
    queryset = Programme.objects.none()

    def get_queryset(self):
        user = self.request.user
        named = Distributor.objects.visible_to(user).order_by("code")
        return (
            selectors.programme_list(visible_to=user)
            .select_related("created_by")
            .prefetch_related(
                "payout_tiers",
                "tiers",
                "regions",
                Prefetch("distributors", queryset=named, to_attr="visible_distributors"),
            )
        )

    def get_object(self):
        # The acts and the standings read the programme as it is, whatever the list's filters say.
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _answer(self, programme, code=status.HTTP_200_OK):
        programme = self.get_queryset().get(pk=programme.pk)
        return Response(ProgrammeSerializer(programme).data, status=code)

    @extend_schema(summary="Incentive programmes, newest period first, with their figures")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One programme: its terms, tiers, eligibility and figures")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Create a programme (rebate or SPIFF) with its payout tiers",
        description=MANUFACTURER + " Tiers, regions and distributors left out: every "
        "distributor. Named distributors exclude tiers and regions.",
        request=ProgrammeInputSerializer,
        responses={201: ProgrammeSerializer, **REFUSALS},
    )
    def create(self, request):
        payload = checked_serializer(ProgrammeInputSerializer, request)
        programme = services.programme_create(by=request.user, **payload.arguments())
        return self._answer(programme, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Accrue a programme: measure every participant and ledger what changed",
        description=MANUFACTURER + " What the nightly accrual does, now. Accruals as new "
        "months come in, restatements when revenue already counted changed; a distributor whose "
        "revenue waits for an exchange rate keeps its earnings as they were.",
        request=None,
        responses={200: ACCRUED, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def accrue(self, request, pk=None):
        counts = services.programme_accrue(programme=self.get_object(), by=request.user)
        return Response(counts)

    @extend_schema(
        summary="Pay the quarterly advance of a quarter that is over",
        description=MANUFACTURER + " Each participant is paid the programme's "
        "advance_percent of what its revenue up to `through` earns, less what it was already "
        "paid (never less than nothing). Once per quarter. Answers the settlement.",
        request=AdvanceInputSerializer,
        responses={201: SettlementSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        programme = self.get_object()
        data = checked_serializer(AdvanceInputSerializer, request).validated_data
        settlement = services.programme_advance(programme=programme, by=request.user, **data)
        return Response(SettlementSerializer(settlement).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Settle a programme whose period is over (the true-up)",
        description=MANUFACTURER + " Each participant is paid what it earned less what it "
        "was paid; negative: an overpaid advance to recover. Again after a restatement, it "
        "settles only the difference; nothing left to settle is a 400. Answers the settlement.",
        request=PaymentInputSerializer,
        responses={201: SettlementSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], url_path="true-up", url_name="true-up")
    def true_up(self, request, pk=None):
        programme = self.get_object()
        data = checked_serializer(PaymentInputSerializer, request).validated_data
        settlement = services.programme_true_up(programme=programme, by=request.user, **data)
        return Response(SettlementSerializer(settlement).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="A programme's standings, best earner first, with their outlook",
        description="As the last accrual measured them, in the reporting currency. A partner "
        "sees its own standing only.",
        filters=True,
        responses={200: StandingSerializer(many=True)},
    )
    # The standings' own FilterSet; `queryset` names their model for the schema's filters.
    @action(
        detail=True,
        methods=["get"],
        queryset=Standing.objects.none(),
        filterset_class=StandingFilter,
    )
    def standings(self, request, pk=None):
        programme = self.get_object()
        standings = selectors.standing_list(programme=programme, visible_to=request.user)
        page = self.paginate_queryset(self.filter_queryset(standings))
        rows = StandingSerializer(page, many=True, context={"programme": programme})
        return self.get_paginated_response(rows.data)


class EarningViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The earnings ledger: what each distributor earned (accruals, restatements) and was paid
    (advances, true-ups, goal bonuses), signed. A partner sees its distributor's only."""

    serializer_class = EntrySerializer
    permission_classes = [HasPortalRole]
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = EntryFilter
    queryset = Entry.objects.none()

    def get_queryset(self):
        return selectors.entry_list(visible_to=self.request.user)

    @extend_schema(summary="Ledger entries, newest first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="A distributor's statement: its programmes and goal bonuses, totals by currency",
        description="A partner: its own distributor's (naming another is a 400, as an unknown "
        "code). The manufacturer names the distributor.",
        parameters=[
            OpenApiParameter(
                "distributor",
                OpenApiTypes.STR,
                description="Distributor code (required for the manufacturer)",
            )
        ],
        responses={200: StatementSerializer, 400: REFUSALS[400]},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def statement(self, request):
        query = StatementQuerySerializer(data=request.query_params, user=request.user)
        query.is_valid(raise_exception=True)
        distributor = query.validated_data["distributor"]
        statement = selectors.statement(distributor=distributor, visible_to=request.user)
        return Response(StatementSerializer(statement, context={"distributor": distributor}).data)


class BonusPaymentViewSet(viewsets.GenericViewSet):
    """Goal bonuses paid: each enters the distributor's earnings ledger beside its programmes."""

    serializer_class = EntrySerializer
    permission_classes = [IsPortalUser]
    filter_backends = []
    pagination_class = None
    queryset = Entry.objects.none()

    @extend_schema(
        summary="Record the payment of an achieved goal's bonus",
        description=MANUFACTURER + " Once per goal, in the bonus's currency; a goal you "
        "cannot see is a 404. Answers the ledger entry.",
        request=BonusPaymentInputSerializer,
        responses={201: EntrySerializer, **REFUSALS},
    )
    def create(self, request):
        data = dict(checked_serializer(BonusPaymentInputSerializer, request).validated_data)
        goal = get_object_or_404(Goal.objects.visible_to(request.user), pk=data.pop("goal"))
        entry = services.bonus_pay(goal=goal, by=request.user, **data)
        entry = selectors.entry_list(visible_to=request.user).get(pk=entry.pk)
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)
