"""The filters of the incentives lists (django-filter FilterSets), each read by its page, its
export and its API alike: programmes, a programme's standings, and the earnings ledger.

An invalid value is an error naming the parameter, never an unfiltered list. A programme or a
distributor the caller may not see answers like one that does not exist.
"""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from distributors.forms import DistributorPicker
from drm.filters import CodeChoiceFilter, StrictFilterSet
from funds.filters import visible_distributors
from leads.filters import FlagFilter

from .models import Entry, Programme, Standing


def visible_programmes(request):
    return Programme.objects.visible_to(getattr(request, "user", None))


class ProgrammeFilter(StrictFilterSet):
    """The programme list's filters: kind, basis, those running today, a name."""

    q = filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        help_text="Part of the programme's name, in English or in French, any case",
    )
    kind = filters.ChoiceFilter(
        choices=Programme.Kind.choices, label=_("Kind"), empty_label=_("Any kind")
    )
    basis = filters.ChoiceFilter(
        choices=Programme.Basis.choices, label=_("Basis"), empty_label=_("Any basis")
    )
    running = FlagFilter(
        method="filter_running",
        label=_("Running today"),
        help_text="true: the programmes whose period includes today; false: the others",
    )

    class Meta:
        model = Programme
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(name_fr__icontains=value))

    def filter_running(self, queryset, name, value):
        today = timezone.localdate()
        running = Q(period_start__lte=today, period_end__gte=today)
        return queryset.filter(running if value else ~running)


class StandingFilter(StrictFilterSet):
    """A programme's standings: a distributor's code or name, those with something due."""

    q = filters.CharFilter(
        method="filter_q",
        label=_("Distributor"),
        help_text="Part of the distributor's code or name, any case",
    )
    due = FlagFilter(
        method="filter_due",
        label=_("Something due"),
        help_text="true: the distributors with an amount due (earned more than paid)",
    )

    class Meta:
        model = Standing
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(distributor__code__icontains=value) | Q(distributor__name__icontains=value)
        )

    def filter_due(self, queryset, name, value):
        return queryset.filter(due__gt=0) if value else queryset.filter(due__lte=0)


class EntryFilter(StrictFilterSet):
    """The earnings ledger: a distributor, a programme, a kind of entry, a span of dates."""

    distributor = CodeChoiceFilter(
        field_name="distributor",
        queryset=visible_distributors,
        label=_("Distributor"),
        help_text="Distributor code",
        widget=DistributorPicker,
    )
    programme = filters.ModelChoiceFilter(
        queryset=visible_programmes,
        label=_("Programme"),
        empty_label=_("Any programme"),
        help_text="Programme id (one of the programmes you may see)",
    )
    kind = filters.ChoiceFilter(
        choices=Entry.Kind.choices, label=_("Kind"), empty_label=_("Any kind")
    )
    date_from = filters.DateFilter(
        field_name="date", lookup_expr="gte", label=_("From"), help_text="YYYY-MM-DD"
    )
    date_to = filters.DateFilter(
        field_name="date", lookup_expr="lte", label=_("To"), help_text="YYYY-MM-DD"
    )

    class Meta:
        model = Entry
        fields = []
