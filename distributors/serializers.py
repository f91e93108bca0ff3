"""API shapes of the distributors app: they validate input and render output, nothing more."""

from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from drm.api import BlankRefused, NamedFields
from identity.access import hidden_fields

from .codes import validate_country, validate_currency
from .models import Distributor, Investment, ProductLine, RevenueRecord, Territory, Tier
from .regions import region_display
from .selectors import MONEY

REPORTING_MONEY = {"max_digits": MONEY.max_digits, "decimal_places": MONEY.decimal_places}


class CodeRelatedField(BlankRefused, serializers.SlugRelatedField):
    """A related row named by its code, in any case (`code__caseless`, as imports and filters
    match codes); written back as stored. A row outside the queryset reads as unknown."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return self.get_queryset().get(code__caseless=data)
        except (TypeError, ValueError, ObjectDoesNotExist, MultipleObjectsReturned):
            # Several rows: only codes without a case-insensitive unique index can do that.
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))


class DistributorSerializer(serializers.ModelSerializer):
    tier = CodeRelatedField(queryset=Tier.objects.all(), help_text="Tier code")
    tier_rank = serializers.IntegerField(
        source="tier.rank", read_only=True, help_text="1 is the top tier"
    )
    tier_name = serializers.CharField(
        source="tier.display_name", read_only=True, help_text="Tier in the request's language"
    )
    region_name = serializers.SerializerMethodField(help_text="Region in the request's language")
    account_manager = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username of the account manager",
    )
    territories = CodeRelatedField(
        many=True,
        required=False,
        queryset=Territory.objects.all(),
        help_text="Territory codes",
    )
    product_lines = CodeRelatedField(
        many=True,
        required=False,
        queryset=ProductLine.objects.all(),
        help_text="Product line codes",
    )
    currency = serializers.CharField(
        max_length=3, help_text="ISO 4217 code in which it reports revenue (upper-cased)"
    )
    country = serializers.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code")
    revenue_12m = serializers.DecimalField(
        **REPORTING_MONEY,
        read_only=True,
        help_text=(
            "Revenue of the last 12 complete months (ending last month) in the reporting "
            "currency; rows without an exchange rate are left out and counted in missing_rates"
        ),
    )
    missing_rates = serializers.IntegerField(
        read_only=True,
        help_text="Revenue rows of those 12 months left out of revenue_12m for want of a rate",
    )

    class Meta:
        model = Distributor
        fields = [
            "code",
            "name",
            "country",
            "region",
            "region_name",
            "currency",
            "tier",
            "tier_rank",
            "tier_name",
            "status",
            "contract_start",
            "contract_end",
            "account_manager",
            "market_potential",
            "language",
            "lead_capacity",
            "territories",
            "product_lines",
            "revenue_12m",
            "missing_rates",
            "updated_at",
        ]
        extra_kwargs = {
            "code": {"help_text": "Set on creation; an update may repeat it but not change it"}
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        for name in hidden_fields(getattr(request, "user", None), Distributor):
            data.pop(name, None)
        return data

    def get_region_name(self, distributor) -> str:
        return region_display(distributor.region)

    def validate_currency(self, value):
        return _iso(value, validate_currency)

    def validate_country(self, value):
        return _iso(value, validate_country)


def _iso(value, validator):
    """Upper-case a code, then check it against its ISO list (the form does the same)."""
    value = value.strip().upper()
    try:
        validator(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from exc
    return value


class TerritorySerializer(NamedFields, serializers.ModelSerializer):
    region = serializers.CharField(
        read_only=True, help_text="Region as written (in English; filters match it)"
    )
    region_name = serializers.SerializerMethodField(help_text="Region in the request's language")

    class Meta:
        model = Territory
        fields = [
            "code",
            "name",
            "name_en",
            "name_fr",
            "country",
            "region",
            "region_name",
            "updated_at",
        ]

    def get_region_name(self, territory) -> str:
        return region_display(territory.region)


class ProductLineSerializer(NamedFields, serializers.ModelSerializer):
    class Meta:
        model = ProductLine
        fields = ["code", "name", "name_en", "name_fr", "is_active", "updated_at"]


class RevenueSerializer(serializers.ModelSerializer):
    distributor = serializers.SlugRelatedField(slug_field="code", read_only=True)
    product_line = serializers.SlugRelatedField(slug_field="code", read_only=True)
    customer_category = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    reporting_amount = serializers.DecimalField(
        **REPORTING_MONEY,
        read_only=True,
        allow_null=True,
        help_text="Amount in the reporting currency; null while no exchange rate is known",
    )
    rate = serializers.DecimalField(
        max_digits=20,
        decimal_places=10,
        read_only=True,
        allow_null=True,
        help_text="Exchange rate used (reporting currency per unit of currency); null: none known",
    )
    rate_month = serializers.DateField(
        read_only=True, allow_null=True, help_text="Month of the rate used"
    )
    missing_rate = serializers.SerializerMethodField(
        help_text="True when no exchange rate is known for this currency and month"
    )

    class Meta:
        model = RevenueRecord
        fields = [
            "id",
            "distributor",
            "month",
            "product_line",
            "customer_category",
            "amount",
            "currency",
            "reporting_amount",
            "rate",
            "rate_month",
            "missing_rate",
            "units",
            "margin",
            "updated_at",
        ]
        read_only_fields = fields

    def get_missing_rate(self, record) -> bool:
        return record.reporting_amount is None


class InvestmentSerializer(serializers.ModelSerializer):
    distributor = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Investment
        fields = ["id", "distributor", "date", "kind", "amount", "value", "note", "updated_at"]
        read_only_fields = fields


class RevenuePushSerializer(serializers.Serializer):
    """Shape of a revenue push; the rows are checked by services.revenue_push like a file."""

    rows = serializers.ListField(
        child=serializers.DictField(),
        allow_empty=False,
        help_text=(
            "Objects with distributor, month (YYYY-MM), product_line, amount and optionally "
            "customer_category, units, margin, currency (ISO 4217; default: the distributor's). "
            "Upserted on distributor × month × product line × category; any bad row rejects "
            "the whole request. Send amounts as JSON numbers, or as strings in number_format."
        ),
    )
    number_format = serializers.ChoiceField(
        choices=["point", "comma"],
        default="point",
        help_text="How amounts sent as strings separate decimals: point (1234.56) or comma",
    )


class RevenuePushResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()


class HistoryChangeSerializer(serializers.Serializer):
    """One line of a change history (drm.history.Change)."""

    when = serializers.DateTimeField()
    who = serializers.CharField(
        source="who_name", help_text="Username or full name; empty when not known"
    )
    action = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    subject = serializers.CharField(help_text="The record: the distributor or a partner user")
    field = serializers.CharField(help_text="Label of the field; empty for a whole record")
    old = serializers.CharField(
        allow_null=True,
        help_text="The value before, as a person reads it in the caller's language: choice "
        "labels, names, amounts with their currency, dates in the reader's format",
    )
    new = serializers.CharField(allow_null=True, help_text="The value after, written as `old`")
    old_value = serializers.CharField(
        allow_null=True,
        help_text="The value before, for machines: ISO 8601 dates and date-times, plain "
        "decimals, choice codes, ids",
    )
    new_value = serializers.CharField(allow_null=True, help_text="The value after, as `old_value`")
