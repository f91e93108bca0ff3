"""Goals: SMART(ER) goal records on three levels, co-set by both sides, with landmarks, reviews
of missed landmarks, action plans and bonus bands.

A goal's actual value is never stored as typed: `goals.metrics` computes it from the revenue,
leads and activities the portal holds. `Goal.TRANSITIONS` says which status may follow which; the
services in `services.py` apply them under a row lock and record who accepted, and when.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from drm.formats import short_date
from drm.limits import PARAGRAPHS
from identity.access import VisibleToQuerySet

MONEY_DIGITS = 16
# The reason given for standing by a goal despite the SMART check's warnings (kept in
# `Goal.smart_acknowledgements`, hence no field of its own to carry the limit).
ACKNOWLEDGEMENT_MAX_LENGTH = PARAGRAPHS
# A step is due (on the to-do lists) from this many days before its date.
STEP_DUE_DAYS = 7


class Side(models.TextChoices):
    MANUFACTURER = "manufacturer", _("Manufacturer")
    PARTNER = "partner", _("Distributor")


class LandmarkRule(models.TextChoices):
    LINEAR = "linear", _("Proposed evenly over time")
    PROFILE = "profile", _("Proposed from last year's monthly profile")
    MANUAL = "manual", _("Set by hand")


class TeamBasis(models.TextChoices):
    CHANNEL = "channel", _("The whole channel: all distributors")
    ALIGNED = "aligned", _("The distributor goals aligned under it")


class Goal(models.Model):
    class Level(models.TextChoices):
        TEAM = "team", _("Team goal")
        DISTRIBUTOR = "distributor", _("Distributor goal")
        SUPPORT = "support", _("Support goal")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PROPOSED = "proposed", _("Proposed")
        COUNTER_PROPOSED = "counter_proposed", _("Counter-proposed")
        AGREED = "agreed", _("Agreed")
        ACTIVE = "active", _("Active")
        ACHIEVED = "achieved", _("Achieved")
        MISSED = "missed", _("Missed")
        CLOSED = "closed", _("Closed")

    # Which status may follow which. Team and support goals are the manufacturer's alone: they
    # go from draft straight to active.
    TRANSITIONS = {
        Status.DRAFT: {Status.PROPOSED, Status.ACTIVE, Status.CLOSED},
        Status.PROPOSED: {Status.COUNTER_PROPOSED, Status.AGREED, Status.CLOSED},
        Status.COUNTER_PROPOSED: {Status.PROPOSED, Status.AGREED, Status.CLOSED},
        Status.AGREED: {Status.ACTIVE, Status.CLOSED},
        Status.ACTIVE: {Status.ACHIEVED, Status.MISSED, Status.CLOSED},
        Status.ACHIEVED: set(),
        Status.MISSED: set(),
        Status.CLOSED: set(),
    }
    # Statuses in which the terms are still being negotiated (anyone with a say may edit them).
    NEGOTIATING = (Status.DRAFT, Status.PROPOSED, Status.COUNTER_PROPOSED)
    # Statuses in which the terms are frozen: a change is an amendment both sides accept.
    FROZEN = (Status.AGREED, Status.ACTIVE)
    FINISHED = (Status.ACHIEVED, Status.MISSED, Status.CLOSED)
    # Agreed by both sides, running or settled: what a team goal measured on its aligned
    # distributor goals adds up, and what the contract annex prints.
    COUNTED = (Status.AGREED, Status.ACTIVE, Status.ACHIEVED, Status.MISSED)

    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("team goal"),
        limit_choices_to={"level": "team"},
    )
    distributor = models.ForeignKey(
        "distributors.Distributor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="goals",
        verbose_name=_("distributor"),
    )
    # The channel manager who owns a team or support goal (support goals are his own to meet).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="goals_owned",
        verbose_name=_("owner"),
    )
    # The title is generated from the terms in the reader's language (`goals.formats.goal_title`)
    # so that it can never contradict them; the author's own words are kept as a subtitle.
    subtitle = models.CharField(
        _("subtitle"),
        max_length=200,
        blank=True,
        help_text=_("In your own words; the title is written from the terms"),
    )
    description = models.TextField(_("specific description"), max_length=PARAGRAPHS, blank=True)
    metric = models.CharField(_("metric"), max_length=40)
    product_line = models.ForeignKey(
        "distributors.ProductLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product line"),
    )
    territory = models.ForeignKey(
        "distributors.Territory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("territory"),
    )
    customer_category = models.ForeignKey(
        "distributors.CustomerCategory",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("customer category"),
    )
    baseline = models.DecimalField(
        _("baseline"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    baseline_start = models.DateField(_("baseline period from"), null=True, blank=True)
    baseline_end = models.DateField(_("baseline period to"), null=True, blank=True)
    target = models.DecimalField(
        _("target"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    # How the landmarks were made: by a rule, re-derived whenever the target or the dates change,
    # or by hand, confirmed again by whoever changes them.
    landmark_rule = models.CharField(
        _("landmarks"),
        max_length=20,
        choices=LandmarkRule.choices,
        default=LandmarkRule.LINEAR,
    )
    # What a team goal's actual adds up (empty for distributor and support goals).
    team_basis = models.CharField(
        _("team goal measured on"), max_length=20, choices=TeamBasis.choices, blank=True
    )
    start = models.DateField(_("start"))
    due = models.DateField(_("due"))
    exciting = models.TextField(
        _("why it matters"),
        max_length=PARAGRAPHS,
        blank=True,
        help_text=_("Exciting: why this goal matters, in the distributor's own words"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # Which side wrote the terms on the table; the other side answers (accepts or counters).
    proposed_by_side = models.CharField(
        _("proposed by"), max_length=20, choices=Side.choices, blank=True
    )
    manufacturer_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("accepted for the manufacturer by"),
    )
    manufacturer_accepted_at = models.DateTimeField(
        _("accepted for the manufacturer at"), null=True, blank=True
    )
    partner_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("accepted for the distributor by"),
    )
    partner_accepted_at = models.DateTimeField(
        _("accepted for the distributor at"), null=True, blank=True
    )
    # SMART warnings that were accepted on entry: [{"check", "letter", "message", "reason",
    # "by", "at"}]. Kept so that anyone can read later why an ambitious target was let through.
    smart_acknowledgements = models.JSONField(default=list, blank=True)
    # The early warning (refreshed daily by goals_at_risk_refresh from the run rate).
    at_risk = models.BooleanField(_("at risk"), default=False)
    projection = models.DecimalField(
        _("projection"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    # The actual as last measured by the daily job (over complete months, up to `actual_on`):
    # what rankings read for goals still running.
    actual = models.DecimalField(
        _("last measured actual"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    actual_on = models.DateField(_("measured up to"), null=True, blank=True)
    # The result at the due date (set when the goal closes as achieved or missed).
    final_actual = models.DecimalField(
        _("final actual"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    payout = models.DecimalField(
        _("bonus payout"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    payout_currency = models.CharField(_("payout currency"), max_length=3, blank=True)
    closed_reason = models.TextField(_("reason for closing"), max_length=PARAGRAPHS, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    # What the change history shows (goal_history).
    HISTORY_FIELDS = (
        "status",
        "subtitle",
        "description",
        "metric",
        "product_line",
        "territory",
        "customer_category",
        "baseline",
        "baseline_start",
        "baseline_end",
        "target",
        "unit",
        "start",
        "due",
        "exciting",
        "landmark_rule",
        "team_basis",
        "parent",
    )
    # The terms both sides agree on; once agreed, changing one takes an amendment.
    TERMS = (
        "subtitle",
        "description",
        "metric",
        "product_line",
        "territory",
        "customer_category",
        "baseline",
        "baseline_start",
        "baseline_end",
        "target",
        "unit",
        "start",
        "due",
        "exciting",
        "landmark_rule",
        "team_basis",
    )

    # Partners see their own distributor's goals; team and support goals are internal.
    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")
    history = HistoricalRecords(
        excluded_fields=[
            "updated_at",
            "created_at",
            "at_risk",
            "projection",
            "actual",
            "actual_on",
            "smart_acknowledgements",
        ]
    )

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        constraints = [
            models.CheckConstraint(
                condition=Q(due__gte=models.F("start")), name="goal_due_after_start"
            ),
            # A distributor goal names its distributor; team and support goals name none.
            models.CheckConstraint(
                condition=Q(level="distributor", distributor__isnull=False)
                | (~Q(level="distributor") & Q(distributor__isnull=True)),
                name="goal_distributor_by_level",
            ),
        ]
        indexes = [
            models.Index(fields=["distributor", "due", "id"], name="goal_dist_due"),
            models.Index(fields=["level", "status", "due", "id"], name="goal_level_status_due"),
            models.Index(fields=["due", "id"], name="goal_due"),
            models.Index(fields=["due", "id"], name="goal_at_risk_due", condition=Q(at_risk=True)),
            # The goals whose terms are on the table (`awaiting_q`): few, among a channel's all.
            models.Index(
                fields=["due", "id"],
                name="goal_negotiating_due",
                condition=Q(status__in=("proposed", "counter_proposed")),
            ),
        ]

    def __str__(self):
        return str(self.title)

    def get_absolute_url(self):
        return reverse("goals:detail", args=[self.pk])

    @property
    def title(self):
        """The title written from the terms, in the active language."""
        from .formats import goal_title

        return goal_title(self)

    def can_move_to(self, status):
        return status in self.TRANSITIONS[self.Status(self.status)]

    @property
    def is_co_set(self):
        """Distributor goals are agreed by both sides; team and support goals are internal."""
        return self.level == self.Level.DISTRIBUTOR

    @property
    def is_frozen(self):
        return self.status in self.FROZEN

    @property
    def awaiting_side(self):
        """The side whose answer the terms on the table wait for, or "" when none."""
        if self.status not in (self.Status.PROPOSED, self.Status.COUNTER_PROPOSED):
            return ""
        return Side.PARTNER if self.proposed_by_side == Side.MANUFACTURER else Side.MANUFACTURER

    @classmethod
    def awaiting_q(cls, side):
        """`awaiting_side == side` as a filter: the terms on the table wait for `side`'s
        answer (accept or counter)."""
        negotiating = Q(status__in=(cls.Status.PROPOSED, cls.Status.COUNTER_PROPOSED))
        if side == Side.PARTNER:
            return negotiating & Q(proposed_by_side=Side.MANUFACTURER)
        return negotiating & ~Q(proposed_by_side=Side.MANUFACTURER)

    @classmethod
    def waiting_for_q(cls, side, *, distributor_id=None):
        """The goals whose terms (`awaiting_q`) or open amendment wait for `side`'s answer
        (of one distributor's goals, given its id).

        As ids from a UNION of the two small sets (a partial index finds the goals under
        negotiation): an OR of the two conditions made Postgres walk every goal of the channel.
        """
        negotiating = cls.objects.filter(cls.awaiting_q(side)).order_by().values("pk")
        amended = (
            Amendment.objects.filter(status=Amendment.Status.PROPOSED)
            .exclude(proposed_by_side=side)
            .order_by()
            .values("goal_id")
        )
        if distributor_id is not None:
            negotiating = negotiating.filter(distributor_id=distributor_id)
            amended = amended.filter(goal__distributor_id=distributor_id)
        return Q(pk__in=negotiating.union(amended))

    @property
    def year(self):
        return self.due.year

    @property
    def scope_label(self):
        """Product line, customer category and territory named by the goal; else "All business"."""
        parts = [
            str(part)
            for part in (self.product_line, self.customer_category, self.territory)
            if part is not None
        ]
        return ", ".join(parts) or _("All business")

    @property
    def is_aligned_team(self):
        """A team goal measured on the sum of the distributor goals aligned under it."""
        return self.level == self.Level.TEAM and self.team_basis == TeamBasis.ALIGNED

    @property
    def payout_currency_code(self):
        """The currency bonuses are paid in: the distributor's (its contract's), else the
        reporting currency."""
        if self.distributor_id and self.distributor.currency:
            return self.distributor.currency
        return settings.REPORTING_CURRENCY

    @property
    def metric_label(self):
        """The metric's name in the reader's language (its key if it left the registry)."""
        from .metrics import metric_get

        try:
            return metric_get(self.metric).label
        except LookupError:
            return self.metric


class BonusBand(models.Model):
    """A reward: reaching `threshold` % of the target pays a fixed amount or a % of the revenue
    above target. The highest band reached pays; bands do not add up."""

    class Kind(models.TextChoices):
        FIXED = "fixed", _("Fixed amount")
        PERCENT_ABOVE = "percent_above", _("% of revenue above target")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="bands")
    threshold = models.DecimalField(
        _("attainment from (%)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))],
    )
    kind = models.CharField(_("payout kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(
        _("payout"),
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_(
            "A fixed amount in the distributor's currency, or a percentage of the revenue above "
            "target"
        ),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["threshold"]
        verbose_name = _("bonus band")
        verbose_name_plural = _("bonus bands")
        constraints = [
            models.UniqueConstraint(fields=["goal", "threshold"], name="band_unique_threshold")
        ]

    def __str__(self):
        return f"≥ {self.threshold} %"


class Landmark(models.Model):
    """A dated intermediate value the goal should have reached by then (cumulative for sums)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="landmarks")
    date = models.DateField(_("date"))
    expected = models.DecimalField(_("expected value"), max_digits=MONEY_DIGITS, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("landmark")
        verbose_name_plural = _("landmarks")
        constraints = [
            models.UniqueConstraint(fields=["goal", "date"], name="landmark_unique_date")
        ]
        indexes = [models.Index(fields=["date"], name="landmark_date")]

    def __str__(self):
        return f"{short_date(self.date)}: {self.expected}"


class Cause(models.TextChoices):
    MARKET = "market", _("Market")
    PRICING = "pricing", _("Pricing")
    COMPETITION = "competition", _("Competition")
    SUPPLY = "supply", _("Product or supply")
    CAPACITY = "capacity", _("Distributor capacity")
    LEAD_QUALITY = "lead_quality", _("Lead quality")
    OTHER = "other", _("Other")


def accounting_deadline(as_of):
    """The moment before which a review must have opened to be overdue on `as_of`: the start
    (UTC) of the day SCORING_ACCOUNTING_DAYS before it."""
    return datetime.datetime.combine(
        as_of - datetime.timedelta(days=settings.SCORING_ACCOUNTING_DAYS),
        datetime.time.min,
        tzinfo=datetime.UTC,
    )


class NextAct(models.TextChoices):
    """What a landmark review waits for next (`LandmarkReviewQuerySet.next_act_computed`)."""

    ACCOUNT = "account", _("Account for the landmark")
    ACKNOWLEDGE = "acknowledge", _("Acknowledge the accounting")
    CLOSE = "close", _("Close the review")
    FIGURES = "figures", _("Final figures (it then closes itself)")
    NONE = "none", _("Nothing: closed")


class LandmarkReviewQuerySet(VisibleToQuerySet):
    def overdue(self, as_of):
        return self.filter(LandmarkReview.overdue_q(as_of))

    def next_act_refresh(self):
        """Store each review's `next_act` and `next_side` as the rule says they are now (one
        UPDATE): every write that changes what the rule reads (the review, its corrective
        actions, its accepted adjustments) calls it, through `goals.services`."""
        computed = LandmarkReview.objects.filter(pk=OuterRef("pk")).next_act_computed()
        return self.update(
            next_act=Subquery(computed.values("computed_act")[:1]),
            next_side=Subquery(computed.values("computed_side")[:1]),
        )

    def next_act_stale(self):
        """The reviews whose stored next act is not what the rule says (none, unless a write
        skipped `next_act_refresh`)."""
        return self.next_act_computed().exclude(
            next_act=F("computed_act"), next_side=F("computed_side")
        )

    def next_act_computed(self):
        """Each review annotated with `computed_act` (a NextAct) and `computed_side` (the Side
        that acts, "" for the portal or nobody): the rule, which `next_act_refresh` stores as
        `next_act` and `next_side`. The same conditions `services.review_missing`,
        `review_account`, `review_acknowledge` and `review_close` apply, set-based.

        - account: a missed or at-risk review not accounted for, or accounted without a live
          corrective action or an adjustment agreed by both sides (the distributor's side for
          a distributor goal, the manufacturer's for its own goals);
        - acknowledge: an accounting of a distributor goal the distributor's admin has not
          signed off (the distributor's side);
        - close: nothing missing any more (the manufacturer's side);
        - figures: an on-track review (it closes itself once its figures are final,
          `services.reviews_close_on_track`) or an early one whose landmark has not come.
        """
        Outcome, Status = LandmarkReview.Outcome, LandmarkReview.Status
        answered = Exists(
            ActionStep.objects.filter(review=OuterRef("pk")).exclude(
                status=ActionStep.Status.DROPPED
            )
        ) | Exists(
            Amendment.objects.filter(review=OuterRef("pk"), status=Amendment.Status.ACCEPTED)
        )
        closed = Q(status=Status.CLOSED)
        on_track = Q(outcome=Outcome.ON_TRACK)
        account = Q(outcome__in=(Outcome.MISSED, Outcome.AT_RISK)) & (
            Q(status=Status.OPEN) | Q(cause="") | Q(explanation="") | ~answered
        )
        co_set = Q(goal__level=Goal.Level.DISTRIBUTOR)
        acknowledge = co_set & Q(acknowledged_at__isnull=True)
        figures = on_track | Q(outcome=Outcome.AT_RISK, actual__isnull=True)
        return self.annotate(
            computed_act=Case(
                When(closed, then=Value(NextAct.NONE)),
                When(on_track, then=Value(NextAct.FIGURES)),
                When(account, then=Value(NextAct.ACCOUNT)),
                When(acknowledge, then=Value(NextAct.ACKNOWLEDGE)),
                When(figures, then=Value(NextAct.FIGURES)),
                default=Value(NextAct.CLOSE),
                output_field=models.CharField(),
            ),
            # `account` spelled once (its two EXISTS are most of the SQL a filter on the side
            # repeats): the side that accounts is the distributor's for a co-set goal.
            computed_side=Case(
                When(closed | on_track, then=Value("")),
                When(
                    account,
                    then=Case(
                        When(co_set, then=Value(Side.PARTNER)),
                        default=Value(Side.MANUFACTURER),
                        output_field=models.CharField(),
                    ),
                ),
                When(acknowledge, then=Value(Side.PARTNER)),
                When(figures, then=Value("")),
                default=Value(Side.MANUFACTURER),
                output_field=models.CharField(),
            ),
        )


class LandmarkReview(models.Model):
    """A landmark looked back on: actual against expected, and for a miss, an accounting.

    Opened by the daily job when the landmark's date passes, or earlier when the run rate says
    the goal will miss it (`early`). A missed landmark's review closes only once it is accounted
    for (cause, explanation, a corrective action or an agreed adjustment) and acknowledged by the
    distributor's admin.
    """

    class Outcome(models.TextChoices):
        AT_RISK = "at_risk", _("At risk (opened early)")
        ON_TRACK = "on_track", _("On track")
        MISSED = "missed", _("Missed")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACCOUNTED = "accounted", _("Accounted for")
        CLOSED = "closed", _("Closed")

    landmark = models.OneToOneField(Landmark, on_delete=models.CASCADE, related_name="review")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="reviews")
    opened_at = models.DateTimeField(_("opened at"))
    early = models.BooleanField(_("opened early"), default=False)
    expected = models.DecimalField(_("expected"), max_digits=MONEY_DIGITS, decimal_places=2)
    actual = models.DecimalField(
        _("actual"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    cause = models.CharField(_("cause"), max_length=20, choices=Cause.choices, blank=True)
    explanation = models.TextField(_("explanation"), max_length=PARAGRAPHS, blank=True)
    accounted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accounted_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # What it waits for next and from which side, as `LandmarkReviewQuerySet.next_act_computed`
    # says; stored by `next_act_refresh` after every write, so the queues and to-dos filter on
    # two columns instead of working the rule out per row on every page.
    next_act = models.CharField(
        _("next act"),
        max_length=20,
        choices=NextAct.choices,
        default=NextAct.ACCOUNT,
        editable=False,
    )
    next_side = models.CharField(_("next side"), max_length=20, blank=True, editable=False)

    objects = LandmarkReviewQuerySet.as_manager(distributor_lookup="goal__distributor")

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("landmark review")
        verbose_name_plural = _("landmark reviews")
        indexes = [
            models.Index(fields=["status", "opened_at"], name="review_status_opened"),
            # The to-dos and "needs me": the few reviews waiting for a person, by side.
            models.Index(
                fields=["next_side", "next_act"],
                condition=Q(next_act__in=("account", "acknowledge", "close")),
                name="review_waiting_person",
            ),
            # The dashboard's "missed landmarks not accounted for", newest first.
            models.Index(
                fields=["opened_at", "id"],
                condition=Q(outcome="missed", status="open"),
                name="review_missed_open",
            ),
        ]

    def __str__(self):
        return f"{self.goal} · {short_date(self.landmark.date)}"

    @property
    def needs_accounting(self):
        return self.outcome in (self.Outcome.MISSED, self.Outcome.AT_RISK)

    @classmethod
    def overdue_q(cls, as_of):
        """Overdue on `as_of`: a missed landmark still not accounted for, its review opened
        more than SCORING_ACCOUNTING_DAYS before (the scorecards' "accountings overdue")."""
        return Q(
            outcome=cls.Outcome.MISSED,
            status=cls.Status.OPEN,
            opened_at__lt=accounting_deadline(as_of),
        )

    def is_overdue(self, as_of):
        return (
            self.outcome == self.Outcome.MISSED
            and self.status == self.Status.OPEN
            and self.opened_at < accounting_deadline(as_of)
        )


class ActionStep(models.Model):
    """A concrete step of a goal's action plan; a corrective action names the review it answers."""

    class Status(models.TextChoices):
        TODO = "todo", _("To do")
        DOING = "doing", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="steps")
    review = models.ForeignKey(
        LandmarkReview,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("corrective action for"),
    )
    what = models.CharField(_("what"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="goal_steps",
        verbose_name=_("owner"),
    )
    due = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.TODO
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="goal__distributor")

    class Meta:
        ordering = ["due", "id"]
        verbose_name = _("action step")
        verbose_name_plural = _("action steps")
        indexes = [models.Index(fields=["status", "due"], name="step_status_due")]

    def __str__(self):
        return self.what

    @property
    def is_open(self):
        return self.status in (self.Status.TODO, self.Status.DOING)

    OPEN = (Status.TODO, Status.DOING)

    @classmethod
    def open_q(cls):
        return Q(status__in=cls.OPEN)

    @classmethod
    def overdue_q(cls, today):
        """Open and past its due date."""
        return cls.open_q() & Q(due__lt=today)

    @classmethod
    def due_q(cls, today):
        """Open and due within STEP_DUE_DAYS, or overdue."""
        return cls.open_q() & Q(due__lte=today + datetime.timedelta(days=STEP_DUE_DAYS))


class Amendment(models.Model):
    """A change to an agreed goal's terms, applied once both sides accept it."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="amendments")
    review = models.ForeignKey(
        LandmarkReview,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="amendments",
        verbose_name=_("adjustment for"),
    )
    # {"target": "120000.00", "due": "2027-12-31", "landmarks": [[date, value], ...],
    #  "bands": [[threshold, kind, amount], ...]}: only what changes; `previous` holds what
    # those terms read before, in the same shape (`goals.terms`).
    changes = models.JSONField(_("changes"))
    previous = models.JSONField(_("previous terms"), default=dict, blank=True)
    reason = models.TextField(_("reason"), max_length=PARAGRAPHS)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_by_side = models.CharField(max_length=20, choices=Side.choices)
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="goal__distributor")

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("amendment")
        verbose_name_plural = _("amendments")
        constraints = [
            # One amendment on the table per goal at a time.
            models.UniqueConstraint(
                fields=["goal"],
                condition=Q(status="proposed"),
                name="amendment_one_open_per_goal",
            )
        ]

    def __str__(self):
        return f"{self.goal} · {short_date(self.proposed_at)}"


class Proposal(models.Model):
    """Terms put on the table by one side of a distributor goal: the first proposal, or a
    counter-proposal with its reason and what it changed (old → new for every term)."""

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", _("Proposal")
        COUNTER = "counter", _("Counter-proposal")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    side = models.CharField(_("side"), max_length=20, choices=Side.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    reason = models.TextField(_("reason"), max_length=PARAGRAPHS, blank=True)
    # Only what changed against the terms on the table before (`goals.terms` shape).
    previous = models.JSONField(_("previous terms"), default=dict, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="goal__distributor")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")

    def __str__(self):
        return f"{self.goal} · {self.get_kind_display()} · {short_date(self.at)}"


class Activity(models.Model):
    """The channel manager's own log: visits, one-to-ones, trainings held (support goals)."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Visit")
        ONE_TO_ONE = "one_to_one", _("One-to-one meeting")
        TRAINING = "training", _("Training held")
        CALL = "call", _("Call")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("channel manager"),
    )
    distributor = models.ForeignKey(
        "distributors.Distributor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("distributor"),
    )
    date = models.DateField(_("date"))
    note = models.TextField(_("note"), max_length=PARAGRAPHS, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["manager", "kind", "date"], name="activity_manager_kind_date"),
            models.Index(fields=["distributor", "kind", "date"], name="activity_dist_kind_date"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {short_date(self.date)}"
