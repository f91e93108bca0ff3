"""The funds exports (CSV, or Excel with `?format=xlsx`): the balances and the requests, filtered
by the same FilterSets as their pages and API; amounts as numbers in the reporting currency."""

from django.conf import settings
from django.http import HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_safe

from drm.exports import csv_response, xlsx_response
from drm.filters import page_data
from identity.access import portal_user_required

from . import selectors
from .filters import BalanceFilter, RequestFilter


class money_header:  # noqa: N801 - reads as a label in the column lists
    """A column header of amounts: translated when the export is made (in `context`, if one
    is given), with the currency."""

    def __init__(self, label, context=None):
        self.label, self.context = label, context

    def __str__(self):
        label = pgettext(self.context, self.label) if self.context else _(self.label)
        return f"{label} ({settings.REPORTING_CURRENCY})"


BALANCE_COLUMNS = (
    (gettext_lazy("Fund"), lambda row: str(row.fund)),
    (gettext_lazy("Distributor code"), lambda row: row.distributor.code),
    (gettext_lazy("Distributor"), lambda row: row.distributor.name),
    (money_header("Allocated"), lambda row: row.allocated),
    (money_header("Reserved"), lambda row: row.reserved),
    (money_header("Claimed", "fund figure"), lambda row: row.claimed),
    (money_header("Paid"), lambda row: row.paid),
    (money_header("Expired"), lambda row: row.expired),
    (money_header("Available"), lambda row: row.available),
)
REQUEST_COLUMNS = (
    (gettext_lazy("Id"), lambda row: row.pk),
    (gettext_lazy("Fund"), lambda row: str(row.allocation.fund)),
    (gettext_lazy("Distributor code"), lambda row: row.allocation.distributor.code),
    (gettext_lazy("Activity"), lambda row: row.title),
    (gettext_lazy("Type of activity"), lambda row: row.get_activity_type_display()),
    (gettext_lazy("Activity start"), lambda row: row.start),
    (gettext_lazy("Activity end"), lambda row: row.end),
    (money_header("Planned cost"), lambda row: row.planned_cost),
    (money_header("Requested"), lambda row: row.requested_amount),
    (money_header("Approved"), lambda row: row.approved_amount),
    (gettext_lazy("Status"), lambda row: row.get_status_display()),
    (gettext_lazy("Claim by"), lambda row: row.claim_deadline),
    (
        money_header("Claimed", "fund figure"),
        lambda row: getattr(_claim(row), "claimed_amount", None),
    ),
    (gettext_lazy("Claim status"), lambda row: _claim_status(row)),
    (gettext_lazy("Paid on"), lambda row: getattr(_claim(row), "paid_on", None)),
    (gettext_lazy("Payment reference"), lambda row: getattr(_claim(row), "payment_reference", "")),
)


def _claim(row):
    return getattr(row, "claim", None)


def _claim_status(row):
    claim = _claim(row)
    return claim.get_status_display() if claim else ""


def _invalid(filterset):
    errors = "\n".join(f"{name}: {e}" for name, errs in filterset.errors.items() for e in errs)
    return HttpResponseBadRequest(
        _("Invalid filter, nothing exported:") + "\n" + errors,
        content_type="text/plain; charset=utf-8",
    )


def _respond(request, name, columns, rows, sheet):
    headers = [str(header) for header, _cell in columns]
    table = [[cell(row) for _header, cell in columns] for row in rows]
    filename = f"{name}-{timezone.localdate().isoformat()}"
    if request.GET.get("format") == "xlsx":
        return xlsx_response(filename, headers, table, sheet=sheet)
    return csv_response(filename, headers, table)


@require_safe
@portal_user_required
def balances_export(request):
    balances = BalanceFilter(
        page_data(request.GET),
        queryset=selectors.balances(visible_to=request.user),
        request=request,
    )
    if not balances.is_valid():
        return _invalid(balances)
    return _respond(request, "fund-balances", BALANCE_COLUMNS, balances.qs, _("Balances"))


@require_safe
@portal_user_required
def requests_export(request):
    requests = RequestFilter(
        page_data(request.GET),
        queryset=selectors.request_list(visible_to=request.user)
        .select_related("claim")
        .order_by("-submitted_at", "-pk"),
        request=request,
    )
    if not requests.is_valid():
        return _invalid(requests)
    return _respond(request, "fund-requests", REQUEST_COLUMNS, requests.qs, _("Requests"))
