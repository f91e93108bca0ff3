"""Rebate and incentive programmes, each distributor's standing in them, and the earnings ledger.

A programme pays distributors for what they sell in its period: a share of their revenue (or an
amount per unit) by tiers of volume or of growth against a baseline period, retroactive to the
first unit or incremental, up to a cap. `services.programme_accrue` measures every participant
in one statement and writes what changed into the ledger (`Entry`): accruals as revenue comes
in, restatements when revenue already counted is corrected, advances and true-ups as they are
paid. Amounts are in the reporting currency (settings.REPORTING_CURRENCY), as revenue is valued.

The payout rule has one definition here (`Programme.earned_for`), and one SQL twin built from
it (`services.earned_sql`); a property test holds them equal.
"""

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from drm.limits import ONE_LINE, PARAGRAPHS
from drm.names import FrenchNamed, name_in
from funds.models import distributors_of_tiers_and_regions, tier_and_region_match
from identity.access import VisibleToQuerySet, is_manufacturer, is_partner, user_membership

MONEY_DIGITS = 16
MEASURE_DIGITS = 18
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
ZERO = Decimal(0)
# A SPIFF is a short incentive: its period is at most this many days.
SPIFF_MAX_DAYS = 92


def cents(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def month_weights(start, end):
    """The months `start`..`end` touches, each with the share of its days inside the period:
    revenue is held by month, so a period that starts or ends inside a month counts that
    month's revenue pro rata (a three-week SPIFF counts three weeks of it)."""
    weights = []
    month = start.replace(day=1)
    while month <= end:
        days = calendar.monthrange(month.year, month.month)[1]
        last = month.replace(day=days)
        inside = (min(last, end) - max(month, start)).days + 1
        weights.append((month, Decimal(inside) / Decimal(days)))
        month = last + datetime.timedelta(days=1)
    return weights


def quarter_ends(start, end):
    """The calendar quarters' last days from `start` to `end` (the advance dates of a quarterly
    schedule), the period's own end included when it falls inside a quarter."""
    ends = []
    year, quarter = start.year, (start.month - 1) // 3
    while True:
        month = quarter * 3 + 3
        day = datetime.date(year, month, calendar.monthrange(year, month)[1])
        if day >= end:
            ends.append(end)
            return ends
        ends.append(day)
        year, quarter = (year + 1, 0) if quarter == 3 else (year, quarter + 1)


class ProgrammeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every programme for the manufacturer; a partner sees those its distributor takes part
        in (measured, or eligible now), nothing of the others."""
        if is_manufacturer(user):
            return self.all()
        membership = user_membership(user) if is_partner(user) else None
        if membership is None:
            return self.none()
        distributor = membership.distributor
        standing = Standing.objects.filter(programme=OuterRef("pk"), distributor_id=distributor.pk)
        return self.filter(Exists(standing) | Q(pk__in=self.eligible_for(distributor).values("pk")))

    def eligible_for(self, distributor):
        """The programmes open to `distributor`: it is named, or (none named) it is of their tiers
        and regions (a list left empty: any). None for one outside the channel."""
        from distributors.models import Distributor

        if distributor.status in Distributor.OUTSIDE_CHANNEL:
            return self.none()
        named = Programme.distributors.through.objects.filter(programme=OuterRef("pk"))
        return self.filter(
            Exists(named.filter(distributor_id=distributor.pk))
            | (~Exists(named) & tier_and_region_match(Programme, distributor))
        )


@dataclass(frozen=True)
class Step:
    """One tier of payout: from `threshold` (of the measure) on, `rate` (a percentage of the
    revenue, or an amount per unit)."""

    threshold: Decimal
    rate: Decimal


@dataclass(frozen=True)
class Outlook:
    """A standing's tier reached, the next one and what it takes to reach it (`gap`: revenue
    for revenue and growth programmes, units for a units programme), and what it is expected
    to earn at its pace so far."""

    reached: Step | None
    following: Step | None
    gap: Decimal | None
    expected: Decimal
    over: bool = False  # the period is over: no tier is left to reach


class Programme(FrenchNamed):
    """A rebate or incentive programme for one period.

    - **Basis**: what is measured: revenue, units sold, or growth of revenue (%) against a
      baseline period. Limited to one product line when `product_line` is set.
    - **Tiers** (`PayoutTier`): retroactive: the highest tier reached pays its rate on
      everything from the first unit; incremental: each tier's rate pays on the part of the
      measure between its threshold and the next one's.
    - **Payout**: a percentage of the period's revenue (revenue and growth bases), or an amount
      per unit (units basis); never more than `cap` per distributor.
    - **Schedule**: paid once the period is over (a true-up of everything earned), or a
      quarterly advance of `advance_percent` of what is accrued, settled at the year end by a
      true-up net of the advances.
    """

    class Kind(models.TextChoices):
        REBATE = "rebate", _("Rebate")
        SPIFF = "spiff", _("SPIFF")

    class Basis(models.TextChoices):
        REVENUE = "revenue", _("Revenue")
        UNITS = "units", _("Units sold")
        GROWTH = "growth", _("Growth against a baseline")

    class Method(models.TextChoices):
        RETROACTIVE = "retroactive", _("Retroactive to the first unit")
        INCREMENTAL = "incremental", _("Incremental, tier by tier")

    class Schedule(models.TextChoices):
        AT_END = "at_end", _("Paid after the period")
        QUARTERLY = "quarterly", _("Quarterly advance, true-up at the end")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.REBATE)
    description = models.TextField(_("description"), max_length=PARAGRAPHS, blank=True)
    description_fr = models.TextField(
        _("description in French"),
        max_length=PARAGRAPHS,
        blank=True,
        help_text=_("What French readers see; empty: the English description"),
    )
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    product_line = models.ForeignKey(
        "distributors.ProductLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product line"),
        help_text=_("Empty: every product line"),
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    baseline_start = models.DateField(_("baseline start"), null=True, blank=True)
    baseline_end = models.DateField(_("baseline end"), null=True, blank=True)
    method = models.CharField(
        _("tiers apply"), max_length=20, choices=Method.choices, default=Method.RETROACTIVE
    )
    cap = models.DecimalField(
        _("cap per distributor"),
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(CENT)],
        help_text=_("Empty: no cap"),
    )
    schedule = models.CharField(
        _("payment schedule"), max_length=20, choices=Schedule.choices, default=Schedule.AT_END
    )
    advance_percent = models.DecimalField(
        _("advance (% of the accrued)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("100.00"),
        validators=[MinValueValidator(CENT), MaxValueValidator(HUNDRED)],
        help_text=_("Quarterly schedule: the share of what is accrued paid as an advance"),
    )
    tiers = models.ManyToManyField(
        "distributors.Tier",
        blank=True,
        related_name="programmes",
        verbose_name=_("tiers"),
        help_text=_("Empty: every tier"),
    )
    regions = models.ManyToManyField(
        "distributors.Region",
        blank=True,
        related_name="programmes",
        verbose_name=_("regions"),
        help_text=_("Empty: every region"),
    )
    distributors = models.ManyToManyField(
        "distributors.Distributor",
        blank=True,
        related_name="programmes",
        verbose_name=_("named distributors"),
        help_text=_("Named distributors only: tiers and regions are then left empty"),
    )
    # The last accrual: when it ran, and the distributors it could not value (revenue in a
    # currency without an exchange rate), shown on the programme's page.
    accrued_at = models.DateTimeField(_("accrued at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ProgrammeQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["created_at", "accrued_at"])

    class Meta:
        ordering = ["-period_start", "name", "id"]
        verbose_name = _("incentive programme")
        verbose_name_plural = _("incentive programmes")
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="programme_period_in_order",
                violation_error_message=_("A programme's period ends after it starts."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(basis="growth")
                    & Q(baseline_start__isnull=False)
                    & Q(baseline_end__gte=models.F("baseline_start"))
                    & Q(baseline_end__lt=models.F("period_start"))
                )
                | (
                    ~Q(basis="growth")
                    & Q(baseline_start__isnull=True)
                    & Q(baseline_end__isnull=True)
                ),
                name="programme_baseline_iff_growth",
                violation_error_message=_(
                    "A growth programme, and only one, has a baseline period before its period."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(basis="growth") | Q(method="retroactive"),
                name="programme_growth_retroactive",
            ),
            models.CheckConstraint(
                condition=Q(advance_percent__gt=0) & Q(advance_percent__lte=100),
                name="programme_advance_in_range",
            ),
            models.CheckConstraint(
                condition=Q(cap__isnull=True) | Q(cap__gt=0), name="programme_cap_positive"
            ),
        ]

    @property
    def display_description(self):
        """The description in the reader's language (the English one where no French is set)."""
        return name_in(self.description, self.description_fr)

    @property
    def pays_per_unit(self):
        """Units programmes pay an amount per unit; the others a percentage of revenue."""
        return self.basis == self.Basis.UNITS

    def steps(self):
        return [Step(tier.threshold, tier.rate) for tier in self.payout_tiers.all()]

    def weights(self):
        return month_weights(self.period_start, self.period_end)

    def baseline_weights(self):
        if self.basis != self.Basis.GROWTH:
            return []
        return month_weights(self.baseline_start, self.baseline_end)

    def counted_weights(self, *, end=None, today=None):
        """The months the measure counts (with their weights) and, for growth, the baseline's
        months it is compared with: up to `end` (an advance's quarter end), else the whole
        period. Growth is measured to date, month for month: while the period runs, its
        complete months (those before `today`'s) against as many first months of the baseline,
        so that half a year is not compared with a whole one."""
        weights = self.weights()
        if end is not None:
            weights = [(month, weight) for month, weight in weights if month <= end]
        baseline = self.baseline_weights()
        if self.basis != self.Basis.GROWTH:
            return weights, baseline
        cutoff = end
        if cutoff is None and today is not None and today <= self.period_end:
            cutoff = today.replace(day=1) - datetime.timedelta(days=1)
        if cutoff is not None and cutoff < self.period_end:
            weights = [(month, weight) for month, weight in weights if month <= cutoff]
            baseline = baseline[: len(weights)]
        return weights, baseline

    def measure_of(self, revenue, units, baseline):
        """The figure the tiers are read on: revenue, units, or growth in % of the baseline
        (none without a baseline revenue: growth from nothing cannot be measured)."""
        if self.basis == self.Basis.UNITS:
            return Decimal(units)
        if self.basis == self.Basis.GROWTH:
            if not baseline or baseline <= 0:
                return None
            return (Decimal(revenue) - Decimal(baseline)) * HUNDRED / Decimal(baseline)
        return Decimal(revenue)

    def earned_for(self, *, revenue, units, baseline=None, steps=None, measure=None):
        """What a distributor earns from `revenue` and `units` of the period (and `baseline`, the
        baseline period's revenue, for growth): the one definition of the payout, which
        `services.earned_sql` writes in SQL."""
        steps = sorted(steps if steps is not None else self.steps(), key=lambda s: s.threshold)
        if measure is None:
            measure = self.measure_of(revenue, units, baseline)
        if measure is None or not steps:
            return Decimal("0.00")
        base, scale = (
            (Decimal(units), Decimal(1)) if self.pays_per_unit else (Decimal(revenue), HUNDRED)
        )
        if self.method == self.Method.RETROACTIVE:
            rate = ZERO
            for step in steps:
                if measure >= step.threshold:
                    rate = step.rate
            earned = base * rate / scale
        else:
            earned = ZERO
            for index, step in enumerate(steps):
                if measure > step.threshold:
                    upper = steps[index + 1].threshold if index + 1 < len(steps) else None
                    top = measure if upper is None or measure < upper else upper
                    earned += (top - step.threshold) * step.rate / scale
        if self.cap is not None and earned > self.cap:
            earned = self.cap
        return cents(earned)

    def step_reached(self, measure, steps=None):
        """The tier `measure` has reached (None below the first), and the next one."""
        steps = sorted(steps if steps is not None else self.steps(), key=lambda s: s.threshold)
        reached = None
        following = steps[0] if steps else None
        if measure is None:
            return reached, following
        for index, step in enumerate(steps):
            if measure >= step.threshold:
                reached = step
                following = steps[index + 1] if index + 1 < len(steps) else None
        return reached, following

    def outlook(self, standing, today=None, steps=None):
        """Where `standing` is heading: what it will have earned at the end of the period at
        its pace so far (revenue and units of the months counted, extended over the whole
        period), the next tier and what it takes to reach it, in revenue or in units."""
        today = today or timezone.localdate()
        steps = steps if steps is not None else self.steps()
        reached, following = self.step_reached(standing.measure, steps)
        expected = standing.earned
        through = standing.through
        if through is not None and not self.is_over(today):
            last = through.replace(day=calendar.monthrange(through.year, through.month)[1])
            elapsed = (min(last, self.period_end) - self.period_start).days + 1
            whole = (self.period_end - self.period_start).days + 1
            if 0 < elapsed < whole:
                stretch = Decimal(whole) / Decimal(elapsed)
                # Growth to date keeps its rate at the same pace: the measure stays.
                growth = self.basis == self.Basis.GROWTH
                expected = self.earned_for(
                    revenue=standing.revenue * stretch,
                    units=standing.units * stretch,
                    steps=steps,
                    measure=(
                        self.measure_of(standing.revenue, standing.units, standing.baseline)
                        if growth
                        else None
                    ),
                )
        gap = None
        over = self.is_over(today)
        if over:
            following = None
        if following is not None:
            if self.basis == self.Basis.GROWTH:
                if standing.baseline:
                    needed = standing.baseline * (1 + following.threshold / HUNDRED)
                    gap = max(cents(needed - standing.revenue), ZERO)
            elif standing.measure is not None:
                gap = max(following.threshold - standing.measure, ZERO)
        return Outlook(
            reached=reached,
            following=following,
            gap=gap,
            expected=max(expected, standing.earned),
            over=over,
        )

    def eligible_distributors(self):
        """The distributors in the programme: those named; none named, those of its tiers and
        regions (a list left empty: any), in the channel."""
        if self.distributors.exists():
            from distributors.models import Distributor

            return Distributor.objects.exclude(status__in=Distributor.OUTSIDE_CHANNEL).filter(
                pk__in=self.distributors.values("pk")
            )
        return distributors_of_tiers_and_regions(self)

    def is_over(self, today=None):
        return (today or timezone.localdate()) > self.period_end

    def advance_dates(self):
        """The quarter ends an advance may be paid for (the last one is the true-up's)."""
        if self.schedule != self.Schedule.QUARTERLY:
            return []
        return quarter_ends(self.period_start, self.period_end)[:-1]


class PayoutTier(models.Model):
    """From `threshold` of the measure on, the programme pays `rate`: a percentage of revenue,
    or an amount per unit for a units programme."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="payout_tiers")
    threshold = models.DecimalField(
        _("from"),
        max_digits=MEASURE_DIGITS,
        decimal_places=2,
        help_text=_("Revenue, units or growth (%) from which the rate applies"),
    )
    rate = models.DecimalField(
        _("payout rate"),
        max_digits=12,
        decimal_places=4,
        validators=[MinValueValidator(ZERO)],
        help_text=_("% of revenue, or an amount per unit"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["programme", "threshold"]
        verbose_name = _("payout tier")
        verbose_name_plural = _("payout tiers")
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "threshold"], name="payouttier_unique_threshold"
            ),
            models.CheckConstraint(condition=Q(rate__gte=0), name="payouttier_rate_not_negative"),
        ]

    def __str__(self):
        return f"≥ {self.threshold}: {self.rate}"


class Standing(models.Model):
    """Where one distributor stands in one programme, as the last accrual measured it: its
    revenue and units of the period (pro rata for partial months), its baseline, the measure,
    the rate reached and what that earns. `ledgered` is the part of `earned` the ledger holds:
    the accrual writes the difference as an entry."""

    # The unique (programme, distributor) index serves lookups by programme.
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="standings", db_index=False
    )
    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="+"
    )
    revenue = models.DecimalField(max_digits=MEASURE_DIGITS, decimal_places=2, default=ZERO)
    units = models.DecimalField(max_digits=MEASURE_DIGITS, decimal_places=2, default=ZERO)
    baseline = models.DecimalField(
        max_digits=MEASURE_DIGITS, decimal_places=2, null=True, blank=True
    )
    measure = models.DecimalField(
        max_digits=MEASURE_DIGITS, decimal_places=2, null=True, blank=True
    )
    earned = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO)
    # The last month with revenue counted, and the same when the ledger last took `earned`:
    # a change while it has not moved is a restatement of revenue already counted.
    through = models.DateField(null=True, blank=True)
    ledgered = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2, default=ZERO)
    ledgered_through = models.DateField(null=True, blank=True)
    # Rows of the period in a currency without an exchange rate: its earnings wait for the rate.
    unpriced = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")

    class Meta:
        ordering = ["programme", "-earned", "distributor"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "distributor"], name="standing_unique"),
        ]

    def __str__(self):
        return f"{self.programme_id} · {self.distributor_id}: {self.earned}"


class Settlement(models.Model):
    """One payment run of a programme: an advance for a quarter, or the true-up after the
    period (again after a later restatement). Its entries are the amounts paid."""

    class Kind(models.TextChoices):
        ADVANCE = "advance", _("Advance")
        TRUE_UP = "true_up", _("True-up")

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="settlements")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    through = models.DateField(_("up to"), help_text=_("The quarter end or period end it settles"))
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("payment reference"), max_length=100)
    total = models.DecimalField(max_digits=MONEY_DIGITS + 2, decimal_places=2, default=ZERO)
    entries_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [
            # One advance per quarter; true-ups may repeat (a restatement after the first).
            models.UniqueConstraint(
                fields=["programme", "through"],
                condition=Q(kind="advance"),
                name="settlement_one_advance_per_quarter",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.through}"


class Entry(models.Model):
    """One line of a distributor's earnings ledger, signed: what it earned (accruals, and
    restatements when revenue already counted was corrected) and what it was paid (advances,
    true-ups, goal bonuses). A negative true-up is an overpaid advance to recover."""

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", _("Accrual")
        RESTATEMENT = "restatement", _("Restatement")
        ADVANCE = "advance", _("Advance paid")
        TRUE_UP = "true_up", _("True-up")
        BONUS_PAYMENT = "bonus_payment", _("Bonus paid")

    EARNED = (Kind.ACCRUAL, Kind.RESTATEMENT)
    PAID = (Kind.ADVANCE, Kind.TRUE_UP, Kind.BONUS_PAYMENT)

    # Indexed by the composite and partial indexes of Meta: most entries are accruals, with
    # neither goal nor settlement, and a ledger is read by distributor and date or by programme
    # and distributor (what it was paid).
    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    programme = models.ForeignKey(
        Programme,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
    )
    goal = models.ForeignKey(
        "goals.Goal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    settlement = models.ForeignKey(
        Settlement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=MONEY_DIGITS, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    date = models.DateField(_("date"))
    reference = models.CharField(_("reference"), max_length=ONE_LINE, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.CheckConstraint(
                condition=(Q(programme__isnull=False) & Q(goal__isnull=True))
                | (Q(programme__isnull=True) & Q(goal__isnull=False)),
                name="entry_programme_or_goal",
            ),
            models.CheckConstraint(
                condition=~Q(kind="bonus_payment") | Q(goal__isnull=False),
                name="entry_bonus_has_goal",
            ),
            # A goal's bonus is paid once.
            models.UniqueConstraint(
                fields=["goal"], condition=Q(kind="bonus_payment"), name="entry_bonus_paid_once"
            ),
        ]
        indexes = [
            models.Index(fields=["distributor", "date"], name="entry_distributor_date"),
            models.Index(fields=["programme", "distributor"], name="entry_programme_distributor"),
            models.Index(
                fields=["settlement"],
                condition=Q(settlement__isnull=False),
                name="entry_settlement",
            ),
            models.Index(fields=["goal"], condition=Q(goal__isnull=False), name="entry_goal"),
        ]

    def __str__(self):
        return f"{self.distributor_id} {self.date} {self.kind}: {self.amount} {self.currency}"

    @property
    def is_earned(self):
        return self.kind in self.EARNED
