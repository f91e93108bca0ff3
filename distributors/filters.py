"""Query-string filters and orderings of the distributors API (django-filter FilterSets)."""

import datetime

from django import forms
from django.db import connection, models
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import BaseCSVField, IsoDateTimeField, ModelChoiceField
from django_filters.filters import BaseCSVFilter
from django_filters.utils import get_model_field
from drf_spectacular.drainage import set_override

from .countries import validate_country_code
from .forms import CaselessCode
from .models import Distributor, Investment, ProductLine, RevenueRecord, Territory, Tier


class StableOrderingFilter(filters.OrderingFilter):
    """`?ordering=` with public names; ties fall back to the id so pages never overlap."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "pk")
        return qs


# What a yes/no filter takes; Django's NullBooleanField reads anything else as "no filter".
BOOLEAN_WORDS = frozenset(("true", "false", "1", "0"))


class NoBlankValuesForm(forms.Form):
    """A filter named in the query string with no value is a 400 naming it, like a malformed one:
    `?status=` would otherwise answer the unfiltered list. Free text (a CharField) may be empty.
    A yes/no filter takes true, false, 1 or 0, not any word."""

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField):
                continue
            # A range comes as two parameters: `date_after`, `date_before`.
            suffixes = getattr(field.widget, "suffixes", None) or [""]
            keys = [f"{name}_{suffix}" if suffix else name for suffix in suffixes]
            values = [
                value
                for key in keys
                if key in self.data
                for value in (
                    self.data.getlist(key) if hasattr(self.data, "getlist") else [self.data[key]]
                )
            ]
            if not values:
                continue
            if isinstance(field, BaseCSVField):  # `ordering=a,b`: every item given
                values = [part for value in values for part in str(value).split(",")]
            if not all(str(value).strip() for value in values):
                self.add_error(name, _("Give a value, or leave the parameter out."))
            elif isinstance(field, forms.NullBooleanField) and any(
                str(value).strip().lower() not in BOOLEAN_WORDS for value in values
            ):
                self.add_error(name, _("Give true or false."))
        return cleaned


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date and time, turned to UTC here: Postgres refuses offsets beyond ±15:59
    that ISO 8601 allows (a 503 otherwise), and a date at the very edge of the calendar that
    leaves it once in UTC is invalid input, not a crash."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


# A number filter on a column nothing resolves (a `method=` filter): what a bigint holds.
UNRESOLVED_NUMBER_DIGITS = 18


def _number_column(model, field_name):
    """The column a number filter compares with: a relation's target (an id), or None."""
    field = get_model_field(model, field_name) if model is not None else None
    if field is not None and field.is_relation:
        field = field.target_field
    return field


def bound_number_filter(number_filter, model):
    """Make a number filter take only what its column can hold, so that anything else is a
    400 naming the filter, never a crash (SQLite cannot bind an integer past 64 bits) nor a
    silent overflow: a whole number within the column's range for an integer or an id (ids
    from 1), the column's digits for a decimal, a finite number for a float."""
    column = _number_column(model, number_filter.field_name)
    extra = number_filter.extra
    if isinstance(column, models.FloatField):
        number_filter.field_class = forms.FloatField  # refuses NaN and Infinity
        return
    if isinstance(column, models.DecimalField):
        extra.setdefault("max_digits", column.max_digits)
        extra.setdefault("decimal_places", column.decimal_places)
        return
    if isinstance(column, (models.IntegerField, models.AutoField)):
        lowest, highest = connection.ops.integer_field_range(column.get_internal_type())
        if column.primary_key:
            lowest = 1
        number_filter.field_class = forms.IntegerField  # no fraction, no exponent
        extra.setdefault("min_value", lowest)
        extra.setdefault("max_value", highest)
        schema = {"type": "integer", "minimum": lowest, "maximum": highest}
        if extra.get("help_text"):  # an override's schema is taken whole, description included
            schema["description"] = str(extra["help_text"])
        set_override(number_filter, "field", schema)
        return
    extra.setdefault("max_digits", UNRESOLVED_NUMBER_DIGITS)  # DecimalField: finite only


class StrictFilterSet(filters.FilterSet):
    """Base of the API's FilterSets: blank values are refused like malformed ones, and every
    number filter, declared or generated, takes only what its column can hold."""

    @classmethod
    def get_filters(cls):
        found = super().get_filters()
        for each in found.values():
            # A list of numbers (`?goal__in=1,2`) builds its field from its class: not one yet.
            if isinstance(each, filters.NumberFilter) and not isinstance(each, BaseCSVFilter):
                bound_number_filter(each, cls._meta.model)
        return found

    def get_form_class(self):
        form = super().get_form_class()
        return type(form.__name__, (NoBlankValuesForm, form), {})


class IncrementalFilterSet(StrictFilterSet):
    """Base of every list's FilterSet: `?updated_after=` lets a BI tool fetch only what changed.

    Inclusive (`>=`): a client that passes the newest `updated_at` it stored may see that row
    again, but never misses one written in the same instant.
    """

    updated_after = UtcIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=(
            "ISO 8601 date and time, e.g. 2026-03-01T00:00:00Z (without an offset: the server's "
            "time zone); only rows changed at or after it"
        ),
    )


class CountryField(forms.CharField):
    """An ISO 3166-1 alpha-2 code in any case; anything else is a 400, not an empty list."""

    def clean(self, value):
        value = super().clean(value).strip().upper()
        if value:
            validate_country_code(value)
        return value


class CountryFilter(filters.CharFilter):
    field_class = CountryField


class CodeFilterField(CaselessCode, ModelChoiceField):
    pass


class CodeChoiceFilter(filters.ModelChoiceFilter):
    """`?tier=GOLD`: a row of the queryset named by its code in any case; unknown is a 400."""

    field_class = CodeFilterField

    def __init__(self, *args, **kwargs):
        # Named here too, so that the schema says a code (a string), not an id.
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)


def visible_territories(request):
    # A territory the caller cannot see answers like one that does not exist: nothing to probe.
    return Territory.objects.visible_to(getattr(request, "user", None))


class DistributorFilter(IncrementalFilterSet):
    # Unknown codes are a 400 naming the parameter, never a silently empty (or full) list.
    tier = CodeChoiceFilter(queryset=Tier.objects.all(), help_text="Tier code")
    country = CountryFilter(lookup_expr="iexact", help_text="ISO 3166-1 alpha-2 code")
    region = filters.CharFilter(lookup_expr="iexact", help_text="Region, any case")
    territory = CodeChoiceFilter(
        field_name="territories",
        queryset=visible_territories,
        help_text="Code of a territory the distributor covers",
    )
    product_line = CodeChoiceFilter(
        field_name="product_lines",
        queryset=ProductLine.objects.all(),
        help_text="Code of a product line the distributor carries",
    )
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
        fields = [
            "tier",
            "country",
            "region",
            "territory",
            "product_line",
            "status",
            "account_manager",
        ]


class TerritoryFilter(IncrementalFilterSet):
    country = CountryFilter(lookup_expr="iexact", help_text="ISO 3166-1 alpha-2 code")
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
    distributor = filters.CharFilter(
        field_name="distributor__code", lookup_expr="caseless", help_text="Distributor code"
    )
    month = filters.DateFromToRangeFilter(
        help_text="First day of the month; `month_after` and `month_before` are inclusive"
    )
    product_line = filters.CharFilter(
        field_name="product_line__code", lookup_expr="caseless", help_text="Product line code"
    )
    customer_category = filters.CharFilter(
        field_name="customer_category__code",
        lookup_expr="caseless",
        help_text="Customer category code",
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
    distributor = filters.CharFilter(
        field_name="distributor__code", lookup_expr="caseless", help_text="Distributor code"
    )
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
