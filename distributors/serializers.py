"""API shapes of the distributors app: they validate input and render output, nothing more."""

from rest_framework import serializers

from .models import Distributor, Investment, ProductLine, RevenueRecord, Territory, Tier
from .selectors import MONEY

REPORTING_MONEY = {"max_digits": MONEY.max_digits, "decimal_places": MONEY.decimal_places}


class DistributorSerializer(serializers.ModelSerializer):
    tier = serializers.SlugRelatedField(
        slug_field="code", queryset=Tier.objects.all(), help_text="Tier code"
    )
    tier_rank = serializers.IntegerField(
        source="tier.rank", read_only=True, help_text="1 is the top tier"
    )
    account_manager = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="Username of the account manager"
    )
    territories = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        required=False,
        queryset=Territory.objects.all(),
        help_text="Territory codes",
    )
    product_lines = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        required=False,
        queryset=ProductLine.objects.all(),
        help_text="Product line codes",
    )
    revenue_12m = serializers.DecimalField(
        **REPORTING_MONEY,
        read_only=True,
        help_text="Revenue of the last 12 months in the reporting currency",
    )

    class Meta:
        model = Distributor
        fields = [
            "code",
            "name",
            "country",
            "region",
            "currency",
            "tier",
            "tier_rank",
            "status",
            "contract_start",
            "contract_end",
            "account_manager",
            "market_potential",
            "territories",
            "product_lines",
            "revenue_12m",
            "updated_at",
        ]


class TerritorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Territory
        fields = ["code", "name", "country", "region", "updated_at"]


class ProductLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductLine
        fields = ["code", "name", "is_active", "updated_at"]


class RevenueSerializer(serializers.ModelSerializer):
    distributor = serializers.SlugRelatedField(slug_field="code", read_only=True)
    product_line = serializers.SlugRelatedField(slug_field="code", read_only=True)
    customer_category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    currency = serializers.CharField(
        source="distributor.currency", read_only=True, help_text="Currency of amount and margin"
    )
    reporting_amount = serializers.DecimalField(
        **REPORTING_MONEY,
        read_only=True,
        allow_null=True,
        help_text="Amount in the reporting currency; null while no exchange rate is known",
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
            "units",
            "margin",
            "updated_at",
        ]
        read_only_fields = fields


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
            "customer_category, units, margin. Upserted on distributor × month × product line "
            "× category; any bad row rejects the whole request."
        ),
    )


class RevenuePushResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
