"""The filters of the funds lists (django-filter FilterSets), each one read by its page, its
export and its API alike: funds, requests, claims and balances.

An invalid value is an error naming the parameter (the page says so, the export and the API
answer 400), never an unfiltered list. A fund or a distributor the caller may not see answers
like one that does not exist.
"""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from distributors.forms import DistributorPicker
from distributors.models import Distributor
from drm.filters import CodeChoiceFilter, StrictFilterSet
from identity.access import Role, is_manufacturer, is_partner, user_role
from leads.filters import FlagFilter

from .models import ActivityType, Allocation, Claim, Fund, FundRequest, ImpactEstimate

ME = "me"


def visible_distributors(request):
    # Another distributor's code answers like an unknown one: a partner learns nothing.
    return Distributor.objects.visible_to(getattr(request, "user", None))


def visible_funds(request):
    return Fund.objects.visible_to(getattr(request, "user", None))


def _fund_filter(field_name):
    return filters.ModelChoiceFilter(
        field_name=field_name,
        queryset=visible_funds,
        label=_("Fund"),
        empty_label=_("Any fund"),
        help_text="Fund id (one of the funds you may see)",
    )


def _distributor_filter(field_name):
    return CodeChoiceFilter(
        field_name=field_name,
        queryset=visible_distributors,
        label=_("Distributor"),
        help_text="Distributor code",
        widget=DistributorPicker,
    )


class FundFilter(StrictFilterSet):
    """The fund list's filters: kind, the funds of a day or those still current, a name."""

    q = filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        help_text="Part of the fund's name, in English or in French, any case",
    )
    kind = filters.ChoiceFilter(
        choices=Fund.Kind.choices, label=_("Kind"), empty_label=_("Any kind")
    )
    active_on = filters.DateFilter(
        method="filter_active_on",
        label=_("Active on"),
        help_text="A day (YYYY-MM-DD): the funds whose period includes it",
    )
    current = FlagFilter(
        method="filter_current",
        label=_("Not expired"),
        help_text="true: the funds that have not expired today; false: the expired ones",
    )

    class Meta:
        model = Fund
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(name_fr__icontains=value))

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(period_start__lte=value, period_end__gte=value)

    def filter_current(self, queryset, name, value):
        if value is None:
            return queryset
        # The twin of Fund.is_expired: expired once `expires_on` has passed.
        current = Q(expires_on__gte=timezone.localdate())
        return queryset.filter(current if value else ~current)


def requests_waiting_for(queryset, user):
    """The requests whose next act is `user`'s.

    - The manufacturer's people: the submitted requests to decide and the requests whose claim
      waits for a decision, of the distributors `user` is account manager of or that have
      none (as `goals.sides.answerable_q` says of a distributor's goals: nothing waits for no
      one).
    - A partner admin: its distributor's approved requests not claimed yet; a partner rep: the
      ones of those it submitted itself (who hears of them: `funds.notices`).
    - Anyone else: none.
    """
    if is_manufacturer(user):
        to_decide = Q(status=FundRequest.Status.SUBMITTED) | Q(
            status=FundRequest.Status.CLAIMED, claim__status=Claim.Status.SUBMITTED
        )
        manager = "allocation__distributor__account_manager"
        answerable = Q(**{manager: user}) | Q(**{f"{manager}__isnull": True})
        return queryset.filter(to_decide & answerable)
    if is_partner(user):
        approved = queryset.filter(status=FundRequest.Status.APPROVED)
        if user_role(user) == Role.PARTNER_ADMIN:
            return approved
        return approved.filter(submitted_by=user)
    return queryset.none()


class RequestFilter(StrictFilterSet):
    """The fund request list's filters (page, export and `/api/v1/fund-requests/`).
    `needs=me`: the requests waiting for the caller (`requests_waiting_for`)."""

    needs = filters.ChoiceFilter(
        choices=[(ME, _("Me"))],
        method="filter_needs",
        label=_("Waiting for"),
        empty_label=_("Anyone"),
        help_text="me: the requests whose next act is the caller's. The manufacturer's people: "
        "submitted requests to decide and claims to decide, of the distributors they are "
        "account manager of or that have none; a partner admin: its distributor's approved "
        "requests not claimed yet (a rep: those it submitted)",
    )
    status = filters.ChoiceFilter(
        choices=FundRequest.Status.choices, label=_("Status"), empty_label=_("Any status")
    )
    fund = _fund_filter("allocation__fund")
    distributor = _distributor_filter("allocation__distributor")
    activity_type = filters.ChoiceFilter(
        choices=ActivityType.choices,
        label=_("Activity type"),
        empty_label=_("Any activity"),
    )

    class Meta:
        model = FundRequest
        fields = []

    def filter_needs(self, queryset, name, value):
        if value != ME:
            return queryset
        return requests_waiting_for(queryset, getattr(self.request, "user", None))


class ClaimFilter(StrictFilterSet):
    """The claim list's filters (page, export and `/api/v1/fund-claims/`)."""

    status = filters.ChoiceFilter(
        choices=Claim.Status.choices, label=_("Status"), empty_label=_("Any status")
    )
    fund = _fund_filter("request__allocation__fund")
    distributor = _distributor_filter("request__allocation__distributor")

    class Meta:
        model = Claim
        fields = []


class BalanceFilter(StrictFilterSet):
    """The balances list's filters (page, export and `/api/v1/fund-balances/`): it narrows the
    rows of `funds.selectors.balances`, whose figures it leaves as they are."""

    fund = _fund_filter("fund")
    distributor = _distributor_filter("distributor")

    class Meta:
        model = Allocation
        fields = []


class ImpactEstimateFilter(StrictFilterSet):
    """The stored impact estimates: a kind of treatment, one treatment, a distributor, those
    made (or refused)."""

    kind = filters.ChoiceFilter(
        choices=[("fund_request", _("Fund activity")), ("programme", _("Incentive programme"))],
        label=_("Kind"),
        empty_label=_("Any kind"),
    )
    subject = filters.NumberFilter(
        field_name="subject_id",
        label=_("Treatment"),
        help_text="The fund request's or programme's id",
    )
    distributor = _distributor_filter("distributor")
    made = FlagFilter(
        method="filter_made",
        label=_("Estimated"),
        help_text="true: the estimates made; false: those refused, with their reason",
    )

    class Meta:
        model = ImpactEstimate
        fields = []

    def filter_made(self, queryset, name, value):
        return queryset.filter(reason="") if value else queryset.exclude(reason="")
