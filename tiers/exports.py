"""The proposals export (CSV, or Excel with `?format=xlsx`), filtered by the same FilterSet as
its page and API."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from drm.filters import page_data
from funds.exports import _invalid, _respond
from identity.access import manufacturer_required

from . import selectors
from .filters import ReviewFilter


def _who(user):
    return (user.get_full_name() or user.get_username()) if user else ""


def _figures(review):
    return "; ".join(
        f"{key}={figure.get('value')}" for key, figure in sorted(review.figures.items())
    )


PROPOSAL_COLUMNS = (
    (gettext_lazy("Proposed at"), lambda row: row.proposed_at),
    (gettext_lazy("Distributor code"), lambda row: row.distributor.code),
    (gettext_lazy("Distributor"), lambda row: row.distributor.name),
    (gettext_lazy("Tier held"), lambda row: row.current_tier.code),
    (gettext_lazy("Tier earned"), lambda row: row.proposed_tier.code),
    (gettext_lazy("Direction"), lambda row: row.get_direction_display()),
    (gettext_lazy("Figures as of"), lambda row: row.as_of),
    (gettext_lazy("Short since"), lambda row: row.short_since),
    (gettext_lazy("Figures"), _figures),
    (gettext_lazy("Status"), lambda row: row.get_status_display()),
    (gettext_lazy("Decided by"), lambda row: _who(row.decided_by)),
    (gettext_lazy("Decided at"), lambda row: row.decided_at),
    (gettext_lazy("Tier set"), lambda row: row.tier_set.code if row.tier_set else ""),
    (gettext_lazy("Reason"), lambda row: row.reason),
)


@require_safe
@manufacturer_required
def proposals_export(request):
    reviews = ReviewFilter(
        page_data(request.GET),
        queryset=selectors.review_list(visible_to=request.user).order_by("-proposed_at", "-pk"),
        request=request,
    )
    if not reviews.is_valid():
        return _invalid(reviews)
    return _respond(request, "tier-proposals", PROPOSAL_COLUMNS, reviews.qs, _("Tier proposals"))
