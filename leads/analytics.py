"""Lead analytics, read from the monthly rollups (never from the leads table).

Funnel counts and stage-to-stage rates, time to accept, the share past the deadline, rejection
reasons, the yield of each lead source, month by month, for one distributor or the whole
channel, and a distributor's standing among the peers of its tier. A rate with nothing to divide
is None ("no data"), never a silent zero.
"""

import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distributors.models import Distributor
from drm import compiled
from drm.periods import MonthRange, add_months, current_month

from .models import LeadRejection, LeadRollup, LeadSource, Stage
from .rates import ACCEPTANCE, STEP_LABELS, STEPS, rate_get, rate_list
from .rollups import BUCKETS, median_hours, rollups_epoch

G = LeadRollup.Grain

# Peer comparison: the rates that matter (leads.rates says which way is better) and the median
# time to accept (lower is better).
PEER_MEASURES = ("acceptance", "qualification", "win", "late", "median_accept_hours")
MAX_MONTHS = 60
# A peer median or percentile is shown only over at least this many other distributors: with
# one peer, the median of two would give its figure away (2 × median − own value).
PEER_MINIMUM = 3


def month_range(first=None, last=None, *, months=12):
    """Whole months from `first` to `last` (dates, any day); by default the last `months`
    months including the running one. At most MAX_MONTHS."""
    last = (last or current_month()).replace(day=1)
    first = (first or add_months(last, -(months - 1))).replace(day=1)
    if first > last:
        first, last = last, first
    if (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
        first = add_months(last, -(MAX_MONTHS - 1))
    return MonthRange(first=first, last=last)


def _rows(*, grain, period, distributor=None, distributors=None, source=None):
    rows = LeadRollup.objects.filter(grain=grain, **period.month_filter())
    if distributor is not None:
        rows = rows.filter(distributor=distributor)
    if distributors is not None:
        rows = rows.filter(distributor__in=distributors)
    if source is not None:
        rows = rows.filter(source=source)
    return rows


def _scope(distributor, source):
    """The grain that answers a question about (distributor or channel) × (a source or all)."""
    if distributor is None:
        return G.CHANNEL_SOURCE
    return G.DISTRIBUTOR_SOURCE if source is not None else G.DISTRIBUTOR


def _ratio(numerator, denominator):
    if not denominator:
        return None
    return numerator / denominator


@dataclass
class Figures:
    counts: dict
    histogram: dict
    hours: float
    rating_total: float
    # {stage: count} of one month inside the period, read with the rest (`funnel(month=)`).
    month_counts: dict | None = None

    def count(self, stage):
        return self.counts.get(stage, 0)

    @property
    def rates(self):
        return {rate.key: rate.value(self.counts) for rate in rate_list()}

    @property
    def median_accept_hours(self):
        return median_hours(self.histogram)

    @property
    def mean_accept_hours(self):
        return _ratio(self.hours, self.count(Stage.ACCEPTED))

    @property
    def average_rejection_rating(self):
        return _ratio(self.rating_total, self.count(Stage.REJECTED))


def _figure_rows(*, grain, period, distributor=None, source=None, month=None):
    """The rollup's sums per stage and bucket behind `Figures`: one query, compiled once per
    grain (the record and the analytics pages read it on every request)."""

    def build(first, end, distributor, source, month):
        rows = LeadRollup.objects.filter(grain=grain, month__gte=first, month__lt=end)
        if distributor is not None:
            rows = rows.filter(distributor=distributor)
        if source is not None:
            rows = rows.filter(source=source)
        sums = {"n": Sum("count"), "t": Sum("total"), "h": Sum("hours")}
        if month is not None:
            sums["in_month"] = Sum("count", filter=Q(month=month))
        return rows.values("stage", "bucket").annotate(**sums).order_by()

    return compiled.rows(
        ("leads.analytics.figures", grain),
        build,
        first=period.first,
        end=period.end,
        distributor=distributor,
        source=source,
        month=month,
    )


def _figures(rows, *, month=None):
    counts, histogram, month_counts = defaultdict(int), defaultdict(int), defaultdict(int)
    hours = rating = 0.0
    for row in rows:
        if row["stage"] == Stage.ACCEPT_TIME:
            histogram[row["bucket"]] += row["n"]
            continue
        counts[row["stage"]] += row["n"]
        if month is not None:
            month_counts[row["stage"]] += row["in_month"] or 0
        if row["stage"] == Stage.ACCEPTED:
            hours += row["h"] or 0
        if row["stage"] == Stage.REJECTED:
            rating += float(row["t"] or 0)
    return Figures(
        dict(counts),
        dict(histogram),
        hours,
        rating,
        dict(month_counts) if month is not None else None,
    )


def rate_figure(rate, counts):
    """One rate as every surface gives it: its name, value, numerator, denominator and the
    denominator's key and name in words, from {stage: count}."""
    numerator, denominator = rate.counts(counts)
    return {
        "key": rate.key,
        "label": str(rate.label),
        "value": rate.value(counts),
        "numerator": numerator,
        "denominator": denominator,
        "of": rate.of,
        "of_words": str(rate.of_words),
    }


def funnel(*, period, distributor=None, source=None, month=None):
    """The funnel of one distributor (from the leads handed to it) or of the channel (from the
    MQLs that entered the pool): steps with counts and the rate that reaches each from the step
    before (leads.rates), every rate with its numerator and denominator, time to accept; with
    `month` (the first day of a month of `period`), that month's counts too, from the same
    query ("month_counts")."""
    figures = _figures(
        _figure_rows(
            grain=_scope(distributor, source),
            period=period,
            distributor=distributor,
            source=source,
            month=month,
        ),
        month=month,
    )
    steps = []
    for key, stage, rate in STEPS:
        if distributor is not None and stage == Stage.MQL:
            continue  # a distributor gets leads handed over, never MQLs of its own
        step = {"key": key, "label": str(STEP_LABELS[key]), "count": figures.count(stage)}
        # The first step shown has no step before it on this funnel: no rate.
        reached = rate_figure(rate, figures.counts) if rate is not None and steps else None
        step.update(
            rate=reached["value"] if reached else None,
            rate_key=rate.key if reached else None,
            of=rate.of if reached else None,
            of_words=reached["of_words"] if reached else "",
        )
        steps.append(step)
    return {
        "period": period,
        "steps": steps,
        "counts": figures.counts,
        "rates": figures.rates,
        "rate_figures": [rate_figure(rate, figures.counts) for rate in rate_list()],
        "median_accept_hours": figures.median_accept_hours,
        "mean_accept_hours": figures.mean_accept_hours,
        "average_rejection_rating": figures.average_rejection_rating,
        "month_counts": figures.month_counts,
    }


TREND_RATES = ("acceptance", "late")


def trend(*, period, distributor=None, source=None):
    """Per month: handed over (or MQL), accepted, DQL, opportunities, won; and the acceptance
    and late rates."""
    first_stage = Stage.ASSIGNED if distributor is not None else Stage.MQL
    stages = [first_stage, Stage.ASSIGNED, Stage.ACCEPTED, Stage.DQL, Stage.OPPORTUNITY]
    stages += [Stage.WON, Stage.LATE]
    by_month = defaultdict(lambda: defaultdict(int))
    rows = _rows(
        grain=_scope(distributor, source), period=period, distributor=distributor, source=source
    ).filter(stage__in=stages)
    for row in rows.values("month", "stage").annotate(n=Sum("count")):
        by_month[row["month"]][row["stage"]] += row["n"]
    months = period.months
    series = {stage: [by_month[m][stage] for m in months] for stage in set(stages)}
    return {
        "months": [f"{m:%Y-%m}" for m in months],
        "first": series[first_stage],
        "assigned": series[Stage.ASSIGNED],
        "accepted": series[Stage.ACCEPTED],
        "dql": series[Stage.DQL],
        "opportunity": series[Stage.OPPORTUNITY],
        "won": series[Stage.WON],
        # The month's rates as leads.rates defines them (a month's counts, its stages).
        **{key: [rate_get(key).value(by_month[month]) for month in months] for key in TREND_RATES},
    }


def reasons(*, period, distributor=None, source=None):
    """Rejections by reason, most frequent first: count, share, average quality rating."""
    rows = (
        _rows(
            grain=_scope(distributor, source),
            period=period,
            distributor=distributor,
            source=source,
        )
        .filter(stage=Stage.REJECTED)
        .values("reason")
        .annotate(n=Sum("count"), t=Sum("total"))
    )
    total = sum(row["n"] for row in rows)
    labels = dict(LeadRejection.Reason.choices)
    result = [
        {
            "reason": row["reason"],
            "label": str(labels.get(row["reason"], row["reason"])),
            "count": row["n"],
            "share": _ratio(row["n"], total),
            "average_rating": _ratio(float(row["t"] or 0), row["n"]),
        }
        for row in rows
    ]
    return sorted(result, key=lambda row: (-row["count"], row["reason"]))


def source_yield(*, period, distributor=None):
    """Per lead source: MQLs (channel) or leads handed over, accepted, rejected, DQL, won, the
    MQL → DQL conversion and the rejected (both of handed over), and the reason it is rejected
    for most."""
    grain = G.CHANNEL_SOURCE if distributor is None else G.DISTRIBUTOR_SOURCE
    rows = _rows(grain=grain, period=period, distributor=distributor).filter(
        stage__in=[
            Stage.MQL,
            Stage.ASSIGNED,
            Stage.ACCEPTED,
            Stage.REJECTED,
            Stage.DQL,
            Stage.WON,
        ]
    )
    table = defaultdict(lambda: defaultdict(int))
    top_reason = defaultdict(dict)
    for row in rows.values("source", "stage", "reason").annotate(n=Sum("count")):
        table[row["source"]][row["stage"]] += row["n"]
        if row["stage"] == Stage.REJECTED:
            top_reason[row["source"]][row["reason"]] = row["n"]
    sources = LeadSource.objects.in_bulk(list(table))
    labels = dict(LeadRejection.Reason.choices)
    result = []
    for source_id, counts in table.items():
        source = sources.get(source_id)
        if source is None:
            continue
        reasons_seen = top_reason.get(source_id, {})
        reason = max(sorted(reasons_seen), key=reasons_seen.get) if reasons_seen else ""
        result.append(
            {
                "source": source.code,
                "name": source.display_name,
                "kind": source.kind,
                "mql": counts[Stage.MQL],
                "assigned": counts[Stage.ASSIGNED],
                "accepted": counts[Stage.ACCEPTED],
                "rejected": counts[Stage.REJECTED],
                "dql": counts[Stage.DQL],
                "won": counts[Stage.WON],
                # The rates dql_conversion and rejection (leads.rates), under the names the
                # API gave them first.
                "dql_yield": rate_get("dql_conversion").value(counts),
                "rejection_rate": rate_get("rejection").value(counts),
                "top_reason": reason,
                "top_reason_label": str(labels.get(reason, "")) if reason else "",
            }
        )
    return sorted(result, key=lambda row: (-(row["assigned"] or row["mql"]), row["source"]))


_COUNTED = [stage for stage in Stage.values if stage != Stage.ACCEPT_TIME]
# A month's rollups stop changing once it is over (a move counts in the month it happens), but
# a move stamped just before midnight may commit just after: a month is settled 2 days after.
SETTLING = datetime.timedelta(days=2)
SETTLED_SECONDS = 24 * 3600


def _pivot(period, distributors=None):
    """{distributor id: Figures} over the period from the distributor grain (one query).

    Summed per distributor × stage × bucket, then turned into one row per distributor, stages
    and buckets side by side, in the same statement: a dashboard over thousands of
    distributors hands Python a row each, not one per distributor × stage × bucket."""
    rows = _rows(grain=G.DISTRIBUTOR, period=period, distributors=distributors)
    inner, params = (
        rows.values("distributor", "stage", "bucket")
        .annotate(n=Sum("count"), t=Sum("total"), h=Sum("hours"))
        .order_by()
        .query.sql_with_params()
    )
    columns, outer = [], []
    for stage in _COUNTED:
        columns.append("SUM(CASE WHEN g.stage = %s THEN g.n END)")
        outer.append(stage)
    for bucket in range(len(BUCKETS)):
        columns.append("SUM(CASE WHEN g.stage = %s AND g.bucket = %s THEN g.n END)")
        outer += [Stage.ACCEPT_TIME, bucket]
    columns.append("SUM(CASE WHEN g.stage = %s THEN g.h END)")
    columns.append("SUM(CASE WHEN g.stage = %s THEN g.t END)")
    outer += [Stage.ACCEPTED, Stage.REJECTED]
    sql = (
        f"SELECT g.distributor, {', '.join(columns)} "  # noqa: S608 - placeholders only
        f"FROM ({inner}) g GROUP BY g.distributor"
    )
    per = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*outer, *params])
        for distributor_id, *values in cursor.fetchall():
            counts = values[: len(_COUNTED)]
            buckets = values[len(_COUNTED) : len(_COUNTED) + len(BUCKETS)]
            hours, total = values[-2:]
            # Postgres sums integers into numerics: counts are ints again here.
            per[distributor_id] = Figures(
                {stage: int(n) for stage, n in zip(_COUNTED, counts, strict=True) if n},
                {bucket: int(n) for bucket, n in enumerate(buckets) if n},
                float(hours or 0),
                float(total or 0),
            )
    return per


def _settled(period, distributors=None, members=None):
    """_pivot over months that no longer change, from the cache. The key names the rollups'
    epoch, which a rebuild renews, and the distributors asked for (`members`, their ids, for
    the `distributors` queryset): a tier's peers share one entry until the tier changes."""
    asked = "all"
    if members is not None:
        asked = hashlib.sha256(",".join(map(str, sorted(members))).encode()).hexdigest()[:32]
    key = (
        f"leads:distributor-figures:{rollups_epoch()}:{period.first:%Y-%m}:{period.last:%Y-%m}:"
        f"{asked}"
    )
    per = cache.get(key)
    if per is None:
        per = _pivot(period, distributors)
        cache.set(key, per, SETTLED_SECONDS)
    return per


def _per_distributor(period, distributors=None):
    """{distributor id: Figures} over the period from the distributor grain: the settled
    months from the cache (_settled), the months that may still change read now (_pivot)."""
    live_from = current_month(on=timezone.localdate(timezone.now() - SETTLING))
    settled_last = min(period.last, add_months(live_from, -1))
    if period.first > settled_last:
        return _pivot(period, distributors)
    members = None if distributors is None else list(distributors.values_list("pk", flat=True))
    per = _settled(MonthRange(first=period.first, last=settled_last), distributors, members)
    if period.last < live_from:
        return per
    per = dict(per)  # the cached figures are shared: merged into copies below
    live = _pivot(MonthRange(first=live_from, last=period.last), distributors)
    for pk, figures in live.items():
        settled = per.get(pk)
        if settled is None:
            per[pk] = figures
            continue
        counts, histogram = dict(settled.counts), dict(settled.histogram)
        for stage, n in figures.counts.items():
            counts[stage] = counts.get(stage, 0) + n
        for bucket, n in figures.histogram.items():
            histogram[bucket] = histogram.get(bucket, 0) + n
        per[pk] = Figures(
            counts,
            histogram,
            settled.hours + figures.hours,
            settled.rating_total + figures.rating_total,
        )
    return per


MEDIAN_ACCEPT_HOURS = "median_accept_hours"


def _measure(figures, key):
    if key == MEDIAN_ACCEPT_HOURS:
        return figures.median_accept_hours
    return rate_get(key).value(figures.counts)  # the one rate, not all of them per peer


def _percentile(value, values, higher_is_better):
    """Share of peers (0–100) this value does at least as well as; None without data."""
    if value is None or not values:
        return None
    if higher_is_better:
        beaten = sum(1 for v in values if v <= value)
    else:
        beaten = sum(1 for v in values if v >= value)
    return 100.0 * beaten / len(values)


def _median(values):
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def peers(*, period, distributor):
    """The distributor's rates against the distributors of its tier: its value, the peer median
    and its percentile. Peers are anonymous: no name or figure of another distributor leaves.
    A distributor without data for a measure is left out of that measure's cohort; with fewer
    than PEER_MINIMUM others in it, the median and percentile are None."""
    tier_members = Distributor.objects.filter(tier_id=distributor.tier_id).values("pk")
    per = _per_distributor(period, distributors=tier_members)
    own = per.get(distributor.pk, Figures({}, {}, 0.0, 0.0))
    result = []
    for key in PEER_MEASURES:
        rate = None if key == MEDIAN_ACCEPT_HOURS else rate_get(key)
        higher = rate.higher_is_better if rate else False
        values = [v for v in (_measure(f, key) for f in per.values()) if v is not None]
        value = _measure(own, key)
        others = len(values) - (1 if value is not None else 0)
        if others < PEER_MINIMUM:
            values = []
        result.append(
            {
                "key": key,
                "label": str(rate.label if rate else _("Median time to accept (hours)")),
                "of": rate.of if rate else None,
                "of_words": str(rate.of_words) if rate else "",
                "value": value,
                "peer_median": _median(values),
                "percentile": _percentile(value, values, higher),
                "peers": len(values),
                "higher_is_better": higher,
            }
        )
    return result


def distributor_table(*, period, tier=None, minimum=1, order="acceptance"):
    """Per distributor over the period: handed over, rates, median time to accept; the rows a
    manager's dashboard ranks (distributors with fewer than `minimum` leads are left out)."""
    members = Distributor.objects.all()
    if tier is not None:
        members = members.filter(tier=tier)
    per = _per_distributor(period, distributors=members.values("pk") if tier else None)
    # Every member's code: cheaper than naming thousands of ids in an IN list.
    names = dict(members.values_list("pk", "code"))
    rows = []
    for pk, figures in per.items():
        handed = figures.count(Stage.ASSIGNED)
        if handed < minimum:
            continue
        rates = figures.rates
        rows.append(
            {
                "distributor_id": pk,
                "code": names.get(pk, ""),
                "assigned": handed,
                "accepted": figures.count(Stage.ACCEPTED),
                "rejected": figures.count(Stage.REJECTED),
                "dql": figures.count(Stage.DQL),
                "won": figures.count(Stage.WON),
                **rates,
                "median_accept_hours": figures.median_accept_hours,
            }
        )
    reverse = order not in ("late", "rejection", "median_accept_hours")
    missing = -1.0 if reverse else float("inf")
    rows.sort(
        key=lambda row: (row[order] if row[order] is not None else missing, row["code"]),
        reverse=reverse,
    )
    return rows


def _acceptance_counts(period, distributors):
    """{distributor id: [handed over, accepted]} over the period: the two stages of the
    acceptance rate (leads.rates) in the distributor grain, one row per distributor (the settled
    months from the cache)."""

    def read(months):
        rows = (
            _rows(grain=G.DISTRIBUTOR, period=months, distributors=distributors)
            .filter(stage__in=[ACCEPTANCE.denominator, ACCEPTANCE.numerator])
            .values("distributor")
            .annotate(
                handed=Sum("count", filter=Q(stage=ACCEPTANCE.denominator)),
                accepted=Sum("count", filter=Q(stage=ACCEPTANCE.numerator)),
            )
            .order_by()
        )
        # Thousands of rows of three integers: read as tuples, not as model dictionaries.
        try:
            sql, params = rows.query.sql_with_params()
        except EmptyResultSet:
            return {}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {pk: [int(handed or 0), int(accepted or 0)] for pk, handed, accepted in cursor}

    live_from = current_month(on=timezone.localdate(timezone.now() - SETTLING))
    settled_last = min(period.last, add_months(live_from, -1))
    if period.first > settled_last:
        return read(period)
    settled = MonthRange(first=period.first, last=settled_last)
    asked = (
        "all"
        if distributors is None
        else hashlib.sha256(
            ",".join(map(str, sorted(distributors.values_list("pk", flat=True)))).encode()
        ).hexdigest()[:32]
    )
    key = f"leads:acceptance:{rollups_epoch()}:{settled.first:%Y-%m}:{settled.last:%Y-%m}:{asked}"
    counts = cache.get(key)
    if counts is None:
        counts = read(settled)
        cache.set(key, counts, SETTLED_SECONDS)
    counts = {pk: list(pair) for pk, pair in counts.items()}
    if period.last >= live_from:
        for pk, (handed, accepted) in read(MonthRange(first=live_from, last=period.last)).items():
            pair = counts.setdefault(pk, [0, 0])
            pair[0] += handed
            pair[1] += accepted
    return counts


def distributor_ranking(*, period, tier=None, minimum=5, size=10):
    """(best, worst, ranked): the `size` distributors with the best and the worst acceptance
    among those handed at least `minimum` leads, and how many were ranked.

    Ranked on two counts per distributor; the full figures (rates, median time to accept) are
    read only for the rows shown, so the channel's dashboard stays quick at thousands of
    distributors. Ties: more leads handed over first, then the code.
    """
    members = Distributor.objects.filter(tier=tier) if tier is not None else None
    counts = _acceptance_counts(period, members.values("pk") if members is not None else None)
    eligible = [
        (accepted / handed, handed, pk)
        for pk, (handed, accepted) in counts.items()
        if handed >= minimum
    ]
    codes = {}
    best = sorted(eligible, key=lambda item: (-item[0], -item[1], item[2]))[:size]
    worst = []
    if len(eligible) > size:
        worst = sorted(eligible, key=lambda item: (item[0], -item[1], item[2]))[:size]
    shown = {pk for _rate, _handed, pk in best + worst}
    if not shown:
        return [], [], 0
    codes = dict(Distributor.objects.filter(pk__in=shown).values_list("pk", "code"))
    figures = _pivot(period, Distributor.objects.filter(pk__in=shown).values("pk"))

    def row(pk):
        f = figures.get(pk, Figures({}, {}, 0.0, 0.0))
        return {
            "distributor_id": pk,
            "code": codes.get(pk, ""),
            "assigned": f.count(Stage.ASSIGNED),
            "accepted": f.count(Stage.ACCEPTED),
            "rejected": f.count(Stage.REJECTED),
            "dql": f.count(Stage.DQL),
            "won": f.count(Stage.WON),
            **f.rates,
            "median_accept_hours": f.median_accept_hours,
        }

    return (
        [row(pk) for _rate, _handed, pk in best],
        [row(pk) for _rate, _handed, pk in worst],
        len(eligible),
    )
