"""Query-string filters and orderings of the distributors API (django-filter FilterSets)."""

from django_filters import rest_framework as filters

from .models import Distributor, Investment, ProductLine, RevenueRecord, Territory


class StableOrderingFilter(filters.OrderingFilter):
    """`?ordering=` with public names; ties fall back to the id so pages never overlap."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "pk")
        return qs


class IncrementalFilterSet(filters.FilterSet):
    """Base of every list's FilterSet: `?updated_after=` lets a BI tool fetch only what changed.

    Inclusive (`>=`): a client that passes the newest `updated_at` it stored may see that row
    again, but never misses one written in the same instant.
    """

    updated_after = filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=(
            "ISO 8601 date and time, e.g. 2026-03-01T00:00:00Z (without an offset: the server's "
            "time zone); only rows changed at or after it"
        ),
    )


class DistributorFilter(IncrementalFilterSet):
    tier = filters.CharFilter(field_name="tier__code", help_text="Tier code")
    country = filters.CharFilter(lookup_expr="iexact", help_text="ISO 3166-1 alpha-2 code")
    status = filters.ChoiceFilter(choices=Distributor.Status.choices)
    account_manager = filters.CharFilter(
        field_name="account_manager__username", help_text="Username of the account manager"
    )
    ordering = StableOrderingFilter(
        fields=(
            ("code", "code"),
            ("name", "name"),
            ("country", "country"),
            ("tier__rank", "tier"),
            ("status", "status"),
            ("account_manager__username", "account_manager"),
            ("contract_end", "contract_end"),
            ("market_potential", "market_potential"),
            ("revenue_12m", "revenue_12m"),
            ("updated_at", "updated_at"),
        )
    )

    class Meta:
        model = Distributor
        fields = ["tier", "country", "status", "account_manager"]


class TerritoryFilter(IncrementalFilterSet):
    country = filters.CharFilter(lookup_expr="iexact", help_text="ISO 3166-1 alpha-2 code")
    ordering = StableOrderingFilter(
        fields=(
            ("code", "code"),
            ("name", "name"),
            ("country", "country"),
            ("updated_at", "updated_at"),
        )
    )

    class Meta:
        model = Territory
        fields = ["country", "region"]


class ProductLineFilter(IncrementalFilterSet):
    ordering = StableOrderingFilter(
        fields=(("code", "code"), ("name", "name"), ("updated_at", "updated_at"))
    )

    class Meta:
        model = ProductLine
        fields = ["is_active"]


class RevenueFilter(IncrementalFilterSet):
    distributor = filters.CharFilter(field_name="distributor__code", help_text="Distributor code")
    month = filters.DateFromToRangeFilter(
        help_text="First day of the month; `month_after` and `month_before` are inclusive"
    )
    product_line = filters.CharFilter(
        field_name="product_line__code", help_text="Product line code"
    )
    customer_category = filters.CharFilter(
        field_name="customer_category__code", help_text="Customer category code"
    )
    ordering = StableOrderingFilter(
        fields=(
            ("month", "month"),
            ("distributor__code", "distributor"),
            ("product_line__code", "product_line"),
            ("amount", "amount"),
            ("reporting_amount", "reporting_amount"),
            ("units", "units"),
            ("margin", "margin"),
            ("updated_at", "updated_at"),
        )
    )

    class Meta:
        model = RevenueRecord
        fields = ["distributor", "month", "product_line", "customer_category"]


class InvestmentFilter(IncrementalFilterSet):
    distributor = filters.CharFilter(field_name="distributor__code", help_text="Distributor code")
    date = filters.DateFromToRangeFilter(help_text="`date_after` and `date_before` are inclusive")
    kind = filters.ChoiceFilter(choices=Investment.Kind.choices)
    ordering = StableOrderingFilter(
        fields=(
            ("date", "date"),
            ("distributor__code", "distributor"),
            ("kind", "kind"),
            ("amount", "amount"),
            ("value", "value"),
            ("updated_at", "updated_at"),
        )
    )

    class Meta:
        model = Investment
        fields = ["distributor", "date", "kind"]
