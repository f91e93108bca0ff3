"""The incentives exports (CSV, or Excel with `?format=xlsx`): a programme's standings and the
earnings ledger, filtered by the same FilterSets as their pages and API."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from drm.filters import page_data
from funds.exports import _invalid, _respond, money_header
from identity.access import portal_user_required

from . import selectors
from .filters import EntryFilter, StandingFilter
from .models import Programme

STANDING_COLUMNS = (
    (gettext_lazy("Distributor code"), lambda row: row.distributor.code),
    (gettext_lazy("Distributor"), lambda row: row.distributor.name),
    (money_header("Revenue"), lambda row: row.revenue),
    (gettext_lazy("Units"), lambda row: row.units),
    (money_header("Baseline"), lambda row: row.baseline),
    (gettext_lazy("Measure"), lambda row: row.measure),
    (money_header("Earned"), lambda row: row.earned),
    (money_header("Paid"), lambda row: row.paid),
    (money_header("Due", "amount due"), lambda row: row.due),
    (gettext_lazy("Counted up to"), lambda row: row.through),
    (gettext_lazy("Rows without an exchange rate"), lambda row: row.unpriced),
)
ENTRY_COLUMNS = (
    (gettext_lazy("Date"), lambda row: row.date),
    (gettext_lazy("Distributor code"), lambda row: row.distributor.code),
    (gettext_lazy("Kind"), lambda row: row.get_kind_display()),
    (gettext_lazy("Programme or goal"), lambda row: str(row.programme or row.goal)),
    (gettext_lazy("Amount"), lambda row: row.amount),
    (gettext_lazy("Currency"), lambda row: row.currency),
    (gettext_lazy("Reference"), lambda row: row.reference),
)


@require_safe
@portal_user_required
def standings_export(request, pk):
    programme = Programme.objects.visible_to(request.user).filter(pk=pk).first()
    if programme is None:
        raise Http404
    standings = StandingFilter(
        page_data(request.GET),
        queryset=selectors.standing_list(programme=programme, visible_to=request.user),
        request=request,
    )
    if not standings.is_valid():
        return _invalid(standings)
    return _respond(
        request, f"programme-{programme.pk}", STANDING_COLUMNS, standings.qs, _("Standings")
    )


@require_safe
@portal_user_required
def ledger_export(request):
    entries = EntryFilter(
        page_data(request.GET),
        queryset=selectors.entry_list(visible_to=request.user),
        request=request,
    )
    if not entries.is_valid():
        return _invalid(entries)
    return _respond(request, "earnings", ENTRY_COLUMNS, entries.qs, _("Earnings"))
