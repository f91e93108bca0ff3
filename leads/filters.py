"""The filters of the lead list and of the deal registrations: one FilterSet per list, read by its
page, its export and its API alike.

An invalid value is an error naming the parameter (the page says so, the export and the API
answer 400), never an unfiltered list.
"""

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from distributors.models import Distributor, ProductLine
from distributors.selectors import DistributorScope
from drm.filters import (
    CodeChoiceFilter,
    CountryFilter,
    IncrementalFilterSet,
    StrictFilterSet,
    UtcIsoDateTimeFilter,
)
from drm.widgets import PickerSelect

from .forms import DistributorCodeInput
from .models import DealRegistration, Lead, LeadSource

AGES = [("7", _("Last 7 days")), ("30", _("Last 30 days"))]
AGES += [("90", _("Last 90 days")), ("365", _("Last 12 months"))]

# What a yes/no filter takes: the API's words, and "on", what a ticked checkbox sends.
YES = frozenset(("1", "true", "on"))
NO = frozenset(("0", "false"))


class FlagInput(forms.CheckboxInput):
    """A checkbox that hands its raw value to the field (Django's reads a missing box as
    "no", which would filter every lead that is not overdue out of an unfiltered list)."""

    def __init__(self, attrs=None):
        super().__init__(attrs, check_test=lambda value: str(value).strip().lower() in YES)

    def value_from_datadict(self, data, files, name):
        return data.get(name)


class FlagField(forms.Field):
    """Yes (true, 1, on), no (false, 0) or not given; anything else is an error."""

    widget = FlagInput

    def to_python(self, value):
        if value in (None, ""):
            return None
        word = str(value).strip().lower()
        if word in YES:
            return True
        if word in NO:
            return False
        raise forms.ValidationError(_("Give true or false."), code="invalid")


class FlagFilter(filters.BooleanFilter):
    field_class = FlagField

    def __init__(self, *args, **kwargs):
        kwargs["widget"] = FlagInput  # not the API's BooleanWidget, which reads "on" as nothing
        super().__init__(*args, **kwargs)


def visible_distributors(request):
    # Another distributor's code answers like an unknown one: a partner learns nothing.
    return Distributor.objects.visible_to(getattr(request, "user", None))


class ScopeFilterMixin:
    """`scope`: "mine" keeps the rows of the distributors whose account manager is the caller
    (distributors.selectors.DistributorScope), "all" every row the caller may see."""

    scope_lookup = "distributor__account_manager"

    def filter_scope(self, queryset, name, value):
        if value == DistributorScope.MINE:
            return queryset.filter(**{self.scope_lookup: self.request.user})
        return queryset


# The pages' tabs: "My distributors" and "All".
SCOPE_TABS = [
    (DistributorScope.MINE, DistributorScope.MINE.label),
    (DistributorScope.ALL, _("All")),
]

SCOPE_HELP = (
    "mine: rows of the distributors whose account manager you are; all (the default here): "
    "every row you may see"
)


class LeadFilter(ScopeFilterMixin, IncrementalFilterSet):
    """The lead list's filters (page `/leads/`, export `/leads/export/`, API `/api/v1/leads/`)."""

    q = filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        help_text="Part of the company name, or the exact external reference",
        widget=forms.TextInput(attrs={"placeholder": _("Company or reference")}),
    )
    status = filters.ChoiceFilter(
        choices=Lead.Status.choices, label=_("Status"), empty_label=_("Any status")
    )
    distributor = CodeChoiceFilter(
        queryset=visible_distributors,
        label=_("Distributor"),
        help_text="Distributor code",
        widget=DistributorCodeInput,
    )
    source = CodeChoiceFilter(
        queryset=LeadSource.objects.all(), label=_("Source"), help_text="Lead source code"
    )
    country = CountryFilter(label=_("Country"), help_text="ISO 3166-1 alpha-2 code")
    product_line = CodeChoiceFilter(
        queryset=ProductLine.objects.all(),
        label=_("Product line"),
        help_text="Product line code",
        widget=PickerSelect,
    )
    age = filters.ChoiceFilter(
        choices=AGES,
        method="filter_age",
        label=_("Created"),
        empty_label=_("Any age"),
        help_text="Created in the last 7, 30, 90 or 365 days",
    )
    created_after = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    overdue = FlagFilter(
        method="filter_overdue",
        label=_("Past the accept deadline"),
        help_text="true: waiting for an answer past the deadline",
    )
    escalated = FlagFilter(
        method="filter_escalated",
        label=_("Escalated"),
        help_text="true: back in the pool after nobody accepted it",
    )
    scope = filters.ChoiceFilter(
        choices=DistributorScope.choices,
        method="filter_scope",
        label=_("Whose distributors"),
        empty_label=_("Any distributor"),
        help_text=SCOPE_HELP,
    )

    class Meta:
        model = Lead
        fields = []

    def filter_q(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(Q(company__icontains=text) | Q(external_ref=text))

    def filter_age(self, queryset, name, value):
        since = timezone.now() - datetime.timedelta(days=int(value))
        return queryset.filter(created_at__gte=since)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        # `now`: the moment the caller counts from (lead_filterset), else the clock's.
        overdue = Lead.overdue_q(getattr(self, "now", None))
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_escalated(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.escalated() if value else queryset.exclude(Lead.escalated_q())


class RegistrationFilter(ScopeFilterMixin, StrictFilterSet):
    """The deal registrations' filters (page `/leads/registrations/`)."""

    status = filters.ChoiceFilter(
        choices=DealRegistration.Status.choices, label=_("Status"), empty_label=_("Any status")
    )
    scope = filters.ChoiceFilter(
        choices=DistributorScope.choices,
        method="filter_scope",
        label=_("Whose distributors"),
        empty_label=_("Any distributor"),
        help_text=SCOPE_HELP,
    )

    class Meta:
        model = DealRegistration
        fields = []
