"""API shapes of the funds app: they validate input and render output; the rules are the
services'. Ids stand for funds, requests, claims and proof files; codes for distributors, tiers
and lead sources; usernames for people. Every amount is in the reporting currency, which each
row names (`currency`)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist
from django.urls import reverse
from rest_framework import serializers

from distributors.models import Region, Tier
from distributors.serializers import CodeRelatedField
from drm.api import BlankRefused, IdField, NamedFields
from drm.limits import text_limit
from leads.models import LeadSource, Material

from .models import MONEY_DIGITS, PERCENT_DIGITS, ActivityType, Claim, Fund, FundRequest, ProofFile

MONEY = {"max_digits": MONEY_DIGITS, "decimal_places": 2}
PERCENT = {"max_digits": PERCENT_DIGITS, "decimal_places": 2}
# What the aggregates of a balance can reach (several amounts added up).
TOTAL = {"max_digits": MONEY_DIGITS + 4, "decimal_places": 2}


def _currency(serializer, row) -> str:
    return settings.REPORTING_CURRENCY


# --- funds -------------------------------------------------------------------------------------


class FundSerializer(NamedFields, serializers.ModelSerializer):
    tiers = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text="Tier codes the fund is for; empty: every tier",
    )
    regions = serializers.SlugRelatedField(
        slug_field="name",
        many=True,
        read_only=True,
        help_text="Regions the fund is for (as distributors write them); empty: every region",
    )
    expired = serializers.SerializerMethodField(help_text="Past `expires_on` today")
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    currency = serializers.SerializerMethodField(help_text="ISO 4217 code of every amount")

    get_currency = _currency

    class Meta:
        model = Fund
        fields = [
            "id",
            "name",
            "name_en",
            "name_fr",
            "kind",
            "period_start",
            "period_end",
            "expires_on",
            "expired",
            "accrual_percent",
            "cost_share_percent",
            "tiers",
            "regions",
            "currency",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_expired(self, fund) -> bool:
        return fund.is_expired()


class RegionNameField(BlankRefused, serializers.SlugRelatedField):
    """A region named as written, in any case (regions are unique in any case)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="name", **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return self.get_queryset().get(name__iexact=data.strip())
        except (TypeError, ValueError, ObjectDoesNotExist, MultipleObjectsReturned):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))


class FundInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=text_limit(Fund, "name"))
    name_fr = serializers.CharField(
        max_length=text_limit(Fund, "name_fr"),
        required=False,
        allow_blank=True,
        default="",
        help_text="What French readers see; empty: the English name",
    )
    kind = serializers.ChoiceField(choices=Fund.Kind.choices)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    expires_on = serializers.DateField(
        help_text="After this day, what is left unclaimed of the fund expires"
    )
    accrual_percent = serializers.DecimalField(
        **PERCENT,
        required=False,
        allow_null=True,
        default=None,
        help_text="Accrual funds only: the share of the revenue of the period earned (%)",
    )
    cost_share_percent = serializers.DecimalField(
        **PERCENT,
        required=False,
        default=Decimal("50.00"),
        help_text="The share of an activity's cost the fund pays (%)",
    )
    tiers = CodeRelatedField(
        many=True,
        required=False,
        default=list,
        queryset=Tier.objects.all(),
        help_text="Tier codes; none: every tier",
    )
    regions = RegionNameField(
        many=True,
        required=False,
        default=list,
        queryset=Region.objects.all(),
        help_text="Region names, any case; none: every region",
    )


class AllocationInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        **MONEY, help_text="What the distributor may draw from the fund, in the reporting currency"
    )


class BalanceSerializer(serializers.Serializer):
    """One allocation's balance, as `funds.selectors.balances` computes it (read only)."""

    fund = serializers.IntegerField(source="fund_id", read_only=True, help_text="Fund id")
    fund_name = serializers.CharField(
        source="fund.display_name", read_only=True, help_text="In the request's language"
    )
    distributor = serializers.CharField(
        source="distributor.code", read_only=True, help_text="Distributor code"
    )
    distributor_name = serializers.CharField(source="distributor.name", read_only=True)
    allocated = serializers.DecimalField(**TOTAL, read_only=True)
    reserved = serializers.DecimalField(
        **TOTAL, read_only=True, help_text="Approved requests whose claim is not decided yet"
    )
    claimed = serializers.DecimalField(
        **TOTAL, read_only=True, help_text="Approved claims not paid yet"
    )
    paid = serializers.DecimalField(**TOTAL, read_only=True)
    expired = serializers.DecimalField(
        **TOTAL, read_only=True, help_text="What nobody used of the fund once it expired"
    )
    available = serializers.DecimalField(**TOTAL, read_only=True)
    currency = serializers.SerializerMethodField(help_text="ISO 4217 code of every amount")

    get_currency = _currency


class ImpactEstimateSerializer(serializers.Serializer):
    """What one treatment (a paid fund activity, an incentive programme) bought one distributor,
    as the nightly job stored it (read only): the incremental revenue with its interval, the
    method named, or why no estimate could be made."""

    id = serializers.IntegerField(read_only=True)
    kind = serializers.CharField(
        read_only=True, help_text="The treatment: fund_request (a paid activity) or programme"
    )
    subject = serializers.IntegerField(
        source="subject_id", read_only=True, help_text="The fund request's or programme's id"
    )
    distributor = serializers.CharField(
        source="distributor.code", read_only=True, help_text="Distributor code"
    )
    first_month = serializers.DateField(read_only=True)
    last_month = serializers.DateField(read_only=True)
    effect_end = serializers.DateField(
        read_only=True, help_text="The last month of the effect window (the last month + lag)"
    )
    method = serializers.CharField(read_only=True)
    method_text = serializers.CharField(read_only=True, help_text="In the request's language")
    incremental = serializers.DecimalField(
        **TOTAL, read_only=True, allow_null=True, help_text="Incremental revenue"
    )
    low = serializers.DecimalField(**TOTAL, read_only=True, allow_null=True)
    high = serializers.DecimalField(**TOTAL, read_only=True, allow_null=True)
    confidence = serializers.DecimalField(max_digits=3, decimal_places=2, read_only=True)
    effect_percent = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, allow_null=True
    )
    actual = serializers.DecimalField(**TOTAL, read_only=True, allow_null=True)
    invested = serializers.DecimalField(**TOTAL, read_only=True)
    peers = serializers.IntegerField(read_only=True)
    overlaps = serializers.IntegerField(
        read_only=True, help_text="Other treatments of the distributor in the same months"
    )
    reason = serializers.CharField(
        read_only=True, help_text="Why no estimate could be made (a code); empty when made"
    )
    reason_text = serializers.CharField(read_only=True, help_text="In the request's language")
    computed_at = serializers.DateTimeField(read_only=True)
    currency = serializers.SerializerMethodField(help_text="ISO 4217 code of every amount")

    get_currency = _currency


# --- requests ----------------------------------------------------------------------------------


class FundRequestSerializer(serializers.ModelSerializer):
    fund = serializers.IntegerField(
        source="allocation.fund_id", read_only=True, help_text="Fund id"
    )
    fund_name = serializers.CharField(
        source="allocation.fund.display_name", read_only=True, help_text="In the request's language"
    )
    distributor = serializers.CharField(
        source="allocation.distributor.code", read_only=True, help_text="Distributor code"
    )
    materials = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the catalogue's materials used"
    )
    submitted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    claim = serializers.SerializerMethodField(help_text="The claim's id, once claimed")
    currency = serializers.SerializerMethodField(help_text="ISO 4217 code of every amount")

    get_currency = _currency

    class Meta:
        model = FundRequest
        fields = [
            "id",
            "fund",
            "fund_name",
            "distributor",
            "activity_type",
            "title",
            "description",
            "start",
            "end",
            "planned_cost",
            "requested_amount",
            "expected_leads",
            "expected_revenue",
            "materials",
            "status",
            "approved_amount",
            "decision_reason",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "claim_deadline",
            "claim",
            "currency",
        ]
        read_only_fields = fields

    def get_claim(self, request) -> int | None:
        try:
            return request.claim.pk
        except Claim.DoesNotExist:
            return None


class FundRequestInputSerializer(serializers.Serializer):
    fund = IdField(
        queryset=Fund.objects.all(),
        help_text="Fund id: one your distributor has an allocation in",
    )
    activity_type = serializers.ChoiceField(choices=ActivityType.choices)
    title = serializers.CharField(max_length=text_limit(FundRequest, "title"))
    description = serializers.CharField(
        max_length=text_limit(FundRequest, "description"),
        required=False,
        allow_blank=True,
        default="",
    )
    start = serializers.DateField(help_text="Today or later, within the fund's period")
    end = serializers.DateField(help_text="Within the fund's period")
    planned_cost = serializers.DecimalField(
        **MONEY, help_text="The fund asks its share of it (the fund's cost_share_percent)"
    )
    expected_leads = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=0)
    expected_revenue = serializers.DecimalField(
        **MONEY, required=False, allow_null=True, default=None
    )
    materials = IdField(
        many=True,
        required=False,
        default=list,
        queryset=Material.objects.filter(is_active=True),
        help_text="Ids of the catalogue's materials the activity uses",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        # Another distributor's fund answers like one that does not exist.
        self.fields["fund"].queryset = Fund.objects.visible_to(getattr(request, "user", None))


class FundRequestApproveSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        **MONEY,
        required=False,
        allow_null=True,
        default=None,
        help_text="Less than asked approves in part (say why); left out: the whole amount",
    )
    reason = serializers.CharField(
        max_length=text_limit(FundRequest, "decision_reason"),
        required=False,
        allow_blank=True,
        default="",
    )


class FundRequestRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=text_limit(FundRequest, "decision_reason"),
        required=False,
        allow_blank=True,
        default="",
        help_text="Why (required by the rules: an empty one is refused)",
    )


# --- claims ------------------------------------------------------------------------------------


class ProofFileSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    download = serializers.SerializerMethodField(
        help_text="Path of the file's download (same authentication)"
    )

    class Meta:
        model = ProofFile
        fields = ["id", "name", "content_type", "size", "uploaded_at", "download"]
        read_only_fields = fields

    def get_download(self, proof) -> str:
        return reverse("api:fund-claim-proof", args=[proof.claim_id, proof.pk])


class ClaimSerializer(serializers.ModelSerializer):
    request = serializers.IntegerField(source="request_id", read_only=True, help_text="Request id")
    title = serializers.CharField(source="request.title", read_only=True)
    fund = serializers.IntegerField(
        source="request.allocation.fund_id", read_only=True, help_text="Fund id"
    )
    distributor = serializers.CharField(
        source="request.allocation.distributor.code", read_only=True, help_text="Distributor code"
    )
    lead_source = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="Lead source code"
    )
    submitted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    investment = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="Id of the market funds investment the payment was added to",
    )
    # Read-only model fields lose allow_blank in DRF: a claim not paid has no reference.
    payment_reference = serializers.CharField(read_only=True, allow_blank=True)
    proofs = ProofFileSerializer(many=True, read_only=True)
    currency = serializers.SerializerMethodField(help_text="ISO 4217 code of every amount")

    get_currency = _currency

    class Meta:
        model = Claim
        fields = [
            "id",
            "request",
            "title",
            "fund",
            "distributor",
            "actual_cost",
            "claimed_amount",
            "results_leads",
            "results_revenue",
            "lead_source",
            "status",
            "approved_amount",
            "decision_reason",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "paid_on",
            "payment_reference",
            "investment",
            "proofs",
            "currency",
        ]
        read_only_fields = fields


class FilesField(serializers.ListField):
    """Files sent as repeated parts, named `files` or `files[]` (as an HTML form names them)."""

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist") and f"{self.field_name}[]" in dictionary:
            return dictionary.getlist(f"{self.field_name}[]")
        return super().get_value(dictionary)


class ClaimInputSerializer(serializers.Serializer):
    """A claim, sent as multipart/form-data (it carries its proof files)."""

    actual_cost = serializers.DecimalField(
        **MONEY, help_text="The fund claims its share of it, at most the amount approved"
    )
    results_leads = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, default=0, help_text="Leads the activity generated"
    )
    results_revenue = serializers.DecimalField(
        **MONEY, default=Decimal("0.00"), help_text="Revenue the activity generated"
    )
    lead_source = CodeRelatedField(
        queryset=LeadSource.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Lead source code: its leads during the activity are the ones it brought",
    )
    files = FilesField(
        child=serializers.FileField(allow_empty_file=True, use_url=False),
        required=False,
        default=list,
        help_text="Proof files (PDF, JPEG, PNG, CSV or XLSX): at least one; repeat the part",
    )


class ClaimApproveSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        **MONEY,
        required=False,
        allow_null=True,
        default=None,
        help_text="Less than claimed approves in part (say why); left out: the amount claimed",
    )
    reason = serializers.CharField(
        max_length=text_limit(Claim, "decision_reason"),
        required=False,
        allow_blank=True,
        default="",
    )


class ClaimRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=text_limit(Claim, "decision_reason"),
        required=False,
        allow_blank=True,
        default="",
        help_text="Why (required by the rules: an empty one is refused)",
    )


class ClaimPaySerializer(serializers.Serializer):
    reference = serializers.CharField(
        max_length=text_limit(Claim, "payment_reference"),
        required=False,
        allow_blank=True,
        default="",
        help_text="The payment's reference (required by the rules: an empty one is refused)",
    )
    paid_on = serializers.DateField(help_text="The day it was paid: today or before")
