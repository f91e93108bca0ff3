"""Query-string filters and orderings of the distributors' lists, pages, exports and API
(django-filter FilterSets on the bases of `drm.filters`)."""

import functools
import operator

from django.contrib.auth import get_user_model
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.constants import EMPTY_VALUES
from django_filters.fields import (
    ModelChoiceField,
)

from drm import columns as list_columns
from drm.collation import collated, sort_key
from drm.filters import (
    CodeChoiceFilter,
    CountryFilter,
    IncrementalFilterSet,
    PresentCountriesFilter,
    PresentValuesFilter,
    StableOrderingFilter,
)
from drm.widgets import PickerSelect
from identity.access import is_manufacturer

from .forms import manager_choices, manager_label
from .models import Distributor, Investment, ProductLine, RevenueRecord, Territory, Tier
from .regions import region_display
from .selectors import DistributorScope


def visible_territories(request):
    # A territory the caller cannot see answers like one that does not exist: nothing to probe.
    return Territory.objects.visible_to(getattr(request, "user", None))


def _present(values, *, upper=False):
    """Distinct non-blank values, one spelling per value in any case, in the reader's order."""
    found = {}
    for value in values:
        value = (value or "").strip()
        if value:
            found.setdefault(value.casefold(), value.upper() if upper else value)
    return sorted(found.values(), key=sort_key)


class ManagerFilterField(ModelChoiceField):
    """Account managers listed by full name; the query string carries the username."""

    def label_from_instance(self, user):
        return manager_label(user)


class ManagerFilter(filters.ModelChoiceFilter):
    field_class = ManagerFilterField


def visible_managers(request):
    # Who manages the channel is the manufacturer's to filter by, not a partner's to probe.
    user = getattr(request, "user", None)
    return manager_choices() if is_manufacturer(user) else get_user_model().objects.none()


# `?sort=` (the page) and `?ordering=` (the API) take the same names: a field (or what sorts
# like it), or a registered column (`drm.columns`). Some names are the page's, some
# the API's, for the same order (`manager` sorts by full name, `account_manager` by username).
ORDERINGS = {
    "code": "code",
    "name": "name",  # in the reader's language (`collation`)
    "country": "country",
    "tier": "tier__rank",
    "status": "status",
    "manager": "manager_name",
    "account_manager": "account_manager__username",
    "contract": "contract_end",  # the days left, soonest end first
    "contract_end": "contract_end",
    "revenue": "revenue_12m",
    "revenue_12m": "revenue_12m",
    "potential": "market_potential",
    "market_potential": "market_potential",
    "updated_at": "updated_at",
}


def ordering_choices():
    """Every name, then each descending; called when a form is built, so that columns
    registered by the apps above (in their ready()) are in."""
    names = list(ORDERINGS) + [column.key for column in list_columns.registered()]
    return [(name, name) for name in names] + [(f"-{name}", f"-{name}") for name in names]


class DistributorOrderingFilter(filters.OrderingFilter):
    """One or more names, comma-separated, `-` for descending; rows without a value come last
    both ways, ties by code. A registered column is annotated when asked for."""

    def __init__(self, *args, **kwargs):
        kwargs["choices"] = ordering_choices
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        params = [param for param in value if param not in EMPTY_VALUES]
        qs = list_columns.annotate(qs, [param.lstrip("-") for param in params])
        order = []
        for param in params:
            descending, key = param.startswith("-"), param.lstrip("-")
            column = list_columns.get(key)
            if column is not None and key not in ORDERINGS:
                order.append(column.ordering(descending))
                continue
            field = collated("name") if key == "name" else F(ORDERINGS[key])
            order.append(field.desc(nulls_last=True) if descending else field.asc(nulls_last=True))
        return qs.order_by(*order, "code")


class DistributorFilter(IncrementalFilterSet):
    """The one filter of distributor lists: the manager's page, its CSV/XLSX export and
    /api/v1/distributors/. Unknown or malformed values are errors naming the parameter (a 400
    in the API and the export, a message on the page), never a silently empty or full list."""

    q = filters.CharFilter(
        method="filter_q", label=_("Search"), help_text="Part of the code or the name, any case"
    )
    tier = CodeChoiceFilter(queryset=Tier.objects.all(), label=_("Tier"), help_text="Tier code")
    country = PresentCountriesFilter(
        method="filter_country",
        choices=[],  # per request: the countries of the distributors in sight (__init__)
        label=_("Country"),
        help_text="ISO 3166-1 alpha-2 code, any case; repeat for several",
    )
    region = PresentValuesFilter(
        method="filter_region",
        choices=[],  # per request: the regions of the distributors in sight (__init__)
        label=_("Region"),
        help_text="Region, any case; repeat for several",
    )
    territory = CodeChoiceFilter(
        field_name="territories",
        queryset=visible_territories,
        label=_("Territory"),
        help_text="Code of a territory the distributor covers",
        widget=PickerSelect,
    )
    product_line = CodeChoiceFilter(
        field_name="product_lines",
        queryset=ProductLine.objects.all(),
        label=_("Product line"),
        help_text="Code of a product line the distributor carries",
        widget=PickerSelect,
    )
    status = filters.ChoiceFilter(
        choices=Distributor.Status.choices, label=_("Status"), empty_label=_("Any status")
    )
    contract = filters.ChoiceFilter(
        method="filter_contract",
        choices=Distributor.Contract.choices,
        label=_("Contract"),
        empty_label=_("Any contract"),
        help_text=(
            "Where the contract stands today: renewal_due (ends within CONTRACT_RENEWAL_DAYS), "
            "ended, running, not_started, none (no dates)"
        ),
    )
    manager = ManagerFilter(
        field_name="account_manager",
        queryset=visible_managers,
        to_field_name="username",
        label=_("Account manager"),
        help_text="Username of the account manager (an unknown one is a 400)",
    )
    account_manager = filters.CharFilter(
        field_name="account_manager__username", help_text="Username of the account manager"
    )
    scope = filters.ChoiceFilter(
        method="filter_scope",
        choices=DistributorScope.choices,
        help_text="mine: the distributors the caller is account manager of (unless `manager` "
        "is given); all: every one in sight",
    )
    ordering = DistributorOrderingFilter(
        help_text="Comma-separated; `-` for descending. Also score, rank, goal_attainment, "
        "overdue_leads"
    )
    sort = DistributorOrderingFilter(help_text="Like `ordering` (the list page's name for it)")

    class Meta:
        model = Distributor
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        seen = Distributor.objects.visible_to(getattr(self.request, "user", None)).order_by()
        for name, values, label in (
            (
                "country",
                lambda: _present(seen.values_list("country", flat=True).distinct(), upper=True),
                str,
            ),
            (
                "region",
                lambda: _present(seen.values_list("region", flat=True).distinct()),
                region_display,
            ),
        ):
            each = self.filters[name]
            each.extra["choices"] = functools.partial(_as_choices, values, label)
            each.__dict__.pop("_field", None)

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))

    def filter_country(self, queryset, name, value):
        return queryset.filter(country__in=[code.upper() for code in value])

    def filter_region(self, queryset, name, value):
        return queryset.filter(functools.reduce(operator.or_, (Q(region__iexact=v) for v in value)))

    def filter_contract(self, queryset, name, value):
        return queryset.filter(Distributor.contract_q(value, timezone.localdate()))

    def filter_scope(self, queryset, name, value):
        if value != DistributorScope.MINE or self.chosen_manager():
            return queryset
        return queryset.filter(account_manager=getattr(self.request, "user", None))

    def chosen_manager(self):
        return self.form.cleaned_data.get("manager")

    def chosen_scope(self):
        """The scope the list holds: a chosen account manager means all distributors (the
        manager filter already says whose to list: "mine" must not empty it)."""
        if self.chosen_manager():
            return DistributorScope.ALL
        return self.form.cleaned_data.get("scope") or DistributorScope.ALL


def _as_choices(values, label):
    return [(value, label(value)) for value in values()]


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
