"""Scoring reads for the pages: the ranking of the last published run, a distributor's scorecard
and its history, the runs, resources against revenue and the manager's "needs attention" lists.

Every read is scoped (`visible_to`) or manufacturer-only by its page; none loops over rows to
query again: histories of a whole page come back in one query.
"""

from collections import defaultdict

from django.db.models import Aggregate, Count, F, FloatField, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from goals.models import Goal, LandmarkReview
from leads.selectors import lead_list

from .metrics import metric_get, metric_list
from .models import MetricValue, Scorecard, ScoringModel, ScoringRun
from .services import latest_run

HISTORY_RUNS = 12

# Sort key of the ranking → ordering (None last whichever the direction).
SORTS = {
    "rank": (F("rank").asc(nulls_last=True), "distributor__name"),
    "-rank": (F("rank").desc(nulls_last=True), "distributor__name"),
    "score": (F("score").asc(nulls_last=True), "distributor__name"),
    "-score": (F("score").desc(nulls_last=True), "distributor__name"),
    "tier_rank": ("tier__rank", F("rank_in_tier").asc(nulls_last=True), "distributor__name"),
    "-tier_rank": ("-tier__rank", F("rank_in_tier").desc(nulls_last=True), "distributor__name"),
    "name": ("distributor__name", "distributor__code"),
    "-name": ("-distributor__name", "-distributor__code"),
    "change": (F("rank_change").asc(nulls_last=True), "rank"),
    "-change": (F("rank_change").desc(nulls_last=True), "rank"),
}


class Median(Aggregate):
    """Postgres' continuous median."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def published_runs():
    return ScoringRun.objects.filter(status=ScoringRun.Status.PUBLISHED).order_by(
        "-published_at", "-id"
    )


# --- the ranking -------------------------------------------------------------------------------


def ranking_list(*, run, filters=None, sort="rank"):
    """The run's scorecards with their distributor, narrowed by `filters` (cleaned values):
    tier, region, manager."""
    filters = filters or {}
    cards = Scorecard.objects.filter(run=run).select_related(
        "distributor", "distributor__account_manager", "tier"
    )
    if filters.get("tier"):
        cards = cards.filter(tier=filters["tier"])
    if filters.get("region"):
        cards = cards.filter(region__iexact=filters["region"])
    if filters.get("manager"):
        cards = cards.filter(distributor__account_manager=filters["manager"])
    return cards.order_by(*SORTS.get(sort, SORTS["rank"]))


def score_histories(*, distributor_ids, runs=HISTORY_RUNS):
    """{distributor id: [score, ...] oldest first} over the last `runs` published runs.

    Two queries whatever the number of distributors (the run ids, then every score at once).
    """
    run_ids = list(published_runs().values_list("pk", flat=True)[:runs])
    histories = defaultdict(list)
    if not run_ids or not distributor_ids:
        return histories
    rows = (
        Scorecard.objects.filter(run_id__in=run_ids, distributor_id__in=distributor_ids)
        .order_by("run__published_at", "run_id")
        .values_list("distributor_id", "score")
    )
    for distributor_id, score in rows:
        histories[distributor_id].append(score)
    return histories


def sparkline(scores, *, width=80, height=20):
    """SVG polyline points of `scores` (0–100, None skipped) or "" with fewer than two."""
    values = [float(s) for s in scores if s is not None]
    if len(values) < 2:
        return ""
    step = width / (len(values) - 1)
    return " ".join(
        f"{index * step:.1f},{height - value / 100 * height:.1f}"
        for index, value in enumerate(values)
    )


def score_buckets(cards):
    """Chart.js data: how many of `cards` score in each tenth of 0–100 (one query)."""
    counts = cards.order_by().aggregate(
        **{
            f"b{low}": Count(
                "pk",
                filter=Q(score__gte=low)
                & (Q(score__lte=100) if low == 90 else Q(score__lt=low + 10)),
            )
            for low in range(0, 100, 10)
        }
    )
    return {
        "labels": [f"{low}–{low + 10}" for low in range(0, 100, 10)],
        "datasets": [
            {"label": _("Distributors"), "data": [counts[f"b{low}"] for low in range(0, 100, 10)]}
        ],
    }


# --- one distributor ---------------------------------------------------------------------------


def scorecard_get(*, visible_to, code, run=None):
    """The distributor's scorecard in `run` (default: the last published), or None."""
    run = run or latest_run()
    if run is None:
        return None
    return (
        Scorecard.objects.visible_to(visible_to)
        .select_related("distributor", "tier", "run", "run__model")
        .filter(run=run, distributor__code=code)
        .first()
    )


def scorecard_metrics(card):
    """The metric rows of a scorecard, in the registry's order, each with its metric and where
    the tier's peer median sits on the 0–100 scale (the median of the peers' normalised values,
    else 50)."""
    values = {
        v.metric: v for v in MetricValue.objects.filter(run=card.run, distributor=card.distributor)
    }
    peers = Scorecard.objects.filter(run=card.run, tier_id=card.tier_id).values("distributor_id")
    peer_positions = dict(
        MetricValue.objects.filter(run=card.run, distributor_id__in=peers, normalised__isnull=False)
        .values_list("metric")
        .annotate(median=Median("normalised"))
        .order_by()
    )
    rows = []
    for metric in metric_list():
        value = values.get(metric.key)
        if value is None:
            continue
        position = peer_positions.get(metric.key)
        rows.append(
            {
                "metric": metric,
                "value": value,
                "peer_position": round(position, 1) if position is not None else 50.0,
            }
        )
    return rows


def scorecard_history(*, distributor):
    """[(as of, score, rank)] of the distributor over the published runs, oldest first."""
    return list(
        Scorecard.objects.filter(distributor=distributor, run__status=ScoringRun.Status.PUBLISHED)
        .order_by("run__as_of", "run__published_at")
        .values_list("run__as_of", "score", "rank")
    )


# --- runs and weights --------------------------------------------------------------------------


def run_list():
    return ScoringRun.objects.select_related("model", "triggered_by")


def run_active():
    return ScoringRun.objects.filter(status__in=ScoringRun.ACTIVE).select_related("model").first()


def model_versions():
    return ScoringModel.objects.select_related("created_by").prefetch_related("weight_rows")


# --- resources against revenue ------------------------------------------------------------------


def resources_list(*, run):
    """Per distributor of `run`: invested (denominator) and revenue (numerator) of the metric
    revenue_per_investment, with the ratio and the tier's peer median ratio; biggest invested
    first."""
    return (
        MetricValue.objects.filter(
            run=run, metric="revenue_per_investment", denominator__isnull=False
        )
        .select_related("distributor")
        .order_by("-denominator", "distributor__code")
    )


def resources_summary(*, run):
    return MetricValue.objects.filter(
        run=run, metric="revenue_per_investment", denominator__isnull=False
    ).aggregate(
        invested=Sum("denominator"),
        revenue=Sum("numerator"),
        median=Median("raw"),
        count=Count("pk"),
    )


# --- the manager's dashboard --------------------------------------------------------------------

ATTENTION_LIMIT = 10


def falling_distributors(*, runs=3):
    """Scorecards of the last run of distributors whose rank fell in each of the last `runs`."""
    run_ids = list(published_runs().values_list("pk", flat=True)[:runs])
    if len(run_ids) < runs:
        return Scorecard.objects.none()
    falling = (
        Scorecard.objects.filter(run_id__in=run_ids, rank_change__lt=0)
        .values("distributor_id")
        .annotate(times=Count("pk"))
        .filter(times=runs)
        .values("distributor_id")
    )
    return (
        Scorecard.objects.filter(run_id=run_ids[0], distributor_id__in=falling)
        .select_related("distributor")
        .order_by("rank_change", "rank")
    )


def dashboard(*, user):
    """What needs the manager's attention, and the channel's headline figures."""
    run = latest_run()
    context = {"run": run}
    if run is not None:
        cards = Scorecard.objects.filter(run=run)
        bottom = (
            cards.filter(percentile__lte=25).select_related("distributor").order_by("percentile")
        )
        context["bottom"] = list(bottom[:ATTENTION_LIMIT])
        context["bottom_count"] = bottom.count()
        falling = falling_distributors()
        context["falling"] = list(falling[:ATTENTION_LIMIT])
        context["falling_count"] = falling.count()
        context["buckets"] = score_buckets(cards)
        context["headline"] = {
            **cards.aggregate(ranked=Count("pk", filter=Q(score__isnull=False))),
            "median_score": cards.filter(score__isnull=False).aggregate(m=Median("score"))["m"],
            "revenue_t12m": MetricValue.objects.filter(
                run=run, metric=metric_get("revenue_t12m").key
            ).aggregate(total=Sum("raw"))["total"],
        }
    missed = (
        LandmarkReview.objects.visible_to(user)
        .filter(outcome=LandmarkReview.Outcome.MISSED, status=LandmarkReview.Status.OPEN)
        .select_related("goal", "goal__distributor", "landmark")
        .order_by("opened_at", "id")
    )
    context["missed"] = list(missed[:ATTENTION_LIMIT])
    context["missed_count"] = missed.count()
    context["overdue_leads"] = lead_list(visible_to=user, filters={"overdue": True}).count()
    at_risk = (
        Goal.objects.visible_to(user)
        .filter(at_risk=True)
        .select_related("distributor")
        .order_by("due", "id")
    )
    context["at_risk"] = list(at_risk[:ATTENTION_LIMIT])
    context["at_risk_count"] = at_risk.count()
    context["now"] = timezone.now()
    return context
