"""The filters of the goals app's lists (django-filter FilterSets), each one used by its page,
its API and its export: the landmark review queue and the action steps."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import ModelChoiceField

from distributors.forms import DistributorPicker
from distributors.models import Distributor
from drm.filters import CodeChoiceFilter, StrictFilterSet
from identity.access import CHANNEL_MANAGERS, MANUFACTURER_ADMINS, is_manufacturer

from . import selectors
from .models import ActionStep, LandmarkReview

ME = "me"


def visible_distributors(request):
    # Another distributor's code answers like an unknown one: a partner learns nothing.
    return Distributor.objects.visible_to(getattr(request, "user", None))


def manufacturer_people(request):
    """Whom the queue may be filtered by as account manager: the manufacturer's people, for
    the manufacturer only (a partner is never shown the manufacturer's accounts)."""
    if not is_manufacturer(getattr(request, "user", None)):
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(
            Q(is_superuser=True) | Q(groups__name__in=(MANUFACTURER_ADMINS, CHANNEL_MANAGERS)),
            is_active=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "id")
    )


class PersonField(ModelChoiceField):
    """A person chosen by id, named by full name."""

    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class PersonFilter(filters.ModelChoiceFilter):
    field_class = PersonField


SOMEONE = "someone"


class ReviewFilter(StrictFilterSet):
    """The review queue's filters (page and API). Tabs: `needs=me`, `accounting=overdue`,
    `outcome=missed&status=open` (missed, not accounted for), `closed=false` (all open)."""

    needs = filters.ChoiceFilter(
        choices=[(ME, _("Me")), (SOMEONE, _("Someone"))],
        method="filter_needs",
        label=_("Waiting for"),
        empty_label=_("Anyone"),
        help_text="me: the reviews whose next act (account, acknowledge, close) is the caller's; "
        "someone: those whose next act is anyone's (not only final figures)",
    )
    outcome = filters.ChoiceFilter(
        choices=LandmarkReview.Outcome.choices, label=_("Outcome"), empty_label=_("Any outcome")
    )
    status = filters.ChoiceFilter(
        choices=LandmarkReview.Status.choices, label=_("Status"), empty_label=_("Any status")
    )
    closed = filters.ChoiceFilter(
        choices=[("false", _("Not closed")), ("true", _("Closed"))],
        method="filter_closed",
        label=_("Closed"),
        empty_label=_("Closed or not"),
        help_text="false: every review not closed yet; true: the closed ones",
    )
    accounting = filters.ChoiceFilter(
        choices=[("due", _("Due")), ("overdue", _("Overdue"))],
        method="filter_accounting",
        label=_("Accounting"),
        empty_label=_("Any"),
        help_text="overdue: missed landmarks not accounted for SCORING_ACCOUNTING_DAYS after "
        "their review opened; due: missed or at-risk, not accounted for, not overdue yet",
    )
    distributor = CodeChoiceFilter(
        field_name="goal__distributor",
        queryset=visible_distributors,
        label=_("Distributor"),
        help_text="Distributor code",
        widget=DistributorPicker,
    )
    account_manager = PersonFilter(
        field_name="goal__distributor__account_manager",
        queryset=manufacturer_people,
        label=_("Account manager"),
        empty_label=_("Any account manager"),
        help_text="Id of the distributor's account manager (the manufacturer's callers only)",
    )
    goal = filters.NumberFilter(field_name="goal_id", label=_("Goal"), help_text="Goal id")

    class Meta:
        model = LandmarkReview
        fields = []

    def filter_needs(self, queryset, name, value):
        if value == SOMEONE:
            return queryset.filter(next_act__in=selectors.PERSON_ACTS)
        if value != ME:
            return queryset
        return selectors.reviews_waiting_for(queryset, self.request.user)

    def filter_closed(self, queryset, name, value):
        if value not in ("true", "false"):
            return queryset
        closed = Q(status=LandmarkReview.Status.CLOSED)
        return queryset.filter(closed if value == "true" else ~closed)

    def filter_accounting(self, queryset, name, value):
        overdue = LandmarkReview.overdue_q(timezone.localdate())
        if value == "overdue":
            return queryset.filter(overdue)
        unaccounted = Q(
            outcome__in=(LandmarkReview.Outcome.MISSED, LandmarkReview.Outcome.AT_RISK),
            status=LandmarkReview.Status.OPEN,
        )
        return queryset.filter(unaccounted & ~overdue)


class StepFilter(StrictFilterSet):
    """The action steps list's filters: whose (`owner=me`), which (`state=open|due|overdue`:
    due is open and due within STEP_DUE_DAYS or overdue) and whose distributor."""

    owner = filters.ChoiceFilter(
        choices=[("anyone", _("Anyone")), (ME, _("Me"))],
        method="filter_owner",
        label=_("Owner"),
        empty_label=None,
        help_text="me: the steps the caller owns",
    )
    state = filters.ChoiceFilter(
        choices=[
            ("open", _("Open")),
            ("due", _("Due within a week or overdue")),
            ("overdue", _("Overdue")),
        ],
        method="filter_state",
        label=_("State"),
        empty_label=_("Any state"),
    )
    distributor = CodeChoiceFilter(
        field_name="goal__distributor",
        queryset=visible_distributors,
        label=_("Distributor"),
        help_text="Distributor code",
        widget=DistributorPicker,
    )

    class Meta:
        model = ActionStep
        fields = []

    def filter_owner(self, queryset, name, value):
        return queryset.filter(owner=self.request.user) if value == ME else queryset

    def filter_state(self, queryset, name, value):
        today = timezone.localdate()
        condition = {
            "open": ActionStep.open_q(),
            "due": ActionStep.due_q(today),
            "overdue": ActionStep.overdue_q(today),
        }[value]
        return queryset.filter(condition)
