"""Reads of scoring, always scoped to the viewer: the published run to read, its scorecards with
their metric values (one query for a whole page), a distributor's history and the ranking's rows
for a download."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F

from distributors.models import Distributor

from .metrics import metric_list
from .models import MetricValue, Scorecard, ScoringRun
from .services import latest_run

# The orderings a caller may ask for; ties and the unranked (no score) come last, by code.
ORDERINGS = {
    "rank": (F("rank").asc(nulls_last=True), "distributor__code"),
    "-rank": (F("rank").desc(nulls_last=True), "distributor__code"),
    "score": (F("score").asc(nulls_last=True), "distributor__code"),
    "-score": (F("score").desc(nulls_last=True), "distributor__code"),
    "rank_in_tier": (
        "tier__rank",
        F("rank_in_tier").asc(nulls_last=True),
        "distributor__code",
    ),
    "distributor": ("distributor__code",),
}
DEFAULT_ORDERING = "rank"


def published_run(*, as_of=None):
    """The run readers read: the last published one, or the last published with that as-of
    date; None when there is none."""
    if as_of is None:
        return latest_run()
    return (
        ScoringRun.objects.filter(status=ScoringRun.Status.PUBLISHED, as_of=as_of)
        .select_related("model")
        .order_by("-published_at", "-id")
        .first()
    )


def scorecard_list(*, visible_to, run, filters=None, ordering=DEFAULT_ORDERING):
    """The scorecards of `run` that `visible_to` may see (a partner: its own), filtered by
    `tier` (a Tier) and `region`, in one of ORDERINGS."""
    filters = filters or {}
    cards = Scorecard.objects.visible_to(visible_to).filter(run=run)
    if filters.get("tier") is not None:
        cards = cards.filter(tier=filters["tier"])
    if filters.get("region"):
        cards = cards.filter(region__iexact=filters["region"])
    return cards.select_related("distributor", "tier", "run__model").order_by(*ORDERINGS[ordering])


def scorecard_get(*, visible_to, run, code):
    """The scorecard of distributor `code` in `run`, or None (not there, or not the viewer's)."""
    return (
        Scorecard.objects.visible_to(visible_to)
        .filter(run=run, distributor__code=code)
        .select_related("distributor", "tier", "run__model")
        .first()
    )


@dataclass(frozen=True)
class MetricLine:
    """One metric of a scorecard: the stored figures with the registry's words for them."""

    value: MetricValue
    key: str
    label: str
    direction: str
    unit: str
    explanation: str

    def __getattr__(self, name):
        return getattr(self.value, name)


def metric_explanation(metric):
    return metric.explain()


def _line(value, metrics):
    metric = metrics.get(value.metric)
    if metric is None:
        # A metric retired since the run: its figures stay, without the registry's words.
        return MetricLine(value, value.metric, value.metric, "", "", "")
    return MetricLine(
        value,
        metric.key,
        str(metric.label),
        metric.direction,
        metric.unit,
        metric_explanation(metric),
    )


def scorecards_with_metrics(cards):
    """Attach `metric_lines` (registry order) to each scorecard of `cards` (one run's), reading
    the metric values of all of them in one query."""
    cards = list(cards)
    if not cards:
        return cards
    metrics = {m.key: m for m in metric_list()}
    order = {key: index for index, key in enumerate(metrics)}
    by_distributor = defaultdict(list)
    run_ids = {card.run_id for card in cards}
    values = MetricValue.objects.filter(
        run_id__in=run_ids, distributor_id__in=[card.distributor_id for card in cards]
    )
    for value in values:
        by_distributor[(value.run_id, value.distributor_id)].append(value)
    for card in cards:
        rows = sorted(
            by_distributor[(card.run_id, card.distributor_id)],
            key=lambda v: (order.get(v.metric, len(order)), v.metric),
        )
        card.metric_lines = [_line(value, metrics) for value in rows]
    return cards


def scorecard_history(*, visible_to, code):
    """Distributor `code`'s scorecards in every published run, oldest as-of first; None when
    the viewer may not see that distributor (a partner: another's code)."""
    if not Distributor.objects.visible_to(visible_to).filter(code=code).exists():
        return None
    return (
        Scorecard.objects.visible_to(visible_to)
        .filter(distributor__code=code, run__status=ScoringRun.Status.PUBLISHED)
        .select_related("run__model")
        .order_by("run__as_of", "run__published_at", "run_id")
    )


def ranking_rows(cards):
    """(headers, rows) of the ranking download: the scorecard's columns, then each metric's raw
    value, read in one query for all `cards` (one run's)."""
    metrics = [m.key for m in metric_list()]
    headers = [
        "distributor",
        "name",
        "tier",
        "region",
        "score",
        "rank",
        "rank_in_tier",
        "rank_in_region",
        "percentile",
        "rank_change",
        *metrics,
    ]
    cards = list(cards)
    raws = defaultdict(dict)
    if cards:
        values = MetricValue.objects.filter(
            run_id__in={card.run_id for card in cards},
            distributor_id__in=[card.distributor_id for card in cards],
        ).values_list("run_id", "distributor_id", "metric", "raw")
        for run_id, distributor_id, metric, raw in values:
            raws[(run_id, distributor_id)][metric] = raw
    rows = []
    for card in cards:
        raw = raws[(card.run_id, card.distributor_id)]
        rows.append(
            [
                card.distributor.code,
                card.distributor.name,
                card.tier.code,
                card.region,
                card.score,
                card.rank,
                card.rank_in_tier,
                card.rank_in_region,
                card.percentile,
                card.rank_change,
                *(raw.get(key) for key in metrics),
            ]
        )
    return headers, rows
