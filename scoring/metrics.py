"""The registry of scoring metrics: a class each, computed for every distributor at once.

Each metric returns {distributor id: (numerator, denominator)} from one aggregate query over the
window (the 12 complete months before the as-of date), reading the smallest table that holds the
figure: revenue records, the lead rollups (never the leads), goals and their reviews,
investments. A distributor missing from the result, or with nothing to divide by, has no data
for that metric: it is left out of the metric's cohort, never scored as a zero.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Least
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from distributors.models import Investment, RevenueRecord
from distributors.periods import complete_months
from goals.models import Goal, LandmarkReview
from leads.models import LeadRollup
from leads.pricing import won_values
from leads.rates import ACCEPTANCE, DQL_CONVERSION, ON_TIME
from leads.rollups import median_hours

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
    explanation = ""

    def inputs(self, as_of, distributor_ids=None):
        """{distributor id: (numerator, denominator)}; denominator None for plain sums."""
        raise NotImplementedError

    def explain(self):
        """How the metric is measured, in the reader's language, placeholders filled."""
        return str(self.explanation)

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
    explanation = _("Revenue reported over the last 12 complete months, in the reporting currency.")

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
        "Revenue of the last 12 complete months against the 12 before (change ÷ before)."
    )

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
        "Average attainment (capped at 200 %) of the distributor goals running in the last 12 "
        "months: the final actual of settled goals, the last measured actual of active ones."
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
    explanation = _(
        "Landmarks dated in the last 12 complete months whose review found them on track ÷ "
        "those reviewed as on track or missed (reviews opened early, their date not come yet, "
        "are left out)."
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
        "Missed landmarks still not accounted for %(days)s days after their review opened."
    )

    def explain(self):
        return str(self.explanation) % {"days": settings.SCORING_ACCOUNTING_DAYS}

    def inputs(self, as_of, distributor_ids=None):
        limit = datetime.datetime.combine(
            as_of - datetime.timedelta(days=settings.SCORING_ACCOUNTING_DAYS),
            datetime.time.min,
            tzinfo=datetime.UTC,
        )
        months = window(as_of)
        rows = (
            _scoped(
                LandmarkReview.objects.filter(landmark__date__gte=months.first),
                distributor_ids,
                "goal__distributor_id",
            )
            .values_list("goal__distributor_id")
            .annotate(
                overdue=Count(
                    "id",
                    filter=Q(outcome="missed", status="open", opened_at__lt=limit),
                ),
                reviews=Count("id"),
            )
            .order_by()
        )
        # A distributor with reviews has data (0 overdue is a fine figure); one without has none.
        return {d: (Decimal(overdue), None) for d, overdue, reviews in rows if d and reviews}


def _rollup_counts(as_of, distributor_ids, stages):
    months = window(as_of)
    rows = (
        _scoped(
            LeadRollup.objects.filter(
                grain=LeadRollup.Grain.DISTRIBUTOR, stage__in=stages, **months.month_filter()
            ),
            distributor_ids,
        )
        .values_list("distributor_id", "stage")
        .annotate(count=Sum("count"), total=Sum("total"))
        .order_by()
    )
    counts = defaultdict(dict)
    for distributor_id, stage, count, total in rows:
        counts[distributor_id][stage] = (count or 0, total or 0)
    return counts


class LeadRate(Metric):
    """A lead rate as `leads.rates` defines it (the funnel pages and the API read the same
    definition), over the last 12 months; named with its denominator."""

    unit = "percent"
    rate = None

    @property
    def label(self):
        return format_lazy("{}, {}", self.rate.label, self.rate.of)

    def inputs(self, as_of, distributor_ids=None):
        counts = _rollup_counts(
            as_of, distributor_ids, (self.rate.numerator, self.rate.denominator)
        )
        result = {}
        for distributor_id, stages in counts.items():
            top, bottom = self.rate.counts({stage: pair[0] for stage, pair in stages.items()})
            if bottom:
                result[distributor_id] = (Decimal(top), Decimal(bottom))
        return result


@register
class DqlConversion(LeadRate):
    key = "dql_conversion"
    rate = DQL_CONVERSION
    explanation = _(
        "Leads qualified (DQL) ÷ leads handed over, counted in the monthly lead rollups of the "
        "last 12 complete months."
    )


@register
class AcceptanceRate(LeadRate):
    key = "acceptance_rate"
    rate = ACCEPTANCE
    explanation = _(
        "Leads accepted ÷ leads handed over, counted in the monthly lead rollups of the last 12 "
        "complete months."
    )


@register
class DeadlineCompliance(LeadRate):
    key = "deadline_compliance"
    rate = ON_TIME
    explanation = _(
        "Leads handed over and answered before their deadline ÷ leads handed over, counted in "
        "the monthly lead rollups of the last 12 complete months."
    )


@register
class TimeToAccept(Metric):
    key = "time_to_accept"
    label = _("Median time to accept")
    direction = LOWER
    unit = "hours"
    explanation = _(
        "Median hours from hand-over to acceptance of the leads accepted in the last 12 complete "
        "months. An approximation: the rollups keep a histogram of waits (buckets from 0, 1, 2, "
        "4, 8, 12, 24, 48, 72, 120, 168 and 336 hours), and the median is interpolated within "
        "the bucket that holds the middle lead (past 336 hours: 336)."
    )

    def inputs(self, as_of, distributor_ids=None):
        months = window(as_of)
        rows = (
            _scoped(
                LeadRollup.objects.filter(
                    grain=LeadRollup.Grain.DISTRIBUTOR,
                    stage="accept_time",
                    **months.month_filter(),
                ),
                distributor_ids,
            )
            .values_list("distributor_id", "bucket")
            .annotate(count=Sum("count"))
            .order_by()
        )
        histograms = defaultdict(dict)
        for distributor_id, bucket, count in rows:
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
        "Revenue of the last 12 months divided by the value of the resources invested in the "
        "distributor over the same months."
    )

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
