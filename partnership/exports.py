"""The programme's exports (CSV, or Excel with `?format=xlsx`): completions, certificates and
onboardings, filtered by the same FilterSets as their pages and API."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from drm.filters import page_data
from drm.names import name_in
from funds.exports import _invalid, _respond
from identity.access import manufacturer_required, portal_user_required

from . import selectors
from .filters import CertificateFilter, CompletionFilter, OnboardingFilter
from .models import STATUS_LABELS, JourneyStep


def _person(user):
    return user.get_full_name() or user.get_username()


# The completion export's headers are the LMS import's column names in the reader's language
# (its extra columns are declared ignored there): the manufacturer can import an export back.
COMPLETION_COLUMNS = tuple(
    (gettext_lazy(name), cell)
    for name, cell in (
        ("completed_on", lambda row: row.completed_on),
        ("distributor", lambda row: row.distributor.code),
        ("person", lambda row: _person(row.user)),
        ("user", lambda row: row.user.get_username()),
        ("course", lambda row: row.course.code),
        ("course_title", lambda row: row.course.title),
        ("score", lambda row: row.score),
        ("certification", lambda row: str(row.course.certification or "")),
        ("valid_until", lambda row: row.expires_on),
        ("source", lambda row: row.get_source_display()),
    )
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


def _onboarding_state(row):
    if row.stopped_at:
        return _("Stopped (declined)")
    if row.completed_at:
        return _("Complete")
    if row.distributor.status == "applicant":
        return _("Application to decide")
    return _("In progress")


ONBOARDING_COLUMNS = (
    (gettext_lazy("Distributor code"), lambda row: row.distributor.code),
    (gettext_lazy("Distributor"), lambda row: row.distributor.name),
    (gettext_lazy("Status"), lambda row: row.distributor.get_status_display()),
    (gettext_lazy("Journey"), lambda row: row.journey.display_name),
    (gettext_lazy("Started on"), lambda row: row.started_on),
    (gettext_lazy("State"), _onboarding_state),
    (gettext_lazy("Steps done"), lambda row: row.done),
    (gettext_lazy("Steps"), lambda row: row.steps),
    (gettext_lazy("Steps overdue"), lambda row: row.overdue),
    (gettext_lazy("Next step"), lambda row: name_in(row.next_title or "", row.next_title_fr)),
    (
        gettext_lazy("Next step by"),
        lambda row: JourneyStep.Side(row.next_side).label if row.next_side else "",
    ),
    (gettext_lazy("Next step due"), lambda row: row.next_due),
    (gettext_lazy("Completed at"), lambda row: row.completed_at),
)


@require_safe
@manufacturer_required
def onboardings_export(request):
    onboardings = OnboardingFilter(
        page_data(request.GET),
        queryset=selectors.onboarding_list(
            visible_to=request.user, today=timezone.localdate()
        ).order_by("next_due", "distributor__name", "pk"),
        request=request,
    )
    if not onboardings.is_valid():
        return _invalid(onboardings)
    return _respond(request, "onboardings", ONBOARDING_COLUMNS, onboardings.qs, _("Onboardings"))
