"""Reads of scoring, always scoped to the viewer: the published run to read, its scorecards with
their metric values (one query for a whole page), a distributor's history and the ranking's rows
for a download."""

import statistics
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from distributors.models import Distributor
from drm import compiled
from drm.periods import complete_months
from goals import selectors as goal_selectors
from goals.models import Goal
from identity.access import viewer_key
from leads import analytics
from leads.selectors import leads_overdue_count, leads_overdue_url

from .freshness import notes, run_changes, run_computed_at
from .metrics import metric_get, metric_list, window
from .models import MetricValue, Scorecard, ScoringModel, ScoringRun
from .services import CURRENT_ORDER, latest_run

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
    """The run readers read: the current one (services.CURRENT_ORDER), or the last published
    with that as-of date; None when there is none."""
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


def scorecard_get(*, visible_to, code, run=None):
    """The scorecard of distributor `code` in `run` (default: the last published), or None (not
    there, or not the viewer's)."""
    run = run or latest_run()
    if run is None:
        return None

    def build(code):
        return (
            Scorecard.objects.visible_to(visible_to)
            .filter(run=run, distributor__code__caseless=code)
            .select_related("distributor", "tier", "run__model")
            .order_by("pk")
        )

    return compiled.first(("scoring.card", run.pk, viewer_key(visible_to)), build, code=code)


@dataclass(frozen=True)
class MetricLine:
    """One metric of a scorecard: the stored figures with the registry's words for them."""

    value: MetricValue
    key: str
    label: str
    direction: str
    unit: str
    explanation: str
    of: str | None = None  # a lead rate's denominator (leads.rates), None for other metrics

    def __getattr__(self, name):
        return getattr(self.value, name)


def metric_explanation(metric):
    return metric.explain()


def _line(value, metrics):
    metric = metrics.get(value.metric)
    if metric is None:
        # A metric retired since the run: its figures stay, without the registry's words.
        return MetricLine(value, value.metric, value.metric, "", "", "")
    explanation = metric_explanation(metric)
    if value.missing_rates:
        # The figure is short by what it could not price: it says so wherever it is read.
        explanation = f"{explanation} {value.missing_rates_note}"
    return MetricLine(
        value,
        metric.key,
        str(metric.label),
        metric.direction,
        metric.unit,
        explanation,
        metric.of,
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


# A distributor's scorecards over time: published runs only, oldest as-of first.
HISTORY_ORDER = ("run__as_of", "run__published_at", "run_id")


def _published_history(cards):
    return cards.filter(run__status=ScoringRun.Status.PUBLISHED).order_by(*HISTORY_ORDER)


def scorecard_history(*, visible_to, code):
    """Distributor `code`'s scorecards in every published run, oldest as-of first; None when
    the viewer may not see that distributor (a partner: another's code)."""
    if not Distributor.objects.visible_to(visible_to).filter(code__caseless=code).exists():
        return None
    cards = Scorecard.objects.visible_to(visible_to).filter(distributor__code__caseless=code)
    return _published_history(cards).select_related("run__model")


# A scorecard's own columns, in the order the API item and the ranking download give them.
RANKING_COLUMNS = (
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
    "rank_low",
    "rank_high",
    "top_quartile_probability",
    "bottom_quartile_probability",
)


# What a rate of counts adds to the downloads after its raw value (suffixes of the metric key).
ESTIMATE_COLUMNS = ("shrunk", "shrunk_low", "shrunk_high")


def estimate_headers():
    """The download's columns of every rate of counts: <metric>_shrunk, _shrunk_low, …"""
    return [f"{m.key}_{column}" for m in metric_list() if m.counts for column in ESTIMATE_COLUMNS]


def metric_figures(cards):
    """{(run id, distributor id): {metric: raw, "<metric>_shrunk": …, …}} of `cards` (one run's),
    read in one query: what the downloads give after the scorecard's own columns."""
    figures = defaultdict(dict)
    if cards:
        values = MetricValue.objects.filter(
            run_id__in={card.run_id for card in cards},
            distributor_id__in=[card.distributor_id for card in cards],
        ).values_list("run_id", "distributor_id", "metric", "raw", *ESTIMATE_COLUMNS)
        for run_id, distributor_id, metric, raw, *estimates in values:
            figure = figures[(run_id, distributor_id)]
            figure[metric] = raw
            for column, estimate in zip(ESTIMATE_COLUMNS, estimates, strict=True):
                figure[f"{metric}_{column}"] = estimate
    return figures


def ranking_rows(cards):
    """(headers, rows) of the ranking download: the scorecard's columns, then each metric's raw
    value, then each rate of counts' shrunk estimate and interval, read in one query for all
    `cards` (one run's)."""
    metrics = [m.key for m in metric_list()]
    estimates = estimate_headers()
    headers = [*RANKING_COLUMNS, *metrics, *estimates]
    cards = list(cards)
    raws = metric_figures(cards)
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
                card.rank_low,
                card.rank_high,
                card.top_quartile_probability,
                card.bottom_quartile_probability,
                *(raw.get(key) for key in metrics),
                *(raw.get(key) for key in estimates),
            ]
        )
    return headers, rows


# --- the pages: ranking, scorecard, runs, resources, the dashboard -----------------------------

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


def _median(values):
    """The median of a list of figures (None when empty): read once, in Python, so the pages run
    on any database (the demo's SQLite has no median aggregate)."""
    return statistics.median(values) if values else None


def published_runs():
    """Published runs, the current one first, then by as-of date: the order of history (a
    back-dated run takes its place by its date, not by when it was computed)."""
    return ScoringRun.objects.filter(status=ScoringRun.Status.PUBLISHED).order_by(*CURRENT_ORDER)


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


def rank_intervals_overlap(first, second):
    """Whether the data cannot tell two scorecards apart: both ranked, their rank intervals
    (90 %) overlap."""
    if first is None or second is None:
        return False
    if None in (first.rank_low, first.rank_high, second.rank_low, second.rank_high):
        return False
    return first.rank_low <= second.rank_high and second.rank_low <= first.rank_high


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
        .order_by(*HISTORY_ORDER)
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
    return _buckets_chart(_bucket_counts(cards))


def _bucket_counts(cards):
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
    return [counts[f"b{low}"] for low in range(0, 100, 10)]


def _buckets_chart(counts):
    return {
        "labels": [f"{low}–{low + 10}" for low in range(0, 100, 10)],
        "datasets": [{"label": _("Distributors"), "data": counts}],
    }


# --- one distributor ---------------------------------------------------------------------------


def scorecard_metrics(card):
    """The metric rows of a scorecard, in the registry's order, each with its metric and where
    the tier's peer median sits on the 0–100 scale (the median of the peers' normalised values,
    else 50)."""
    values = {
        v.metric: v for v in MetricValue.objects.filter(run=card.run, distributor=card.distributor)
    }
    peers = Scorecard.objects.filter(run=card.run, tier_id=card.tier_id).values("distributor_id")
    by_metric = defaultdict(list)
    for metric_key, normalised in MetricValue.objects.filter(
        run=card.run, distributor_id__in=peers, normalised__isnull=False
    ).values_list("metric", "normalised"):
        by_metric[metric_key].append(float(normalised))
    peer_positions = {key: _median(values) for key, values in by_metric.items()}
    rows = []
    for metric in metric_list():
        value = values.get(metric.key)
        if value is None:
            continue
        position = peer_positions.get(metric.key)
        rows.append(
            {
                "metric": metric,
                "explanation": metric.explain(),
                "value": value,
                "peer_position": round(position, 1) if position is not None else 50.0,
                **_rate_fractions(metric, value),
            }
        )
    return rows


def _rate_fractions(metric, value):
    """A lead rate's value and peer median as fractions, for the pages to write them as the
    lead pages do ("66% of handed over"): numerator ÷ denominator, as the funnel computes it."""
    if metric.of is None:
        return {}
    fraction = None
    if value.denominator:
        fraction = float(value.numerator) / float(value.denominator)
    median = None if value.peer_median is None else float(value.peer_median) / float(metric.scale)

    def share(figure):
        return None if figure is None else float(figure) / float(metric.scale)

    return {
        "rate_key": metric.rate.key,
        "fraction": fraction,
        "peer_fraction": median,
        "shrunk_fraction": share(value.shrunk),
        "low_fraction": share(value.shrunk_low),
        "high_fraction": share(value.shrunk_high),
        "prior_fraction": share(value.prior_mean),
    }


def score_history(*, distributor):
    """[(as of, score, rank)] of the distributor over the published runs, oldest first."""
    cards = Scorecard.objects.filter(distributor=distributor)
    return list(_published_history(cards).values_list("run__as_of", "score", "rank"))


# --- runs and weights --------------------------------------------------------------------------


def run_list():
    """Every run, newest first, each with `back_dated`: a run with a later as-of date was
    published before it, so it is (or, not yet published, will be) history that readers never
    see as the current ranking."""
    # One run at a time: a run is created only once the one before has finished, so the runs
    # published before a run are those with a smaller id (timestamps may tie).
    later_published_before = ScoringRun.objects.filter(
        status=ScoringRun.Status.PUBLISHED,
        as_of__gt=OuterRef("as_of"),
        pk__lt=OuterRef("pk"),
    )
    return ScoringRun.objects.select_related("model", "triggered_by").annotate(
        back_dated=Exists(later_published_before)
    )


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
    values = MetricValue.objects.filter(
        run=run, metric="revenue_per_investment", denominator__isnull=False
    )
    summary = values.aggregate(
        invested=Sum("denominator"), revenue=Sum("numerator"), count=Count("pk")
    )
    ratios = [float(raw) for raw in values.exclude(raw=None).values_list("raw", flat=True)]
    return {**summary, "median": _median(ratios)}


# --- which run, and what moved on since ---------------------------------------------------------


def run_freshness(run):
    """What a page showing `run`'s figures says about them: the run, its as-of date, the months
    it counts, when it was computed and published, and which live figures changed since
    (scoring.freshness: one query). None without a run."""
    if run is None:
        return None
    changes = list(run_changes(run))
    return {
        "run": run,
        "window": window(run.as_of),
        "computed_at": run_computed_at(run),
        "changes": changes,
        "notes": notes(changes),
    }


# --- the manager's dashboard --------------------------------------------------------------------

# The channel's lead rates the dashboard's headline gives, each linking to the channel's funnel
# over the same months (so the page it opens shows the same figure).
HEADLINE_RATES = ("acceptance", "dql_conversion")


def lead_headline(*, months):
    """The channel's HEADLINE_RATES over `months`, read as the channel's funnel page reads them
    (leads.analytics.funnel): the same figures, the same names and denominators."""
    funnel = analytics.funnel(period=months)
    figures = {figure["key"]: figure for figure in funnel["rate_figures"]}
    return {
        "months": months,
        "query": f"start={months.first:%Y-%m}&end={months.last:%Y-%m}",
        "rates": [figures[key] for key in HEADLINE_RATES],
    }


ATTENTION_LIMIT = 10


# The runs in a row a rank must have fallen in for the dashboard's "falling" list.
FALLING_RUNS = 3


def falling_distributors(*, runs=FALLING_RUNS, run_ids=None):
    """Scorecards of the last run of distributors whose rank fell in each of the last `runs`
    (`run_ids`: those runs' ids, newest first, when the caller has read them)."""
    if run_ids is None:
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


# A published run's scorecards and metric values never change (a run is written whole, then
# published): its figures are read once per run. The entry outlives a day's pages at most.
RUN_FIGURES_SECONDS = 24 * 60 * 60
BOTTOM_PERCENTILE = 25


def bottom_quartile(run):
    """The scorecards of `run` the data put in the bottom quartile with at least the probability
    SCORING_BOTTOM_QUARTILE_PROBABILITY (simulated from the rates' posteriors); of a run made
    before the probabilities were (none has one), those at percentile 25 or below."""
    cards = Scorecard.objects.filter(run=run)
    level = settings.SCORING_BOTTOM_QUARTILE_PROBABILITY
    return cards.filter(
        Q(bottom_quartile_probability__gte=level)
        | Q(bottom_quartile_probability__isnull=True, percentile__lte=BOTTOM_PERCENTILE)
    )


def run_figures(run):
    """The channel figures of published `run` the dashboard shows: {ranked, median_score,
    revenue_t12m, bottom_count (bottom_quartile), bottom_unsure (at percentile ≤ 25 but below
    the probability), buckets (counts per tenth of 0–100)}, read once per run and cached."""
    level = settings.SCORING_BOTTOM_QUARTILE_PROBABILITY
    key = f"scoring:run-figures:{run.pk}:{level}"
    figures = cache.get(key)
    if figures is None:
        cards = Scorecard.objects.filter(run=run)
        scores = cards.exclude(score=None).order_by().values_list("score", flat=True)
        figures = {
            "ranked": cards.filter(score__isnull=False).count(),
            "median_score": _median([float(score) for score in scores]),
            "revenue_t12m": MetricValue.objects.filter(
                run=run, metric=metric_get("revenue_t12m").key
            ).aggregate(total=Sum("raw"))["total"],
            "bottom_count": bottom_quartile(run).count(),
            "bottom_unsure": cards.filter(
                percentile__lte=BOTTOM_PERCENTILE, bottom_quartile_probability__lt=level
            ).count(),
            "buckets": _bucket_counts(cards),
        }
        cache.set(key, figures, RUN_FIGURES_SECONDS)
    return figures


def dashboard(*, user, todos_of_all=None):
    """What needs the manager's attention, and the channel's headline figures. `todos_of_all`:
    the page's "Waiting for you" when it is over all distributors, whose overdue leads are the
    headline's (counted once, not twice)."""
    run = latest_run()
    context = {"run": run, "freshness": run_freshness(run)}
    # Over the months the run counts (those before today without a run), so that the headline's
    # lead figures are the run's months beside its scores.
    context["lead_headline"] = lead_headline(
        months=window(run.as_of) if run is not None else complete_months(12)
    )
    if run is not None:
        figures = run_figures(run)
        level = settings.SCORING_BOTTOM_QUARTILE_PROBABILITY
        context["bottom"] = compiled.rows(
            ("scoring.dashboard.bottom", ATTENTION_LIMIT, level),
            lambda run: (
                bottom_quartile(run)
                .select_related("distributor")
                .order_by(F("bottom_quartile_probability").desc(nulls_last=True), "percentile")[
                    :ATTENTION_LIMIT
                ]
            ),
            run=run,
        )
        context["bottom_count"] = figures["bottom_count"]
        # Ranked in the bottom quartile, but the data cannot say they belong there.
        context["bottom_unsure"] = figures["bottom_unsure"]
        context["bottom_level"] = round(settings.SCORING_BOTTOM_QUARTILE_PROBABILITY * 100)
        run_ids = compiled.rows(
            ("scoring.dashboard.runs", FALLING_RUNS),
            lambda: published_runs().values_list("pk", flat=True)[:FALLING_RUNS],
        )

        def falling(run_ids):
            return falling_distributors(runs=FALLING_RUNS, run_ids=run_ids)

        context["falling"] = compiled.rows(
            ("scoring.dashboard.falling", ATTENTION_LIMIT),
            lambda run_ids: falling(run_ids)[:ATTENTION_LIMIT],
            run_ids=run_ids,
        )
        context["falling_count"] = compiled.count(
            "scoring.dashboard.falling", falling, run_ids=run_ids
        )
        context["buckets"] = _buckets_chart(figures["buckets"])
        context["headline"] = {
            key: figures[key] for key in ("ranked", "median_score", "revenue_t12m")
        }
    # Each list and count from SQL compiled once per viewer (drm.compiled).
    viewer = viewer_key(user)

    # The review queue's own filter, so that its link lists exactly the count.
    def missed():
        return goal_selectors.reviews_missed_not_accounted(user).order_by("opened_at", "id")

    context["missed"] = compiled.rows(
        ("scoring.dashboard.missed", viewer, ATTENTION_LIMIT),
        lambda: missed()[:ATTENTION_LIMIT],
    )
    context["missed_count"] = compiled.count(("scoring.dashboard.missed", viewer), missed)
    context["missed_url"] = goal_selectors.reviews_missed_not_accounted_url()
    # The whole channel's, as the other figures; the link lists exactly the counted leads.
    if todos_of_all is None:
        context["overdue_leads"] = leads_overdue_count(user=user, scope="all")
    else:  # an item with nothing waiting is left out of the list
        context["overdue_leads"] = next(
            (todo.count for todo in todos_of_all if todo.key == "leads_overdue"), 0
        )
    context["overdue_leads_url"] = leads_overdue_url(user=user, scope="all")

    def at_risk():
        return (
            Goal.objects.visible_to(user)
            .filter(at_risk=True)
            .select_related("distributor", "product_line", "customer_category", "territory")
            .order_by("due", "id")
        )

    context["at_risk"] = compiled.rows(
        ("scoring.dashboard.at-risk", viewer, ATTENTION_LIMIT),
        lambda: at_risk()[:ATTENTION_LIMIT],
    )
    context["at_risk_count"] = compiled.count(("scoring.dashboard.at-risk", viewer), at_risk)
    context["now"] = timezone.now()
    return context
