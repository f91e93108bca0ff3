"""The filters of the training lists (django-filter FilterSets), each read by its page, its
export and its API alike: courses, completions, certificates and agreement acceptances.

An invalid value is an error naming the parameter, never an unfiltered list. A distributor the
caller may not see answers like one that does not exist.
"""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from distributors.forms import DistributorPicker
from distributors.models import Distributor, ProductLine
from drm.filters import CodeChoiceFilter, StrictFilterSet
from funds.filters import visible_distributors

from . import selectors
from .models import (
    STATUS_LABELS,
    AgreementAcceptance,
    Certification,
    Completion,
    Course,
    Journey,
    JourneyStep,
    Onboarding,
    language_choices,
)


class CourseFilter(StrictFilterSet):
    """The catalogue: a title, a product line, a language, a certification."""

    q = filters.CharFilter(
        method="filter_q", label=_("Search"), help_text="Part of the title or code, any case"
    )
    product_line = CodeChoiceFilter(
        field_name="product_lines",
        queryset=ProductLine.objects.all(),
        label=_("Product line"),
        empty_label=_("Any product line"),
        help_text="Product line code",
    )
    language = filters.ChoiceFilter(
        choices=language_choices, label=_("Language"), empty_label=_("Any language")
    )
    certification = CodeChoiceFilter(
        queryset=Certification.objects.all(),
        label=_("Certification"),
        empty_label=_("Any certification"),
        help_text="Certification code: the courses that give it",
    )

    class Meta:
        model = Course
        fields = []

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(code__icontains=value))


class CompletionFilter(StrictFilterSet):
    """Completions: a distributor, a course, a person, a source, a span of dates."""

    distributor = CodeChoiceFilter(
        field_name="distributor",
        queryset=visible_distributors,
        label=_("Distributor"),
        help_text="Distributor code",
        widget=DistributorPicker,
    )
    course = CodeChoiceFilter(
        queryset=Course.objects.all(),
        label=_("Course"),
        empty_label=_("Any course"),
        help_text="Course code",
    )
    person = filters.CharFilter(
        method="filter_person",
        label=_("Person"),
        help_text="Part of the user's name, username or e-mail, any case",
    )
    source = filters.ChoiceFilter(
        choices=Completion.Source.choices, label=_("Source"), empty_label=_("Any source")
    )
    completed_from = filters.DateFilter(
        field_name="completed_on", lookup_expr="gte", label=_("From"), help_text="YYYY-MM-DD"
    )
    completed_to = filters.DateFilter(
        field_name="completed_on", lookup_expr="lte", label=_("To"), help_text="YYYY-MM-DD"
    )

    class Meta:
        model = Completion
        fields = []

    def filter_person(self, queryset, name, value):
        return queryset.filter(
            Q(user__username__icontains=value)
            | Q(user__first_name__icontains=value)
            | Q(user__last_name__icontains=value)
            | Q(user__email__icontains=value)
        )


class CertificateFilter(StrictFilterSet):
    """Certificates: a distributor, a certification, a status (valid, expiring, expired)."""

    distributor = CodeChoiceFilter(
        field_name="distributor",
        queryset=visible_distributors,
        label=_("Distributor"),
        help_text="Distributor code",
        widget=DistributorPicker,
    )
    certification = CodeChoiceFilter(
        field_name="course__certification",
        queryset=Certification.objects.all(),
        label=_("Certification"),
        empty_label=_("Any certification"),
        help_text="Certification code",
    )
    status = filters.ChoiceFilter(
        method="filter_status",
        choices=list(STATUS_LABELS.items()),
        label=_("Status"),
        empty_label=_("Any status"),
        help_text=(
            "valid: ends after the next 60 days or never; expiring: ends within 60 days; "
            "expired: has ended"
        ),
    )

    class Meta:
        model = Completion
        fields = []

    def filter_status(self, queryset, name, value):
        return selectors.status_filter(queryset, value, timezone.localdate())


class AcceptanceFilter(StrictFilterSet):
    """Acceptances of the partner agreement: a distributor, a version."""

    distributor = CodeChoiceFilter(
        field_name="distributor",
        queryset=visible_distributors,
        label=_("Distributor"),
        help_text="Distributor code",
        widget=DistributorPicker,
    )
    version = filters.NumberFilter(
        field_name="version__number", label=_("Version"), help_text="Version number"
    )

    class Meta:
        model = AgreementAcceptance
        fields = []


STANDING_STATUSES = [("pending", _("Not accepted yet")), ("accepted", _("Accepted"))]


class AgreementStandingFilter(StrictFilterSet):
    """The distributors' standing on the current version: accepted or not, a code or name."""

    status = filters.ChoiceFilter(
        method="filter_status",
        choices=STANDING_STATUSES,
        label=_("Status"),
        empty_label=_("Any status"),
        help_text="pending: not accepted yet; accepted: accepted",
    )
    q = filters.CharFilter(
        method="filter_q", label=_("Search"), help_text="Part of the code or name, any case"
    )

    class Meta:
        model = Distributor
        fields = []

    def filter_status(self, queryset, name, value):
        return queryset.filter(accepted_at__isnull=value == "pending")

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


ONBOARDING_STATES = [
    ("applicant", _("Application to decide")),
    ("open", _("In progress")),
    ("complete", _("Complete")),
    ("stopped", _("Stopped (declined)")),
]


class OnboardingFilter(StrictFilterSet):
    """Onboardings: their state, whose move it is, overdue ones, a journey, a code or name."""

    state = filters.ChoiceFilter(
        method="filter_state",
        choices=ONBOARDING_STATES,
        label=_("State"),
        empty_label=_("Any state"),
        help_text="applicant: application to decide; open: in progress; complete; stopped",
    )
    waiting_on = filters.ChoiceFilter(
        field_name="next_side",
        choices=JourneyStep.Side.choices,
        label=_("Next step by"),
        empty_label=_("Anyone"),
        help_text="Who does the next step: manufacturer or partner",
    )
    overdue = filters.ChoiceFilter(
        method="filter_overdue",
        choices=[("true", _("Overdue")), ("false", _("On time"))],
        label=_("Overdue"),
        empty_label=_("Any"),
        help_text="true: a step to do is past its day; false: none is",
    )
    journey = filters.ModelChoiceFilter(
        queryset=Journey.objects.all(),
        label=_("Journey"),
        empty_label=_("Any journey"),
        help_text="Journey id",
    )
    q = filters.CharFilter(
        method="filter_q", label=_("Search"), help_text="Part of the code or name, any case"
    )

    class Meta:
        model = Onboarding
        fields = []

    def filter_state(self, queryset, name, value):
        if value == "applicant":
            return queryset.filter(distributor__status=Distributor.Status.APPLICANT)
        if value == "open":
            return queryset.filter(completed_at__isnull=True, stopped_at__isnull=True).exclude(
                distributor__status=Distributor.Status.APPLICANT
            )
        if value == "complete":
            return queryset.filter(completed_at__isnull=False)
        return queryset.filter(stopped_at__isnull=False)

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue__gt=0) if value == "true" else queryset.filter(overdue=0)

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(distributor__code__icontains=value) | Q(distributor__name__icontains=value)
        )
