"""API shapes of the incentives app: they validate input and render output; the rules are the
services'. Ids stand for programmes, settlements, ledger entries and goals; codes for
distributors, tiers and product lines; names for regions; usernames for people. A programme's
figures are in the reporting currency, which each row names (`currency`); a goal's bonus is in
its own payout currency."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from rest_framework import serializers

from distributors.models import Distributor, ProductLine, Region, Tier
from distributors.serializers import CodeRelatedField
from drm.api import NamedFields
from drm.limits import text_limit
from funds.serializers import RegionNameField
from identity.access import is_manufacturer, user_membership

from .models import MEASURE_DIGITS, MONEY_DIGITS, Entry, Programme, Settlement

MONEY = {"max_digits": MONEY_DIGITS, "decimal_places": 2}
# What sums over several standings or entries can reach.
TOTAL = {"max_digits": MONEY_DIGITS + 4, "decimal_places": 2}
MEASURE = {"max_digits": MEASURE_DIGITS, "decimal_places": 2}
RATE = {"max_digits": 12, "decimal_places": 4}
PERCENT = {"max_digits": 5, "decimal_places": 2}
# The outlook's figures are worked out, not stored: what a standing is expected to earn (its
# figures stretched over the whole period) and the revenue a growth tier asks for (the baseline
# grown by the tier's %) can pass any column's size.
OUTLOOK = {"max_digits": None, "decimal_places": 2}


def _currency(serializer, row) -> str:
    return settings.REPORTING_CURRENCY


# --- programmes --------------------------------------------------------------------------------


class PayoutTierSerializer(serializers.Serializer):
    threshold = serializers.DecimalField(
        **MEASURE,
        read_only=True,
        help_text="Revenue, units or growth (%) from which the rate applies",
    )
    rate = serializers.DecimalField(
        **RATE, read_only=True, help_text="% of revenue, or an amount per unit (units basis)"
    )


class ProgrammeSerializer(NamedFields, serializers.ModelSerializer):
    """A programme, its terms and its figures over what the caller may see of it (a partner:
    its own standing), as `incentives.selectors.programme_list` sums them."""

    product_line = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="Product line code; null: every product line",
    )
    tiers = PayoutTierSerializer(
        source="payout_tiers", many=True, read_only=True, help_text="Payout tiers, lowest first"
    )
    eligible_tiers = serializers.SlugRelatedField(
        source="tiers",
        slug_field="code",
        many=True,
        read_only=True,
        help_text="Distributor tier codes the programme is for; empty: every tier",
    )
    regions = serializers.SlugRelatedField(
        slug_field="name",
        many=True,
        read_only=True,
        help_text="Regions the programme is for (as distributors write them); empty: every region",
    )
    distributors = serializers.SerializerMethodField(
        help_text="Codes of the distributors named (those you may see); empty: none named"
    )
    advance_dates = serializers.SerializerMethodField(
        help_text="Quarterly schedule: the quarter ends an advance may be paid for"
    )
    running = serializers.SerializerMethodField(help_text="Its period includes today")
    participants = serializers.IntegerField(
        read_only=True, help_text="Standings measured (a partner: its own, 0 or 1)"
    )
    earned = serializers.DecimalField(**TOTAL, read_only=True)
    paid = serializers.DecimalField(**TOTAL, read_only=True, help_text="Advances and true-ups paid")
    due = serializers.DecimalField(
        **TOTAL, read_only=True, help_text="earned − paid; negative: advanced more than earned"
    )
    currency = serializers.SerializerMethodField(help_text="ISO 4217 code of every amount")
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    # Read-only model fields lose allow_blank in DRF: most programmes have no description.
    description = serializers.CharField(read_only=True, allow_blank=True)
    description_fr = serializers.CharField(read_only=True, allow_blank=True)

    get_currency = _currency

    class Meta:
        model = Programme
        fields = [
            "id",
            "name",
            "name_en",
            "name_fr",
            "kind",
            "description",
            "description_fr",
            "basis",
            "product_line",
            "period_start",
            "period_end",
            "baseline_start",
            "baseline_end",
            "method",
            "cap",
            "schedule",
            "advance_percent",
            "advance_dates",
            "tiers",
            "eligible_tiers",
            "regions",
            "distributors",
            "running",
            "accrued_at",
            "participants",
            "earned",
            "paid",
            "due",
            "currency",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_distributors(self, programme) -> list[str]:
        # The view prefetches the named distributors the caller may see: a partner named beside
        # others learns only its own code.
        return [distributor.code for distributor in programme.visible_distributors]

    def get_advance_dates(self, programme) -> list[datetime.date]:
        return programme.advance_dates()

    def get_running(self, programme) -> bool:
        return programme.period_start <= timezone.localdate() <= programme.period_end


class PayoutTierInputSerializer(serializers.Serializer):
    threshold = serializers.DecimalField(
        **MEASURE, help_text="Revenue, units or growth (%) from which the rate applies"
    )
    rate = serializers.DecimalField(
        **RATE, help_text="% of revenue (at most 100), or an amount per unit (units basis)"
    )


class ProgrammeInputSerializer(serializers.Serializer):
    """A new programme. The shape only: the services decide whether its terms hold together."""

    name = serializers.CharField(max_length=text_limit(Programme, "name"))
    name_fr = serializers.CharField(
        max_length=text_limit(Programme, "name_fr"),
        required=False,
        allow_blank=True,
        default="",
        help_text="What French readers see; empty: the English name",
    )
    kind = serializers.ChoiceField(choices=Programme.Kind.choices, default=Programme.Kind.REBATE)
    description = serializers.CharField(
        max_length=text_limit(Programme, "description"),
        required=False,
        allow_blank=True,
        default="",
    )
    description_fr = serializers.CharField(
        max_length=text_limit(Programme, "description_fr"),
        required=False,
        allow_blank=True,
        default="",
        help_text="What French readers see; empty: the English description",
    )
    basis = serializers.ChoiceField(
        choices=Programme.Basis.choices,
        help_text="What the tiers read: revenue, units sold, or growth (%) against the baseline",
    )
    product_line = CodeRelatedField(
        queryset=ProductLine.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Product line code; null: every product line (a SPIFF needs one)",
    )
    period_start = serializers.DateField()
    period_end = serializers.DateField(help_text="A SPIFF runs 92 days at most")
    baseline_start = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Growth programmes only"
    )
    baseline_end = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Growth programmes only: before the period starts",
    )
    method = serializers.ChoiceField(
        choices=Programme.Method.choices,
        default=Programme.Method.RETROACTIVE,
        help_text="retroactive: the highest tier reached pays on everything; incremental: each "
        "tier's rate on its own slice (growth programmes are retroactive)",
    )
    cap = serializers.DecimalField(
        **MONEY,
        required=False,
        allow_null=True,
        default=None,
        help_text="The most a distributor earns; null: no cap",
    )
    schedule = serializers.ChoiceField(
        choices=Programme.Schedule.choices, default=Programme.Schedule.AT_END
    )
    advance_percent = serializers.DecimalField(
        **PERCENT,
        default=Decimal("100.00"),
        help_text="Quarterly schedule: the share of what is accrued paid as an advance (%)",
    )
    tiers = PayoutTierInputSerializer(
        many=True, help_text="Payout tiers (1 to 10), no two at one threshold"
    )
    eligible_tiers = CodeRelatedField(
        many=True,
        required=False,
        default=list,
        queryset=Tier.objects.all(),
        help_text="Distributor tier codes; none: every tier",
    )
    regions = RegionNameField(
        many=True,
        required=False,
        default=list,
        queryset=Region.objects.all(),
        help_text="Region names, any case; none: every region",
    )
    distributors = CodeRelatedField(
        many=True,
        required=False,
        default=list,
        queryset=Distributor.objects.none(),
        help_text="Distributor codes: only these take part (then no tiers nor regions)",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["distributors"].child_relation.queryset = Distributor.objects.visible_to(
            getattr(request, "user", None)
        )

    def arguments(self):
        """The keyword arguments of `services.programme_create` (tiers as (threshold, rate))."""
        data = dict(self.validated_data)
        data["tiers"] = [(tier["threshold"], tier["rate"]) for tier in data["tiers"]]
        return data


# --- standings ---------------------------------------------------------------------------------


class OutlookFields(serializers.Serializer):
    """Where a standing is heading (`Programme.outlook`), read from its `outlook` attribute."""

    reached_threshold = serializers.DecimalField(
        **MEASURE,
        source="outlook.reached.threshold",
        read_only=True,
        allow_null=True,
        help_text="The tier reached: its threshold (null: below the first)",
    )
    reached_rate = serializers.DecimalField(
        **RATE, source="outlook.reached.rate", read_only=True, allow_null=True
    )
    next_threshold = serializers.DecimalField(
        **MEASURE,
        source="outlook.following.threshold",
        read_only=True,
        allow_null=True,
        help_text="The next tier: its threshold (null: the top one is reached)",
    )
    next_rate = serializers.DecimalField(
        **RATE, source="outlook.following.rate", read_only=True, allow_null=True
    )
    gap = serializers.DecimalField(
        **OUTLOOK,
        source="outlook.gap",
        read_only=True,
        allow_null=True,
        help_text="What it takes to reach the next tier: revenue (revenue and growth bases) or "
        "units; null: no next tier, or growth from no baseline",
    )
    expected = serializers.DecimalField(
        **OUTLOOK,
        source="outlook.expected",
        read_only=True,
        help_text="What it will have earned at the end of the period at its pace so far",
    )


class StandingSerializer(OutlookFields):
    """One distributor's standing in a programme, as the last accrual measured it, with what it
    was paid, what is due and its outlook. Context: the `programme` (its tiers prefetched)."""

    distributor = serializers.CharField(
        source="distributor.code", read_only=True, help_text="Distributor code"
    )
    distributor_name = serializers.CharField(source="distributor.name", read_only=True)
    revenue = serializers.DecimalField(
        **MEASURE, read_only=True, help_text="Revenue of the period (pro rata for part months)"
    )
    units = serializers.DecimalField(**MEASURE, read_only=True)
    baseline = serializers.DecimalField(
        **MEASURE,
        read_only=True,
        allow_null=True,
        help_text="Revenue of the baseline period (growth programmes)",
    )
    measure = serializers.DecimalField(
        **MEASURE,
        read_only=True,
        allow_null=True,
        help_text="What the tiers read: revenue, units or growth (%); null: growth from nothing",
    )
    earned = serializers.DecimalField(**MONEY, read_only=True)
    paid = serializers.DecimalField(**TOTAL, read_only=True, help_text="Advances and true-ups")
    due = serializers.DecimalField(**TOTAL, read_only=True, help_text="earned − paid")
    unpriced = serializers.IntegerField(
        read_only=True,
        help_text="Revenue rows without an exchange rate: its earnings wait for the rate",
    )
    through = serializers.DateField(
        read_only=True, allow_null=True, help_text="The last month with revenue counted"
    )
    currency = serializers.SerializerMethodField(help_text="ISO 4217 code of every amount")

    get_currency = _currency

    def to_representation(self, standing):
        standing.outlook = self.context["programme"].outlook(standing)
        return super().to_representation(standing)


# --- settlements and the ledger ----------------------------------------------------------------


class SettlementSerializer(serializers.ModelSerializer):
    programme = serializers.IntegerField(
        source="programme_id", read_only=True, help_text="Programme id"
    )
    entries = serializers.IntegerField(
        source="entries_count", read_only=True, help_text="Distributors paid (or recovered from)"
    )
    total = serializers.DecimalField(
        max_digits=MONEY_DIGITS + 2,
        decimal_places=2,
        read_only=True,
        help_text="The sum of its entries; negative: more recovered than paid",
    )
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="Username of who recorded it"
    )
    currency = serializers.SerializerMethodField(help_text="ISO 4217 code of every amount")

    get_currency = _currency

    class Meta:
        model = Settlement
        fields = [
            "id",
            "programme",
            "kind",
            "through",
            "paid_on",
            "reference",
            "total",
            "entries",
            "currency",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class PaymentInputSerializer(serializers.Serializer):
    reference = serializers.CharField(
        max_length=text_limit(Settlement, "reference"),
        required=False,
        allow_blank=True,
        default="",
        help_text="The payment's reference (required by the rules: an empty one is refused)",
    )
    paid_on = serializers.DateField(help_text="The day it was paid: today or before")


class AdvanceInputSerializer(PaymentInputSerializer):
    through = serializers.DateField(
        help_text="The quarter end it pays for: one of the programme's `advance_dates`, past"
    )


class BonusPaymentInputSerializer(PaymentInputSerializer):
    goal = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="Id of an achieved goal with a bonus"
    )


class EntrySerializer(serializers.ModelSerializer):
    distributor = serializers.CharField(
        source="distributor.code", read_only=True, help_text="Distributor code"
    )
    distributor_name = serializers.CharField(source="distributor.name", read_only=True)
    programme = serializers.IntegerField(
        source="programme_id", read_only=True, allow_null=True, help_text="Programme id"
    )
    programme_name = serializers.SerializerMethodField(help_text="In the request's language")
    goal = serializers.IntegerField(
        source="goal_id", read_only=True, allow_null=True, help_text="Goal id (bonus payments)"
    )
    settlement = serializers.IntegerField(
        source="settlement_id",
        read_only=True,
        allow_null=True,
        help_text="Settlement id (advances and true-ups)",
    )
    amount = serializers.DecimalField(
        **MONEY, read_only=True, help_text="Signed: a negative restatement or true-up takes back"
    )
    currency = serializers.CharField(
        read_only=True, help_text="ISO 4217 code: the reporting currency, a bonus's own"
    )
    # Read-only model fields lose allow_blank in DRF: accruals have no reference.
    reference = serializers.CharField(read_only=True, allow_blank=True)

    class Meta:
        model = Entry
        fields = [
            "id",
            "distributor",
            "distributor_name",
            "programme",
            "programme_name",
            "goal",
            "settlement",
            "kind",
            "amount",
            "currency",
            "date",
            "reference",
            "created_at",
        ]
        read_only_fields = fields

    def get_programme_name(self, entry) -> str | None:
        return entry.programme.display_name if entry.programme_id else None


# --- a distributor's statement -----------------------------------------------------------------


class StatementQuerySerializer(serializers.Serializer):
    distributor = CodeRelatedField(
        queryset=Distributor.objects.none(),
        required=False,
        help_text="Distributor code: the manufacturer names one; a partner's own by default",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["distributor"].queryset = Distributor.objects.visible_to(user)
        # The manufacturer names the distributor; a partner reads its own unless it names it.
        self.fields["distributor"].required = is_manufacturer(user)

    def validate(self, attrs):
        if "distributor" not in attrs:
            attrs["distributor"] = user_membership(self.user).distributor
        return attrs


class FiguresSerializer(serializers.Serializer):
    earned = serializers.DecimalField(**TOTAL, read_only=True)
    paid = serializers.DecimalField(**TOTAL, read_only=True)
    due = serializers.DecimalField(**TOTAL, read_only=True, help_text="earned − paid")


class ProgrammeLineSerializer(OutlookFields):
    """The distributor's standing in one programme, with its outlook."""

    programme = serializers.IntegerField(source="programme.pk", read_only=True)
    programme_name = serializers.CharField(
        source="programme.display_name", read_only=True, help_text="In the request's language"
    )
    kind = serializers.ChoiceField(
        source="programme.kind", choices=Programme.Kind.choices, read_only=True
    )
    period_start = serializers.DateField(source="programme.period_start", read_only=True)
    period_end = serializers.DateField(source="programme.period_end", read_only=True)
    earned = serializers.DecimalField(**MONEY, source="standing.earned", read_only=True)
    paid = serializers.DecimalField(**TOTAL, read_only=True, help_text="Advances and true-ups")
    due = serializers.DecimalField(**TOTAL, read_only=True, help_text="earned − paid")
    currency = serializers.SerializerMethodField(help_text="ISO 4217 code of every amount")

    get_currency = _currency


class BonusLineSerializer(serializers.Serializer):
    """An achieved goal's bonus, and its payment once recorded."""

    goal = serializers.IntegerField(source="goal.pk", read_only=True, help_text="Goal id")
    payout = serializers.DecimalField(
        **MONEY, source="goal.payout", read_only=True, help_text="The bonus the goal earned"
    )
    currency = serializers.SerializerMethodField(help_text="ISO 4217 code of the bonus")
    paid = serializers.DecimalField(**MONEY, read_only=True)
    due = serializers.DecimalField(**MONEY, read_only=True, help_text="payout − paid")
    reference = serializers.CharField(
        source="payment.reference",
        read_only=True,
        allow_null=True,
        allow_blank=True,
        help_text="The payment's reference; null: not paid yet",
    )
    paid_on = serializers.DateField(
        source="payment.date", read_only=True, allow_null=True, help_text="null: not paid yet"
    )

    def get_currency(self, line) -> str:
        return line.goal.payout_currency or line.goal.payout_currency_code


class StatementSerializer(serializers.Serializer):
    """One distributor's earnings (`incentives.selectors.statement`): its programmes and its
    goal bonuses, every line adding up to the totals of its currency."""

    distributor = serializers.SerializerMethodField(help_text="Distributor code")
    distributor_name = serializers.SerializerMethodField()
    totals = serializers.DictField(
        child=FiguresSerializer(),
        read_only=True,
        help_text="By ISO 4217 currency code: earned, paid and due",
    )
    programmes = ProgrammeLineSerializer(many=True, read_only=True)
    bonuses = BonusLineSerializer(many=True, read_only=True)

    def get_distributor(self, statement) -> str:
        return self.context["distributor"].code

    def get_distributor_name(self, statement) -> str:
        return self.context["distributor"].name
