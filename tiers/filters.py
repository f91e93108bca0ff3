"""The filter of the tier proposals (a django-filter FilterSet), read by its page, its export and
its API alike: a distributor, a status, a direction, the tier held or earned, whose distributors
(the caller's own as account manager, or all), a span of days.

An invalid value is an error naming the parameter, never an unfiltered list. A distributor the
caller may not see answers like one that does not exist."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from distributors.forms import DistributorPicker
from distributors.models import Tier
from distributors.selectors import DistributorScope
from drm.filters import CodeChoiceFilter, StrictFilterSet
from funds.filters import visible_distributors
from leads.filters import SCOPE_HELP, ScopeFilterMixin

from .models import TierReview


class ReviewFilter(ScopeFilterMixin, StrictFilterSet):
    distributor = CodeChoiceFilter(
        field_name="distributor",
        queryset=visible_distributors,
        label=_("Distributor"),
        help_text="Distributor code",
        widget=DistributorPicker,
    )
    status = filters.ChoiceFilter(
        choices=TierReview.Status.choices, label=_("Status"), empty_label=_("Any status")
    )
    direction = filters.ChoiceFilter(
        choices=TierReview.Direction.choices,
        label=_("Direction"),
        empty_label=_("Upgrades and downgrades"),
    )
    tier = CodeChoiceFilter(
        field_name="current_tier",
        queryset=Tier.objects.all(),
        label=_("Tier held"),
        empty_label=_("Any tier"),
        help_text="Tier code: the proposals out of it",
    )
    proposed_tier = CodeChoiceFilter(
        field_name="proposed_tier",
        queryset=Tier.objects.all(),
        label=_("Tier earned"),
        empty_label=_("Any tier"),
        help_text="Tier code: the proposals into it",
    )
    scope = filters.ChoiceFilter(
        choices=DistributorScope.choices,
        method="filter_scope",
        label=_("Whose distributors"),
        empty_label=_("Any distributor"),
        help_text=SCOPE_HELP,
    )
    proposed_from = filters.DateFilter(
        field_name="proposed_at__date", lookup_expr="gte", label=_("From"), help_text="YYYY-MM-DD"
    )
    proposed_to = filters.DateFilter(
        field_name="proposed_at__date", lookup_expr="lte", label=_("To"), help_text="YYYY-MM-DD"
    )

    class Meta:
        model = TierReview
        fields = []
