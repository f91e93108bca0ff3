"""The training exports (CSV, or Excel with `?format=xlsx`): completions and certificates,
filtered by the same FilterSets as their pages and API."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from distributors.access import portal_user_required
from distributors.filters import page_data
from funds.exports import _invalid, _respond

from . import selectors
from .filters import CertificateFilter, CompletionFilter
from .models import STATUS_LABELS


def _person(user):
    return user.get_full_name() or user.get_username()


COMPLETION_COLUMNS = (
    (gettext_lazy("Completed on"), lambda row: row.completed_on),
    (gettext_lazy("Distributor code"), lambda row: row.distributor.code),
    (gettext_lazy("Person"), lambda row: _person(row.user)),
    (gettext_lazy("Username"), lambda row: row.user.get_username()),
    (gettext_lazy("Course code"), lambda row: row.course.code),
    (gettext_lazy("Course"), lambda row: row.course.title),
    (gettext_lazy("Score (%)"), lambda row: row.score),
    (gettext_lazy("Certification"), lambda row: str(row.course.certification or "")),
    (gettext_lazy("Valid until"), lambda row: row.expires_on),
    (gettext_lazy("Source"), lambda row: row.get_source_display()),
)
CERTIFICATE_COLUMNS = (
    (gettext_lazy("Distributor code"), lambda row: row["distributor__code"]),
    (gettext_lazy("Person"), lambda row: row["person"]),
    (gettext_lazy("Username"), lambda row: row["user__username"]),
    (gettext_lazy("Certification code"), lambda row: row["certification"].code),
    (gettext_lazy("Certification"), lambda row: row["certification"].display_name),
    (gettext_lazy("Last passed"), lambda row: row["last_passed"]),
    (gettext_lazy("Valid until"), lambda row: row["ends"]),
    (gettext_lazy("Status"), lambda row: str(STATUS_LABELS[row["status"]])),
)


@require_safe
@portal_user_required
def completions_export(request):
    completions = CompletionFilter(
        page_data(request.GET),
        queryset=selectors.completion_list(visible_to=request.user).order_by(
            "-completed_on", "-pk"
        ),
        request=request,
    )
    if not completions.is_valid():
        return _invalid(completions)
    return _respond(request, "completions", COMPLETION_COLUMNS, completions.qs, _("Completions"))


@require_safe
@portal_user_required
def certificates_export(request):
    certificates = CertificateFilter(
        page_data(request.GET),
        queryset=selectors.certificate_list(visible_to=request.user),
        request=request,
    )
    if not certificates.is_valid():
        return _invalid(certificates)
    rows = selectors.certificates_read(certificates.qs, timezone.localdate())
    return _respond(request, "certificates", CERTIFICATE_COLUMNS, rows, _("Certificates"))
