"""Market development funds and co-op: funds, each distributor's allocation, requests made
before an activity, claims with proof after it, their payment, and what the money bought (the
stored impact estimates of paid activities and programmes, `ImpactEstimate`).

Every amount is in the reporting currency (settings.REPORTING_CURRENCY). The rules of one row
live here (which status may follow which, the manufacturer's share of a cost, who a fund is
for); every act that touches more than one row is a service (`funds.services`), and what is
left of an allocation is read in one place (`funds.selectors.balances`).
"""

import os
import uuid
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from simple_history.models import HistoricalRecords

from drm.limits import ONE_LINE, PARAGRAPHS
from drm.names import FrenchNamed
from identity.access import VisibleToQuerySet, is_manufacturer, is_partner, user_membership

from . import impact

MONEY_DIGITS = 16
PERCENT_DIGITS = 5
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)
# A partner is reminded of an approved request still to claim this many days before its
# claim deadline (services.requests_claim_due_notify).
CLAIM_DUE_DAYS = 14


def money_field(verbose_name, **options):
    return models.DecimalField(
        verbose_name,
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
        **options,
    )


def cents(value):
    """`value` rounded to the cent, half up (the way a share of a cost is written)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def tier_and_region_match(model, distributor):
    """A condition on `model` (a fund, a programme: anything with `tiers` and `regions`) that
    holds where `distributor` is of its tiers and of its regions, a list left empty meaning any;
    the twin of `distributors_of_tiers_and_regions`. A region is matched in any case."""
    owner = model._meta.model_name
    tiers = model.tiers.through.objects.filter(**{owner: OuterRef("pk")})
    regions = model.regions.through.objects.filter(**{owner: OuterRef("pk")})
    return (~Exists(tiers) | Exists(tiers.filter(tier_id=distributor.tier_id))) & (
        ~Exists(regions) | Exists(regions.filter(region__name__iexact=distributor.region))
    )


def distributors_of_tiers_and_regions(owner):
    """The distributors in the channel (not applicants, declined or terminated) of `owner`'s
    tiers and regions (a fund's, a programme's; a list left empty: any), a region matched as
    distributors write it, any case."""
    from distributors.models import Distributor

    eligible = Distributor.objects.exclude(status__in=Distributor.OUTSIDE_CHANNEL)
    if owner.tiers.exists():
        eligible = eligible.filter(tier__in=owner.tiers.all())
    names = [name.lower() for name in owner.regions.values_list("name", flat=True)]
    if names:
        eligible = eligible.alias(region_key=Lower("region")).filter(region_key__in=names)
    return eligible


class FundQuerySet(models.QuerySet):
    def eligible_for(self, distributor):
        """The funds `distributor` may draw on by tier and region (either list empty: any);
        none for one outside the channel (the twin of `Fund.eligible_distributors`)."""
        from distributors.models import Distributor

        if distributor.status in Distributor.OUTSIDE_CHANNEL:
            return self.none()
        return self.filter(tier_and_region_match(Fund, distributor))

    def visible_to(self, user):
        """Everything for the manufacturer; a partner sees the funds its distributor has an
        allocation in or may draw on, nothing of the others."""
        if is_manufacturer(user):
            return self.all()
        membership = user_membership(user) if is_partner(user) else None
        if membership is None:
            return self.none()
        allocated = Allocation.objects.filter(
            fund=OuterRef("pk"), distributor_id=membership.distributor_id
        )
        eligible = self.eligible_for(membership.distributor).values("pk")
        return self.filter(Exists(allocated) | Q(pk__in=eligible))


class Fund(FrenchNamed):
    """A pot of market development money for one period.

    A budget fund's allocations are set by the manufacturer, distributor by distributor; an
    accrual fund's are earned: `accrual_percent` of the revenue each eligible distributor
    reported in the period (services.fund_accrue). The manufacturer pays
    `cost_share_percent` of an activity's cost, up to what is left of the allocation. After
    `expires_on`, what nobody reserved, claimed or was paid expires (selectors.balances).
    """

    class Kind(models.TextChoices):
        BUDGET = "budget", _("Budget")
        ACCRUAL = "accrual", _("Accrual")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    expires_on = models.DateField(
        _("expires on"),
        help_text=_("After this day, what is left unclaimed of the fund expires"),
    )
    accrual_percent = models.DecimalField(
        _("accrual rate (%)"),
        max_digits=PERCENT_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(CENT), MaxValueValidator(HUNDRED)],
        help_text=_("Accrual funds: the share of the revenue reported in the period earned"),
    )
    cost_share_percent = models.DecimalField(
        _("share of the cost paid (%)"),
        max_digits=PERCENT_DIGITS,
        decimal_places=2,
        default=Decimal("50.00"),
        validators=[MinValueValidator(CENT), MaxValueValidator(HUNDRED)],
        help_text=_("The share of an activity's cost the manufacturer pays"),
    )
    tiers = models.ManyToManyField(
        "distributors.Tier",
        blank=True,
        related_name="funds",
        verbose_name=_("tiers"),
        help_text=_("Empty: every tier"),
    )
    regions = models.ManyToManyField(
        "distributors.Region",
        blank=True,
        related_name="funds",
        verbose_name=_("regions"),
        help_text=_("Empty: every region"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = FundQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["-period_start", "name", "id"]
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start"))
                & Q(expires_on__gte=models.F("period_end")),
                name="fund_dates_in_order",
                violation_error_message=_(
                    "A fund's period ends after it starts, and the fund expires after its period."
                ),
            ),
            models.CheckConstraint(
                condition=(Q(kind="accrual") & Q(accrual_percent__isnull=False))
                | (~Q(kind="accrual") & Q(accrual_percent__isnull=True)),
                name="fund_accrual_percent_iff_accrual",
                violation_error_message=_("An accrual fund, and only one, has an accrual rate."),
            ),
            models.CheckConstraint(
                condition=Q(accrual_percent__isnull=True)
                | (Q(accrual_percent__gt=0) & Q(accrual_percent__lte=100)),
                name="fund_accrual_percent_in_range",
            ),
            models.CheckConstraint(
                condition=Q(cost_share_percent__gt=0) & Q(cost_share_percent__lte=100),
                name="fund_cost_share_in_range",
            ),
        ]

    def is_expired(self, today=None):
        """Past `expires_on`: nothing more is allocated, requested or approved from it."""
        return (today or timezone.localdate()) > self.expires_on

    def share_of(self, cost):
        """What the manufacturer pays of `cost`: its share, to the cent."""
        return cents(Decimal(cost) * self.cost_share_percent / HUNDRED)

    def accrued_on(self, revenue):
        """What `revenue` of the period earns in an accrual fund, to the cent."""
        return cents(Decimal(revenue) * self.accrual_percent / HUNDRED)

    def eligible_distributors(self):
        """The distributors the fund is for: of its tiers and regions (a list left empty: any),
        in the channel. A region is matched as distributors write it, in any case."""
        return distributors_of_tiers_and_regions(self)

    def is_eligible(self, distributor):
        return self.eligible_distributors().filter(pk=distributor.pk).exists()


class Allocation(models.Model):
    """What one distributor may draw from one fund: set by the manufacturer for a budget fund,
    computed from the distributor's revenue for an accrual fund."""

    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("fund")
    )
    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.PROTECT,
        related_name="fund_allocations",
        verbose_name=_("distributor"),
    )
    amount = money_field(_("allocated"), default=ZERO)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        ordering = ["fund", "distributor"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.UniqueConstraint(fields=["fund", "distributor"], name="allocation_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="allocation_not_negative"),
        ]

    def __str__(self):
        return f"{self.fund_id} · {self.distributor_id}: {self.amount}"


class ActivityType(models.TextChoices):
    EVENT = "event", _("Event")
    TRADE_SHOW = "trade_show", _("Trade show")
    DIGITAL = "digital", _("Digital marketing")
    PRINT = "print", _("Print advertising")
    TRAINING = "training", _("Training")
    DEMO_EQUIPMENT = "demo_equipment", _("Demo equipment")
    OTHER = "other", _("Other")


class FundRequest(models.Model):
    """A partner asks, before an activity, for the manufacturer's share of its planned cost.

    Statuses, and the services that move them:

    - submitted → approved (request_approve, in full or in part), rejected (request_reject),
      cancelled (request_cancel, by the partner);
    - approved → claimed (claim_submit), rejected (request_reject: the manufacturer withdraws
      its approval), cancelled (request_cancel), expired (requests_expire: no claim by
      `claim_deadline`);
    - claimed → closed (claim_pay, or claim_reject).

    An approved request reserves `approved_amount` of its allocation until its claim is
    decided; one left unclaimed past `claim_deadline` expires, which gives the reservation
    back. Rejected, cancelled, expired and closed are final.
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")
        CLAIMED = "claimed", _("Claimed")
        CLOSED = "closed", _("Closed")

    TRANSITIONS = {
        Status.SUBMITTED: {Status.APPROVED, Status.REJECTED, Status.CANCELLED},
        Status.APPROVED: {Status.CLAIMED, Status.REJECTED, Status.CANCELLED, Status.EXPIRED},
        Status.CLAIMED: {Status.CLOSED},
        Status.REJECTED: set(),
        Status.CANCELLED: set(),
        Status.EXPIRED: set(),
        Status.CLOSED: set(),
    }
    # Statuses in which the manufacturer has committed `approved_amount`.
    DECIDED_FOR = (Status.APPROVED, Status.CLAIMED, Status.EXPIRED, Status.CLOSED)

    ActivityType = ActivityType

    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, related_name="requests", verbose_name=_("allocation")
    )
    activity_type = models.CharField(
        _("activity type"), max_length=20, choices=ActivityType.choices
    )
    title = models.CharField(_("title"), max_length=ONE_LINE)
    description = models.TextField(_("description"), max_length=PARAGRAPHS, blank=True)
    start = models.DateField(_("activity start"))
    end = models.DateField(_("activity end"))
    planned_cost = money_field(_("planned cost"))
    requested_amount = money_field(
        _("requested amount"), help_text=_("The fund's share of the planned cost")
    )
    expected_leads = models.PositiveIntegerField(_("expected leads"), default=0)
    expected_revenue = money_field(_("expected revenue"), null=True, blank=True)
    materials = models.ManyToManyField(
        "leads.Material",
        blank=True,
        related_name="fund_requests",
        verbose_name=_("materials used"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    approved_amount = money_field(_("approved amount"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), max_length=PARAGRAPHS, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    claim_deadline = models.DateField(
        _("claim by"), help_text=_("The last day to claim the activity")
    )
    # When the partner was reminded that the claim deadline is near (once per request).
    claim_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="allocation__distributor")
    history = HistoricalRecords(excluded_fields=["claim_reminded_at"])

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("fund request")
        verbose_name_plural = _("fund requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")),
                name="fundrequest_end_after_start",
                violation_error_message=_("The activity cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(planned_cost__gte=0)
                & Q(requested_amount__gte=0)
                & (Q(expected_revenue__isnull=True) | Q(expected_revenue__gte=0)),
                name="fundrequest_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | (Q(approved_amount__gt=0) & Q(approved_amount__lte=models.F("requested_amount"))),
                name="fundrequest_approved_within_requested",
            ),
            # Decided for: the amount committed is known; still waiting: none is.
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "claimed", "expired", "closed"])
                | Q(approved_amount__isnull=False),
                name="fundrequest_approved_has_amount",
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(approved_amount__isnull=True),
                name="fundrequest_submitted_has_no_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "claim_deadline"], name="fundrequest_status_deadline"),
        ]

    def __str__(self):
        return self.title

    def can_move_to(self, status):
        return status in self.TRANSITIONS[self.Status(self.status)]

    @property
    def distributor_id(self):
        return self.allocation.distributor_id

    @property
    def is_partial(self):
        return self.approved_amount is not None and self.approved_amount < self.requested_amount

    def claim_open(self, today=None):
        """Whether a claim may be submitted on `today`: the request is approved, the activity
        is over (its last day has come) and the claim deadline has not passed."""
        today = today or timezone.localdate()
        return self.status == self.Status.APPROVED and self.end <= today <= self.claim_deadline


class Claim(models.Model):
    """What a partner claims once the activity is over: its actual cost, its results and the
    proof. The manufacturer pays its share of the actual cost, never more than it approved.

    Statuses: submitted → approved (claim_approve) → paid (claim_pay); submitted → rejected
    (claim_reject). Rejected and paid are final; a decision closes the request's reservation
    (what an approval leaves of it goes back to the balance).
    """

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PAID = "paid", _("Paid")

    TRANSITIONS = {
        Status.SUBMITTED: {Status.APPROVED, Status.REJECTED},
        Status.APPROVED: {Status.PAID},
        Status.REJECTED: set(),
        Status.PAID: set(),
    }

    request = models.OneToOneField(
        FundRequest, on_delete=models.PROTECT, related_name="claim", verbose_name=_("request")
    )
    actual_cost = money_field(_("actual cost"))
    claimed_amount = money_field(
        _("claimed amount"),
        help_text=_("The fund's share of the actual cost, at most the amount approved"),
    )
    results_leads = models.PositiveIntegerField(_("leads generated"), default=0)
    results_revenue = money_field(_("revenue generated"), default=ZERO)
    lead_source = models.ForeignKey(
        "leads.LeadSource",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("lead source"),
        help_text=_("The leads of this source during the activity are the ones it brought"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    approved_amount = money_field(_("approved amount"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), max_length=PARAGRAPHS, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    investment = models.ForeignKey(
        "distributors.Investment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("investment"),
        help_text=_("The market funds investment the payment was added to"),
    )

    objects = VisibleToQuerySet.as_manager(distributor_lookup="request__allocation__distributor")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            models.CheckConstraint(
                condition=Q(actual_cost__gte=0)
                & Q(claimed_amount__gte=0)
                & Q(results_revenue__gte=0),
                name="claim_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True)
                | (Q(approved_amount__gt=0) & Q(approved_amount__lte=models.F("claimed_amount"))),
                name="claim_approved_within_claimed",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "paid"]) | Q(approved_amount__isnull=False),
                name="claim_approved_has_amount",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | (Q(paid_on__isnull=False) & ~Q(payment_reference="")),
                name="claim_paid_has_payment",
            ),
        ]

    def __str__(self):
        return f"{self.request} ({self.status})"

    def can_move_to(self, status):
        return status in self.TRANSITIONS[self.Status(self.status)]


def proof_upload_to(proof, filename):
    """funds/proofs/<distributor id>/<random name><extension>: a person's file name never
    becomes a path (it is kept in `original_name`), and no name can be guessed."""
    extension = os.path.splitext(filename or "")[1].lower()
    distributor_id = proof.claim.request.allocation.distributor_id
    return f"funds/proofs/{distributor_id}/{uuid.uuid4().hex}{extension}"


class ProofFile(models.Model):
    """A file that proves a claimed activity took place and what it cost (an invoice, a photo,
    a list of attendees). Checked on the way in (services.proof_check)."""

    claim = models.ForeignKey(
        Claim, on_delete=models.CASCADE, related_name="proofs", verbose_name=_("claim")
    )
    file = models.FileField(_("file"), upload_to=proof_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    objects = VisibleToQuerySet.as_manager(
        distributor_lookup="claim__request__allocation__distributor"
    )

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("proof file")
        verbose_name_plural = _("proof files")

    def __str__(self):
        return self.original_name


# How each estimation method is named to the reader, with the number of distributors it
# compared with (funds.impact words its labels in English only, for logs and tests).
METHOD_NAMES = {
    "did_matched": ngettext_lazy(
        "Difference-in-differences against %(count)d matched peer",
        "Difference-in-differences against %(count)d matched peers",
        "count",
    ),
    "synthetic_control": ngettext_lazy(
        "Synthetic control from %(count)d donor distributor",
        "Synthetic control from %(count)d donor distributors",
        "count",
    ),
}
METHOD_HELP = {
    "did_matched": _(
        "The change in revenue from the 12 months before to the effect window, against the "
        "same change of the distributors most like it before (in level and trend of revenue) "
        "that received nothing comparable in those months."
    ),
    "synthetic_control": _(
        "No distributor was enough like it: a weighted blend of distributors that received "
        "nothing comparable, fitted to follow its revenue over the 12 months before, stands in "
        "for what it would have sold."
    ),
}
# Why no estimate could be made, in the reader's language: the codes of funds.impact.REASONS.
REASON_TEXTS = {
    "too_few_pre_months": _(
        "The distributor's revenue history before the activity or programme is shorter than "
        "the 12 months the comparison needs."
    ),
    "post_window_incomplete": _(
        "The effect window (the months of the activity or programme and the two after them) is "
        "not over, or not reported, yet."
    ),
    "treated_missing_months": _(
        "The distributor did not report every month of the 12 before and of the effect window."
    ),
    "treated_non_positive_revenue": _(  # xgettext:no-python-format
        "The distributor reported a month at zero or below in the window: a change in % cannot "
        "describe it."
    ),
    "no_untreated_distributors": _(
        "No distributor that received nothing comparable reported every month of the window."
    ),
    "too_few_untreated_distributors": _(
        "Fewer than two distributors that received nothing comparable reported every month of "
        "the window."
    ),
    "nothing_estimated": _("None of the estimates could be made."),
}


class ImpactEstimate(models.Model):
    """The incremental revenue one treatment brought one distributor, against comparable
    distributors that did not receive it (`funds.impact`): a paid fund activity, or an
    incentive programme (one row per participant), as the nightly job last computed it
    (`funds.estimates.impact_estimates_refresh`).

    `kind` and `subject_id` name the treatment: a source of `funds.treatments` (the fund
    request's or the programme's id; no foreign key, so that incentives, above funds, writes
    rows of its own kind). Money is in the reporting currency. `low`/`high` bound
    `incremental` at `confidence`; `effect_percent` is revenue above what it would have been;
    `actual` is the revenue over the effect window (`first_month` to `effect_end`). When no
    estimate could be made, `reason` holds a code of `funds.impact.REASONS` and the figures
    are empty. `draws` are the samples of the incremental revenue under the method's error
    model (little-endian float64, to the cent), for roll-ups to `combine`. `invested` is what
    the manufacturer paid the distributor for the treatment. `overlaps` counts the other
    treatments the distributor received in the same months, whose effect the estimate cannot
    tell from this one's. `digest` fingerprints what the estimate was computed from (every
    distributor's revenue over the window, the distributors left out of the comparison, the
    method's parameters): the job recomputes a row only when it changes.
    """

    kind = models.CharField(_("kind"), max_length=20)
    subject_id = models.PositiveBigIntegerField()
    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("distributor"),
    )
    first_month = models.DateField(_("first month"))
    last_month = models.DateField(_("last month"))
    effect_end = models.DateField(_("end of the effect window"))
    method = models.CharField(_("method"), max_length=30)
    incremental = models.DecimalField(
        _("incremental revenue"), max_digits=MONEY_DIGITS + 2, decimal_places=2, null=True
    )
    low = models.DecimalField(max_digits=MONEY_DIGITS + 2, decimal_places=2, null=True)
    high = models.DecimalField(max_digits=MONEY_DIGITS + 2, decimal_places=2, null=True)
    confidence = models.DecimalField(max_digits=3, decimal_places=2)
    effect_percent = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    actual = models.DecimalField(max_digits=MONEY_DIGITS + 2, decimal_places=2, null=True)
    peers = models.PositiveIntegerField(default=0)
    pre_months = models.PositiveSmallIntegerField(default=0)
    post_months = models.PositiveSmallIntegerField(default=0)
    pre_rmse = models.FloatField(null=True)
    reason = models.CharField(max_length=40, blank=True)
    draws = models.BinaryField(default=b"")
    invested = money_field(_("invested"), default=ZERO)
    overlaps = models.PositiveIntegerField(default=0)
    digest = models.CharField(max_length=64)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")

    class Meta:
        ordering = ["kind", "subject_id", "distributor"]
        verbose_name = _("impact estimate")
        verbose_name_plural = _("impact estimates")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_id", "distributor"], name="impactestimate_unique"
            ),
            # Estimated: every figure; refused: a reason and no figure.
            models.CheckConstraint(
                condition=(
                    Q(reason="")
                    & Q(incremental__isnull=False)
                    & Q(low__isnull=False)
                    & Q(high__isnull=False)
                )
                | (~Q(reason="") & Q(incremental__isnull=True)),
                name="impactestimate_figures_or_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["distributor", "effect_end"], name="impactestimate_distributor"),
        ]

    def __str__(self):
        return f"{self.kind} {self.subject_id} · {self.distributor_id}: {self.incremental}"

    @property
    def is_estimated(self):
        return not self.reason

    @property
    def confidence_percent(self):
        return round(self.confidence * HUNDRED)

    @property
    def per_invested(self):
        """Incremental revenue per unit paid; None when nothing was paid or estimated."""
        if not self.is_estimated or not self.invested:
            return None
        return self.incremental / self.invested

    @property
    def method_text(self):
        """The method named in the reader's language, with how many it compared with."""
        name = METHOD_NAMES.get(self.method)
        if name is None or not self.is_estimated:
            return ""
        return name % {"count": self.peers}

    @property
    def method_help(self):
        return METHOD_HELP.get(self.method, "") if self.is_estimated else ""

    @property
    def reason_text(self):
        return REASON_TEXTS.get(self.reason, self.reason)

    def draws_array(self):
        return np.frombuffer(bytes(self.draws), dtype="<f8")

    def as_estimate(self):
        """The row as a `funds.impact.Estimate`, for `impact.combine`."""
        return impact.Estimate(
            distributor=self.distributor_id,
            method=self.method,
            method_label="",
            incremental=None if self.incremental is None else float(self.incremental),
            low=None if self.low is None else float(self.low),
            high=None if self.high is None else float(self.high),
            confidence=float(self.confidence),
            effect_percent=None if self.effect_percent is None else float(self.effect_percent),
            actual=None if self.actual is None else float(self.actual),
            peers=self.peers,
            pre_months=self.pre_months,
            post_months=self.post_months,
            reason=self.reason,
            draws=self.draws_array(),
        )
