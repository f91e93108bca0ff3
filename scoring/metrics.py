"""The registry of scoring metrics: a class each, computed for every distributor at once.

Each metric returns {distributor id: (numerator, denominator)} from one aggregate query over the
window (the 12 complete months before the as-of date), reading the smallest table that holds the
figure: revenue records, the lead rollups (never the leads), goals and their reviews,
investments, the impact estimates. A distributor missing from the result, or with nothing to
divide by, has no data for that metric: it is left out of the metric's cohort, never scored as
a zero.
"""

import contextlib
import contextvars
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Least
from django.utils.translation import gettext_lazy as _

from distributors.models import Investment, RevenueRecord
from drm.periods import complete_months
from funds.models import ImpactEstimate
from goals.models import Goal, LandmarkReview
from leads.models import LeadRollup
from leads.pricing import won_values
from leads.rates import ACCEPTANCE, DQL_CONVERSION, ON_TIME
from leads.rollups import BUCKETS, median_hours

HIGHER, LOWER = "higher", "lower"
HUNDRED = Decimal(100)
MONEY = DecimalField(max_digits=22, decimal_places=2)

_METRICS = {}


def register(cls):
    _METRICS[cls.key] = cls()
    return cls


def metric_list():
    return list(_METRICS.values())


def metric_get(key):
    return _METRICS[key]


# Said by every metric that sums revenue in the reporting currency.
NO_RATE = _("Revenue rows without an exchange rate for their month are left out.")


def window(as_of):
    """The 12 complete months before `as_of`."""
    return complete_months(12, on=as_of)


class Metric:
    key = ""
    label = ""
    direction = HIGHER
    unit = ""  # "money", "percent", "hours", "count", "ratio"
    # raw = numerator / denominator × scale (None: the numerator itself)
    scale = HUNDRED
    default_weight = Decimal(1)
    # How it is measured, in three parts the scorecard writes one after the other: what is
    # counted over which months; what is left out or how it is counted (sentences shared by
    # several metrics); and, when the figure is an estimate rather than an exact count, how it
    # is estimated.
    explanation = ""
    notes = ()
    approximation = ""
    # A lead rate's denominator (leads.rates): "handed_over"; None for the other metrics.
    of = None
    # A rate of counts: the numerator counts successes among the denominator's trials (leads
    # accepted of those handed over), so it is read through the beta-binomial model of
    # scoring.shrinkage (shrunk toward the peers, with an interval).
    counts = False

    def inputs(self, as_of, distributor_ids=None):
        """{distributor id: (numerator, denominator)}; denominator None for plain sums."""
        raise NotImplementedError

    def placeholders(self):
        """The values the explanation's texts name (%(days)s); none by default."""
        return {}

    def explain(self):
        """How the metric is measured, in the reader's language, placeholders filled."""
        values = self.placeholders()
        texts = [self.explanation, *self.notes, self.approximation]
        return " ".join((str(text) % values) if values else str(text) for text in texts if text)

    def raw(self, numerator, denominator):
        if denominator is None:
            return numerator
        if not denominator:
            return None
        return Decimal(numerator) * self.scale / Decimal(denominator)


def _scoped(queryset, distributor_ids, field="distributor_id"):
    return (
        queryset
        if distributor_ids is None
        else queryset.filter(**{f"{field}__in": distributor_ids})
    )


def _revenue(as_of, distributor_ids, months):
    rows = _scoped(
        RevenueRecord.objects.filter(rate__isnull=False, **months.month_filter()), distributor_ids
    )
    return dict(
        rows.values_list("distributor_id").annotate(total=Sum("reporting_amount")).order_by()
    )


@register
class TrailingRevenue(Metric):
    key = "revenue_t12m"
    label = _("Revenue, trailing 12 months")
    unit = "money"
    default_weight = Decimal(2)
    explanation = _(
        "Revenue reported for the last 12 complete months before the as-of date, in the "
        "reporting currency."
    )
    notes = (NO_RATE,)

    def inputs(self, as_of, distributor_ids=None):
        totals = _revenue(as_of, distributor_ids, window(as_of))
        return {d: (total, None) for d, total in totals.items() if total is not None}


@register
class RevenueGrowth(Metric):
    key = "revenue_growth"
    label = _("Revenue growth, year on year")
    unit = "percent"
    default_weight = Decimal(2)
    explanation = _(
        "Revenue of the last 12 complete months before the as-of date against the 12 months "
        "before them: the change ÷ the revenue before. Left out when those earlier 12 months "
        "have no revenue."
    )
    notes = (NO_RATE,)

    def inputs(self, as_of, distributor_ids=None):
        recent = window(as_of)
        earlier = complete_months(12, on=recent.first)
        now = _revenue(as_of, distributor_ids, recent)
        before = _revenue(as_of, distributor_ids, earlier)
        return {
            d: (Decimal(now.get(d) or 0) - Decimal(total), Decimal(total))
            for d, total in before.items()
            if total
        }


@register
class GoalAttainment(Metric):
    key = "goal_attainment"
    label = _("Goal attainment")
    unit = "percent"
    default_weight = Decimal(2)
    explanation = _(
        "Average attainment, each capped at 200 %, of the distributor goals with a target above "
        "zero running in the last 12 complete months before the as-of date: the final actual of "
        "settled goals, the actual of active ones. Goals never measured are left out."
    )
    approximation = _(
        "An active goal counts with its actual as the goals' daily job last measured it, not "
        "its actual on the as-of date."
    )

    def inputs(self, as_of, distributor_ids=None):
        months = window(as_of)
        goals = _scoped(
            Goal.objects.filter(
                level=Goal.Level.DISTRIBUTOR,
                status__in=(Goal.Status.ACTIVE, Goal.Status.ACHIEVED, Goal.Status.MISSED),
                start__lt=months.end,
                due__gte=months.first,
                target__gt=0,
            ),
            distributor_ids,
        ).annotate(
            reached=Coalesce("final_actual", "actual"),
        )
        rows = (
            goals.filter(reached__isnull=False)
            .values_list("distributor_id")
            .annotate(
                total=Sum(
                    Least(F("reached") * HUNDRED / F("target"), Value(Decimal(200))),
                    output_field=MONEY,
                ),
                count=Count("id"),
            )
            .order_by()
        )
        return {d: (total, Decimal(count)) for d, total, count in rows}

    def raw(self, numerator, denominator):
        if not denominator:
            return None
        return Decimal(numerator) / Decimal(denominator)


@register
class LandmarkHitRate(Metric):
    key = "landmark_hit_rate"
    label = _("Landmarks hit")
    unit = "percent"
    counts = True
    explanation = _(
        "Landmarks dated in the last 12 complete months before the as-of date that their review "
        "found on track ÷ those found on track or missed. Landmarks not reviewed yet are left out."
    )

    def inputs(self, as_of, distributor_ids=None):
        months = window(as_of)
        rows = (
            _scoped(
                LandmarkReview.objects.filter(
                    outcome__in=("on_track", "missed"),
                    landmark__date__gte=months.first,
                    landmark__date__lt=months.end,
                ),
                distributor_ids,
                "goal__distributor_id",
            )
            .values_list("goal__distributor_id")
            .annotate(hit=Count("id", filter=Q(outcome="on_track")), total=Count("id"))
            .order_by()
        )
        return {d: (Decimal(hit), Decimal(total)) for d, hit, total in rows if d}


@register
class OverdueAccountings(Metric):
    key = "overdue_accountings"
    label = _("Accountings overdue")
    direction = LOWER
    unit = "count"
    explanation = _(
        "Missed landmarks dated from the first of the last 12 complete months on whose review "
        "opened more than %(days)s days before the as-of date and is still not accounted for. "
        "Left out when the distributor has no landmark reviewed in those months."
    )
    approximation = _(
        "Whether a review is still open is read when the run is computed, not on the as-of date."
    )

    def placeholders(self):
        return {"days": settings.SCORING_ACCOUNTING_DAYS}

    def inputs(self, as_of, distributor_ids=None):
        months = window(as_of)
        rows = (
            _scoped(
                LandmarkReview.objects.filter(landmark__date__gte=months.first),
                distributor_ids,
                "goal__distributor_id",
            )
            .values_list("goal__distributor_id")
            .annotate(
                # The review queue's "overdue", defined once (`LandmarkReview.overdue_q`).
                overdue=Count("id", filter=LandmarkReview.overdue_q(as_of)),
                reviews=Count("id"),
            )
            .order_by()
        )
        # A distributor with reviews has data (0 overdue is a fine figure); one without has none.
        return {d: (Decimal(overdue), None) for d, overdue, reviews in rows if d and reviews}


# Within shared_reads(): {key: rows} of reads several metrics make alike, made once.
_shared = contextvars.ContextVar("scoring_shared_reads", default=None)


@contextlib.contextmanager
def shared_reads():
    """Reads that several metrics make alike are made once within (the nightly run's): the
    lead rates, time to accept and the handed-over count of won-from-leads read the same
    rollup rows, stage by stage, five times over (at the full-size world: 6.3 of the run's
    9.4 s of metrics, 2.3 s once). Outside, each metric reads its own."""
    token = _shared.set({})
    try:
        yield
    finally:
        _shared.reset(token)


def _rollup_rows(as_of, distributor_ids, stages):
    """[(distributor id, stage, bucket, count)] of `stages` in the distributors' rollups
    over the window (the bucket: time to accept's histogram; 0 for every other stage)."""
    memo = _shared.get()
    if memo is None or distributor_ids is not None or not set(stages) <= ROLLUP_STAGES:
        return _rollup_rows_read(as_of, distributor_ids, stages)
    key = ("rollup_rows", as_of)
    if key not in memo:
        memo[key] = _rollup_rows_read(as_of, None, sorted(ROLLUP_STAGES))
    wanted = set(stages)
    return [row for row in memo[key] if row[1] in wanted]


def _rollup_rows_read(as_of, distributor_ids, stages):
    months = window(as_of)
    rows = (
        _scoped(
            LeadRollup.objects.filter(
                grain=LeadRollup.Grain.DISTRIBUTOR, stage__in=stages, **months.month_filter()
            ),
            distributor_ids,
        )
        .values_list("distributor_id", "stage", "bucket")
        .annotate(count=Sum("count"))
        .order_by()
    )
    # One string per stage, not one per row: at the full-size world the shared read holds
    # 160,000 rows for the whole metrics stage.
    names = {}
    return [
        (distributor_id, names.setdefault(stage, stage), bucket, count or 0)
        for distributor_id, stage, bucket, count in rows.iterator(chunk_size=10_000)
    ]


def _rollup_counts(as_of, distributor_ids, stages):
    """{distributor id: {stage: count}} of `stages` over the window; a distributor with no row
    of those stages is left out."""
    counts = defaultdict(dict)
    for distributor_id, stage, _bucket, count in _rollup_rows(as_of, distributor_ids, stages):
        counts[distributor_id][stage] = counts[distributor_id].get(stage, 0) + count
    return counts


# Every stage a metric reads from the rollups (the lead rates', the handed-over, time to accept).
ROLLUP_STAGES = frozenset(
    stage
    for rate in (ACCEPTANCE, DQL_CONVERSION, ON_TIME)
    for stage in (rate.numerator, rate.denominator)
) | {"assigned", "accept_time"}


class LeadRate(Metric):
    """A rate of leads.rates over the window: its stages, its name and its denominator are the
    ones every lead page uses, so the scorecard's figure is the funnel's over the same months."""

    unit = "percent"
    rate = None
    counts = True

    @property
    def label(self):
        return self.rate.label

    @property
    def of(self):
        return self.rate.of

    def inputs(self, as_of, distributor_ids=None):
        rate = self.rate
        counts = _rollup_counts(as_of, distributor_ids, (rate.numerator, rate.denominator))
        result = {}
        for distributor_id, stages in counts.items():
            top, bottom = rate.counts(stages)
            if bottom:
                result[distributor_id] = (Decimal(top), Decimal(bottom))
        return result


# Lead moves are counted in the month they happen (flows, not cohorts): said once, in every
# lead rate's explanation.
FLOWS = _(
    "Each move counts in the month it happened (a lead handed over in one month may be answered "
    "in the next; a lead handed over twice counts twice)."
)


@register
class DqlConversion(LeadRate):
    key = "dql_conversion"
    rate = DQL_CONVERSION
    explanation = _(
        "Leads qualified (DQL) ÷ leads handed over, over the last 12 complete months before the "
        "as-of date."
    )
    notes = (FLOWS,)


@register
class AcceptanceRate(LeadRate):
    key = "acceptance_rate"
    rate = ACCEPTANCE
    explanation = _(
        "Leads accepted ÷ leads handed over, over the last 12 complete months before the as-of "
        "date."
    )
    notes = (FLOWS,)


@register
class DeadlineCompliance(LeadRate):
    key = "deadline_compliance"
    rate = ON_TIME
    explanation = _(
        "Leads handed over less those answered late or not at all (taken back at the "
        "deadline), ÷ leads handed over, over the last 12 complete months before the as-of date."
    )
    notes = (FLOWS,)


@register
class TimeToAccept(Metric):
    key = "time_to_accept"
    label = _("Median time to accept")
    direction = LOWER
    unit = "hours"
    explanation = _(
        "Median hours from hand-over to acceptance of the leads accepted in the last 12 complete "
        "months before the as-of date."
    )
    approximation = _(
        "An estimate: the median is read from the rollups' histogram of waiting times (buckets "
        "starting at %(buckets)s hours), interpolated linearly within the bucket that holds it, "
        "not from each lead's exact time; past %(last)s hours it is given as %(last)s."
    )

    def placeholders(self):
        return {"buckets": ", ".join(str(lower) for lower in BUCKETS), "last": BUCKETS[-1]}

    def inputs(self, as_of, distributor_ids=None):
        rows = _rollup_rows(as_of, distributor_ids, ("accept_time",))
        histograms = defaultdict(dict)
        for distributor_id, _stage, bucket, count in rows:
            histograms[distributor_id][bucket] = count
        result = {}
        for distributor_id, histogram in histograms.items():
            median = median_hours(histogram)
            if median is not None:
                result[distributor_id] = (Decimal(str(round(median, 2))), None)
        return result


@register
class RevenuePerInvestment(Metric):
    key = "revenue_per_investment"
    label = _("Revenue per unit invested")
    unit = "ratio"
    scale = Decimal(1)
    explanation = _(
        "Revenue of the last 12 complete months before the as-of date ÷ the value recorded for "
        "the resources invested in the distributor over the same months. Left out without any "
        "investment."
    )
    notes = (NO_RATE,)

    def inputs(self, as_of, distributor_ids=None):
        months = window(as_of)
        invested = dict(
            _scoped(Investment.objects.filter(**months.day_filter()), distributor_ids)
            .values_list("distributor_id")
            .annotate(total=Sum("value"))
            .order_by()
        )
        revenue = _revenue(as_of, distributor_ids, months)
        return {
            d: (Decimal(revenue.get(d) or 0), Decimal(total))
            for d, total in invested.items()
            if total
        }


@register
class IncrementalRevenuePerInvestment(Metric):
    """Fed from the stored impact estimates (funds.estimates): what each paid fund activity and
    incentive programme added to the distributor's revenue, against comparable distributors
    that did not receive it, per unit of what it cost."""

    key = "incremental_per_investment"
    label = _("Incremental revenue per unit invested")
    unit = "ratio"
    scale = Decimal(1)
    explanation = _(
        "Incremental revenue estimated for the paid fund activities and the incentive "
        "programmes whose effect window ended in the last 12 complete months before the as-of "
        "date ÷ what the manufacturer paid for them. Left out without any such estimate made."
    )
    approximation = _(
        "An estimate: each activity's or programme's incremental revenue is measured against "
        "comparable distributors that did not receive it (difference-in-differences against "
        "matched peers, or a synthetic control), as the nightly estimates last computed them."
    )

    def inputs(self, as_of, distributor_ids=None):
        months = window(as_of)
        rows = (
            _scoped(
                ImpactEstimate.objects.filter(reason="", **months.month_filter("effect_end")),
                distributor_ids,
            )
            .values_list("distributor_id")
            .annotate(incremental=Sum("incremental"), invested=Sum("invested"))
            .order_by()
        )
        return {
            d: (Decimal(incremental), Decimal(invested))
            for d, incremental, invested in rows
            if invested
        }


@register
class WonFromLeads(Metric):
    key = "won_from_leads"
    label = _("Won revenue from supplied leads")
    unit = "money"
    explanation = _(
        "Value of the leads won in the last 12 complete months, from the lead rollups, each "
        "priced in the reporting currency at the rate of the month it was won (a lead valued "
        "without a currency in its distributor's)."
    )

    def inputs(self, as_of, distributor_ids=None):
        """(value in the reporting currency, None, won leads left out for want of a rate) of
        every distributor handed leads or winning some; all its won leads without a rate: no
        data (its figure is unknown, not zero)."""
        handed = _rollup_counts(as_of, distributor_ids, ("assigned",))
        won = won_values(months=window(as_of), distributor_ids=distributor_ids)
        result = {d: (Decimal(0), None, 0) for d in handed}
        for d, figure in won.items():
            value = figure.value if figure.priced else None
            result[d] = (value, None, figure.unpriced)
        return result
