"""Scoring writes: model versions (weights), triggering a run (one at a time), the recompute
itself, and publishing its snapshot.

The recompute reads one aggregate per metric (`scoring.metrics`), normalises the aggregated frame
with pandas (percentile within each metric's cohort, peer medians per tier), writes the run's
scorecards and metric values under the run's id, then publishes in one short transaction.
Readers read the current run: the published run with the latest as-of date (of runs with the same
date, the one published last), so a run that dies halfway shows nothing, and a back-dated
recompute is history that never replaces the current ranking. A run that dies halfway is cleaned
by its next attempt, which starts again. The same as-of date and model give the same figures.
"""

import csv
import functools
import io
import itertools
import logging
import time
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from distributors.models import Distributor, RevenueRecord
from drm import events
from drm.errors import Conflict, NotAllowed, ValidationFailed
from drm.events import emit
from drm.formats import long_date
from drm.limits import text_check
from drm.periods import current_month, month_start
from drm.task_policy import is_transient
from identity.access import is_manufacturer
from leads.models import Lead

from . import shrinkage
from .metrics import HIGHER, metric_list, shared_reads
from .models import (
    MetricValue,
    RateEstimate,
    Scorecard,
    ScoringModel,
    ScoringRun,
    ScoringWeight,
)

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
WRITE_BATCH = 5000
# Distributors ranked: those the manufacturer works with (not onboarding, not terminated).
RANKED_STATUSES = ("active", "probation")


def _q(value, places=CENT):
    # value != value: NaN, the one value unequal to itself (pd.isna() on each of the run's
    # 1.3 million figures cost a second).
    if value is None or value != value:
        return None
    return Decimal(str(value)).quantize(places, rounding=ROUND_HALF_UP)


# --- model versions ----------------------------------------------------------------------------


def scoring_model_current():
    """The newest version of the weights; the first is made from the metrics' defaults."""
    model = ScoringModel.objects.prefetch_related("weight_rows").order_by("-version").first()
    if model is None:
        model = _model_create(
            {m.key: m.default_weight for m in metric_list()}, by=None, note="defaults"
        )
    return model


@transaction.atomic
def _model_create(weights, *, by, note="", rate_estimate=RateEstimate.SHRUNK):
    last = ScoringModel.objects.select_for_update().order_by("-version").first()
    model = ScoringModel.objects.create(
        version=(last.version + 1) if last else 1,
        created_by=by,
        note=note,
        rate_estimate=rate_estimate,
    )
    ScoringWeight.objects.bulk_create(
        ScoringWeight(model=model, metric=key, weight=weight) for key, weight in weights.items()
    )
    return model


def scoring_model_publish(*, weights, by, note="", rate_estimate=None):
    """New weights, or a new choice of the rates scored (`rate_estimate`, a RateEstimate; None
    keeps the current one), make a new version (older runs keep theirs); who and when are
    kept."""
    if not is_manufacturer(by):
        raise NotAllowed(_("Only the manufacturer's staff set the scoring weights."))
    text_check(ScoringModel, "note", note or "")
    known = {m.key for m in metric_list()}
    cleaned = {}
    for key, weight in weights.items():
        if key not in known:
            raise ValidationFailed(_("Unknown metric."), field=key)
        try:
            weight = Decimal(str(weight))
        except ArithmeticError:
            raise ValidationFailed(_("A weight is a number."), field=key) from None
        if weight < 0 or weight > 100:
            raise ValidationFailed(_("A weight runs from 0 to 100."), field=key)
        cleaned[key] = weight.quantize(CENT)
    missing = known - set(cleaned)
    model = scoring_model_current()
    current = model.weights
    for key in missing:
        cleaned[key] = current.get(key, Decimal(0))
    if not any(cleaned.values()):
        raise ValidationFailed(_("At least one metric needs a weight above zero."))
    rate_estimate = rate_estimate or model.rate_estimate
    if rate_estimate not in RateEstimate.values:
        raise ValidationFailed(_("Rates are scored raw or shrunk."), field="rate_estimate")
    if cleaned == current and rate_estimate == model.rate_estimate:
        raise ValidationFailed(_("The weights have not changed."))
    return _model_create(cleaned, by=by, note=note, rate_estimate=rate_estimate)


# --- triggering a run --------------------------------------------------------------------------


def data_first_month():
    """The first month of the data the portal holds (revenue reported or leads), or None."""
    firsts = [RevenueRecord.objects.aggregate(first=Min("month"))["first"]]
    first_lead = Lead.objects.aggregate(first=Min("created_at"))["first"]
    if first_lead is not None:
        firsts.append(month_start(timezone.localtime(first_lead).date()))
    firsts = [first for first in firsts if first is not None]
    return min(firsts) if firsts else None


def scoring_as_of_check(as_of=None):
    """The as-of date of a run (default: today), if a run may be computed as of it: from the
    first month of data the portal holds to today (with no data yet, from the running month).

    A run as of a day before any data ranked everyone on nothing, and once published it was
    read as the ranking; so any other date is refused, naming `as_of`."""
    today = timezone.localdate()
    as_of = as_of or today
    first = data_first_month() or current_month()
    if not first <= as_of <= today:
        raise ValidationFailed(
            _(
                "A run is as of a day from %(first)s (the first month of data the portal holds) "
                "to today, %(today)s."
            )
            % {"first": long_date(first), "today": long_date(today)},
            field="as_of",
        )
    return as_of


def scoring_run_create(*, as_of=None, by=None):
    """A queued run for `as_of` (default: today) with the current weights, not yet enqueued.

    `as_of` lies within the data's range (scoring_as_of_check). Only one run at a time: while
    one is queued or running, another is refused (the database holds the rule: a partial unique
    index).
    """
    if by is not None and not is_manufacturer(by):
        raise NotAllowed(_("Only the manufacturer's staff start a scoring run."))
    as_of = scoring_as_of_check(as_of)
    model = scoring_model_current()
    try:
        with transaction.atomic():
            return ScoringRun.objects.create(
                as_of=as_of, model=model, triggered_by=by, rate_estimate=model.rate_estimate
            )
    except IntegrityError:
        active = ScoringRun.objects.filter(status__in=ScoringRun.ACTIVE).first()
        raise Conflict(
            _("A scoring run is already under way (as of %(as_of)s); wait for it to finish.")
            % {"as_of": active.as_of if active else "?"},
            field="status",
        ) from None


def scoring_run_trigger(*, as_of=None, by=None):
    """Queue a run (see scoring_run_create) and enqueue its computation after commit."""
    run = scoring_run_create(as_of=as_of, by=by)
    from .tasks import scoring_run_task

    transaction.on_commit(lambda: scoring_run_task.delay(run.pk))
    return run


# --- the recompute -----------------------------------------------------------------------------


def _stage(run, name, started):
    run.timings = {**run.timings, name: round(time.monotonic() - started, 3)}


def scoring_run_nightly():
    """Tonight's run: queued, unless one for today is under way (Conflict) or already published
    (returned as it is: a second delivery of the nightly job queues nothing)."""
    done = ScoringRun.objects.filter(
        as_of=timezone.localdate(), triggered_by=None, status=ScoringRun.Status.PUBLISHED
    ).first()
    return done or scoring_run_trigger()


def scoring_run_fail(*, run_id, message):
    """Mark a run that is still under way failed (its task gave up) and drop what its attempts
    wrote, so that no half-written run stays behind; a finished run is kept."""
    with transaction.atomic():
        failed = ScoringRun.objects.filter(pk=run_id, status__in=ScoringRun.ACTIVE).update(
            status=ScoringRun.Status.FAILED,
            active=None,
            error=str(message)[:500],
            finished_at=timezone.now(),
        )
        if failed:
            MetricValue.objects.filter(run_id=run_id).delete()
            Scorecard.objects.filter(run_id=run_id).delete()
    return failed


def scoring_run_execute(run_id, *, retry_coming=False):
    """Compute and publish run `run_id` (idempotent: a finished run is left alone; a run a
    killed worker left behind is cleaned and computed again).

    On an error the run is marked failed, unless the error is transient and `retry_coming`
    (the task will try again): then it stays running for the next attempt to clean and redo."""
    with transaction.atomic():
        run = ScoringRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status not in ScoringRun.ACTIVE:
            return None
        run.status = ScoringRun.Status.RUNNING
        run.attempts += 1
        run.started_at = timezone.now()
        run.stage = "cleaning"
        run.timings = {}
        run.save(update_fields=["status", "attempts", "started_at", "stage", "timings"])
    try:
        # What an earlier attempt of this run wrote before it died.
        MetricValue.objects.filter(run_id=run.pk).delete()
        Scorecard.objects.filter(run_id=run.pk).delete()
        frame, cards = scoring_compute(run)
        _write(run, frame, cards)
        _publish(run)
    except Exception as exc:
        if retry_coming and is_transient(exc):
            log.warning("scoring run %s: %r; another attempt follows", run.pk, exc)
            raise
        log.exception("scoring run %s failed", run.pk)
        scoring_run_fail(
            run_id=run.pk,
            message=_("The run failed; see the server log (%(kind)s).")
            % {"kind": type(exc).__name__},
        )
        raise
    scoring_runs_prune()
    return run


def _progress(run, stage):
    run.stage = stage
    ScoringRun.objects.filter(pk=run.pk).update(stage=stage, timings=run.timings)


def _text(value):
    return None if value is None else str(value)


def _records(metric, inputs):
    """(distributor, metric, raw, numerator, denominator, missing rates) of each figure; the
    numerator and denominator as text, exact (sums of money are Decimals) and a tenth of the
    memory in the frame (120,000 Decimal objects each, 27 MB at the full-size world, against
    pandas' packed strings), written as they are by the COPY."""
    records = []
    for distributor_id, figures in inputs.items():
        # A metric that converts currencies adds how many figures it left out for want of a
        # rate.
        numerator, denominator, *missing_rates = figures
        raw = metric.raw(numerator, denominator)
        records.append(
            (
                distributor_id,
                metric.key,
                float(raw) if raw is not None else None,
                _text(numerator),
                _text(denominator),
                missing_rates[0] if missing_rates else None,
            )
        )
    return records


def scoring_compute(run):
    """(metric frame, scorecard frame) for `run`: one aggregate per metric (a read several
    metrics share made once: metrics.shared_reads), then pandas."""
    as_of = run.as_of
    weights = {key: Decimal(w) for key, w in run.model.weights.items()}
    distributors = pd.DataFrame.from_records(
        Distributor.objects.filter(status__in=RANKED_STATUSES).values_list(
            "id", "tier_id", "region"
        ),
        columns=["distributor_id", "tier_id", "region"],
    )
    started = time.monotonic()
    records = []
    metrics = metric_list()
    with shared_reads():
        for index, metric in enumerate(metrics, start=1):
            _progress(run, f"metrics {index}/{len(metrics)}")
            records += _records(metric, metric.inputs(as_of))
    _stage(run, "metrics", started)
    started = time.monotonic()
    _progress(run, "normalise")
    values = pd.DataFrame.from_records(
        records,
        columns=["distributor_id", "metric", "raw", "numerator", "denominator", "missing_rates"],
    )
    # The tuples' memory serves the frames that follow (the run's peak is in them).
    del records
    frame = _normalise(distributors, values, metrics, weights, rate_estimate=run.rate_estimate)
    del values  # the frame holds what the run needs of it
    cards = _scorecards(distributors, frame, run)
    _stage(run, "normalise", started)
    started = time.monotonic()
    _progress(run, "uncertainty")
    cards = _rank_uncertainty(frame, cards, metrics)
    _stage(run, "uncertainty", started)
    return frame, cards


def _normalise(distributors, values, metrics, weights, *, rate_estimate=RateEstimate.SHRUNK):
    """Every (distributor, metric) with its percentile in the metric's cohort (those with data),
    its tier's peer median, weight and contribution; a rate of counts also with its shrunk
    estimate and interval (scoring.shrinkage), which places it when `rate_estimate` says so."""
    grid = distributors.merge(pd.DataFrame({"metric": [m.key for m in metrics]}), how="cross")
    frame = grid.merge(values, on=["distributor_id", "metric"], how="left")
    del grid
    shrinkage.frame_estimates(frame, metrics, min_peers=settings.SCORING_SHRINKAGE_MIN_PEERS)
    frame["normalised"] = float("nan")
    shrunk = rate_estimate == RateEstimate.SHRUNK
    for metric in metrics:
        rows = (frame["metric"] == metric.key) & frame["raw"].notna()
        cohort = frame.loc[rows, "shrunk" if shrunk and metric.counts else "raw"]
        if cohort.empty:
            continue
        if len(cohort) == 1:
            frame.loc[rows, "normalised"] = 100.0
            continue
        ranks = cohort.rank(method="average", ascending=metric.direction == HIGHER)
        frame.loc[rows, "normalised"] = (ranks - 1) / (len(cohort) - 1) * 100
    frame["peer_median"] = frame.groupby(["metric", "tier_id"])["raw"].transform("median")
    frame["weight"] = frame["metric"].map(lambda key: float(weights.get(key, 0)))
    with_data = frame["normalised"].notna() & (frame["weight"] > 0)
    weight_with_data = (
        frame["weight"].where(with_data, 0).groupby(frame["distributor_id"]).transform("sum")
    )
    frame["contribution"] = (frame["weight"] * frame["normalised"] / weight_with_data).where(
        with_data
    )
    return frame


def _rank(scores, group=None):
    """Competition ranks (ties share the best rank), highest score first; NaN stays unranked."""
    if group is None:
        return scores.rank(method="min", ascending=False)
    return scores.groupby(group).rank(method="min", ascending=False)


def _scorecards(distributors, frame, run):
    scored = frame.groupby("distributor_id")["contribution"].sum(min_count=1).rename("score")
    cards = distributors.set_index("distributor_id").join(scored).reset_index()
    cards["score"] = cards["score"].round(2)
    cards["rank"] = _rank(cards["score"])
    cards["rank_in_tier"] = _rank(cards["score"], cards["tier_id"])
    cards["rank_in_region"] = _rank(cards["score"], cards["region"])
    ranked = cards["score"].notna().sum()
    # The share of ranked distributors this one scores at or above (ties share it).
    below = cards["score"].rank(method="max", ascending=True)
    cards["percentile"] = ((below - 1) / max(ranked - 1, 1) * 100).where(cards["score"].notna())
    previous = (
        ScoringRun.objects.filter(status=ScoringRun.Status.PUBLISHED, as_of__lte=run.as_of)
        .exclude(pk=run.pk)
        .order_by("-as_of", "-published_at")
        .first()
    )
    if previous is not None:
        before = pd.DataFrame.from_records(
            Scorecard.objects.filter(run=previous).values_list("distributor_id", "rank", "score"),
            columns=["distributor_id", "previous_rank", "previous_score"],
        )
        cards = cards.merge(before, on="distributor_id", how="left")
        cards["rank_change"] = cards["previous_rank"] - cards["rank"]
        cards["score_change"] = cards["score"] - cards["previous_score"].astype(float)
    else:
        cards["rank_change"] = float("nan")
        cards["score_change"] = float("nan")
    return cards


def _rank_uncertainty(frame, cards, metrics):
    """The cards with their rank interval and the chances of the top and bottom quartile,
    simulated from the rates' posteriors (scoring.shrinkage.score_draws)."""
    order = cards["distributor_id"].to_numpy()
    figures = shrinkage.rank_uncertainty(shrinkage.score_draws(frame, order, metrics))
    cards["rank_low"] = figures["rank_low"]
    cards["rank_high"] = figures["rank_high"]
    cards["top_quartile_probability"] = figures["top"]
    cards["bottom_quartile_probability"] = figures["bottom"]
    return cards


def _int(value):
    return None if pd.isna(value) else int(value)


FOUR_PLACES = Decimal("0.0001")
PROBABILITY = Decimal("0.001")
METRIC_VALUE_COLUMNS = (
    "run_id",
    "distributor_id",
    "metric",
    "raw",
    "numerator",
    "denominator",
    "peer_median",
    "normalised",
    "weight",
    "contribution",
    "missing_rates",
    "shrunk",
    "shrunk_low",
    "shrunk_high",
    "prior_mean",
)


def _metric_value_rows(run, frame):
    for row in frame.itertuples(index=False):
        yield (
            run.pk,
            int(row.distributor_id),
            row.metric,
            _q(row.raw, FOUR_PLACES),
            _q(row.numerator),
            _q(row.denominator),
            _q(row.peer_median, FOUR_PLACES),
            _q(row.normalised),
            _q(row.weight),
            _q(row.contribution),
            _int(row.missing_rates),
            _q(row.shrunk, FOUR_PLACES),
            _q(row.shrunk_low, FOUR_PLACES),
            _q(row.shrunk_high, FOUR_PLACES),
            _q(row.prior_mean, FOUR_PLACES),
        )


COPY_ROWS = 10_000
NULL = "\\N"


def _copy(model, columns, rows):
    """Insert `rows` (tuples of `columns`' values): a COPY per COPY_ROWS rows on Postgres (a
    model instance per row cost four fifths of the run at 10,000 distributors, and the CSV of
    all 120,000 metric values held at once was its peak memory), bulk_create elsewhere (the
    demo). Rows of a run that dies halfway are of a run not published, which the next attempt
    deletes first."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            (model(**dict(zip(columns, values, strict=True))) for values in rows),
            batch_size=WRITE_BATCH,
        )
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(columns)
    rows = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(itertools.islice(rows, COPY_ROWS)):
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for values in chunk:
                # NULL is \N, so that an empty string (a blank region) stays one.
                writer.writerow([NULL if value is None else value for value in values])
            buffer.seek(0)
            # Through Django's execute wrappers, as every other statement: what watches the
            # database (a fault injected in the tests, instrumentation) sees the COPY too.
            cursor._execute_with_wrappers(
                f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')",  # noqa: S608
                None,
                False,
                functools.partial(_copy_from, buffer),
            )


def _copy_from(buffer, sql, params, many, context):
    """Run COPY … FROM STDIN `sql` with `buffer`; the driver's errors become Django's (a
    dropped connection an OperationalError, which the task retries)."""
    with context["connection"].wrap_database_errors:
        return context["cursor"].cursor.copy_expert(sql, buffer)


# The scorecard's columns, as the model declares them (its id aside): _scorecard_rows gives
# their values in this order.
SCORECARD_COLUMNS = tuple(
    field.attname for field in Scorecard._meta.concrete_fields if not field.primary_key
)


def _scorecard_rows(run, cards):
    for row in cards.itertuples(index=False):
        yield (
            run.pk,
            int(row.distributor_id),
            int(row.tier_id),
            row.region or "",
            _q(row.score),
            _int(row.rank),
            _int(row.rank_in_tier),
            _int(row.rank_in_region),
            _q(row.percentile),
            _int(row.rank_change),
            _q(row.score_change),
            _int(row.rank_low),
            _int(row.rank_high),
            _q(row.top_quartile_probability, PROBABILITY),
            _q(row.bottom_quartile_probability, PROBABILITY),
        )


def _write(run, frame, cards):
    started = time.monotonic()
    _progress(run, "write")
    _copy(MetricValue, METRIC_VALUE_COLUMNS, _metric_value_rows(run, frame))
    _copy(Scorecard, SCORECARD_COLUMNS, _scorecard_rows(run, cards))
    run.counts = {
        "distributors": len(cards),
        "ranked": int(cards["score"].notna().sum()),
        "scorecards": len(cards),
        "metric_values": len(frame),
    }
    _stage(run, "write", started)


def _run_event(run, published_at):
    """scorecard.published is a channel event (the manufacturer's subscriptions only): the run,
    its day and its counts; the scorecards themselves are read from the API."""
    return {
        "run_id": run.pk,
        "as_of": run.as_of.isoformat(),
        "published_at": published_at.isoformat(),
        "counts": run.counts,
    }


@transaction.atomic
def _publish(run):
    """One short transaction: the run is published; it becomes the one readers read unless a
    run with a later as-of date is published already (then it is history: back-dated)."""
    started = time.monotonic()
    locked = ScoringRun.objects.select_for_update().get(pk=run.pk)
    if locked.status != ScoringRun.Status.RUNNING:
        return
    _stage(run, "publish", started)
    back_dated = ScoringRun.objects.filter(
        status=ScoringRun.Status.PUBLISHED, as_of__gt=run.as_of
    ).exists()
    now = timezone.now()
    ScoringRun.objects.filter(pk=run.pk).update(
        status=ScoringRun.Status.PUBLISHED,
        active=None,
        stage="",
        published_at=now,
        finished_at=now,
        timings=run.timings,
        counts=run.counts,
    )
    emit(events.SCORECARD_PUBLISHED.name, distributor_id=None, data=_run_event(run, now))
    if back_dated:
        # The current run stays current: its cached copy, and the API answers cached under it,
        # stay right and are kept.
        return
    _latest_run_forget()
    transaction.on_commit(_latest_run_forget)


def scoring_runs_prune():
    """Drop published runs older than SCORING_RETENTION_DAYS (the current one always stays)."""
    cutoff = timezone.now() - timezone.timedelta(days=settings.SCORING_RETENTION_DAYS)
    current = (
        ScoringRun.objects.filter(status=ScoringRun.Status.PUBLISHED)
        .order_by(*CURRENT_ORDER)
        .values_list("pk", flat=True)
        .first()
    )
    old = (
        ScoringRun.objects.filter(created_at__lt=cutoff)
        .exclude(pk=current)
        .exclude(status__in=ScoringRun.ACTIVE)
    )
    return old.delete()[0]


# Which published run is the current one, the one readers read: the latest as-of date, and of
# runs with the same date the one published last. Ordered by publication instead, a recompute
# as of an earlier day (or of 1900) would replace the ranking everyone reads.
CURRENT_ORDER = ("-as_of", "-published_at", "-id")

# The current run, as every scorecard read asks for it first, kept in the cache between
# publications: publishing a run that becomes current forgets it (at once, and again after its
# commit, so that a reader caught between the two cannot keep the old one); a back-dated
# publication leaves it; it lives LATEST_RUN_SECONDS at most.
LATEST_RUN_KEY = "scoring:latest-run"
LATEST_RUN_SECONDS = 60
NO_RUN = "none"


def _latest_run_forget():
    cache.delete(LATEST_RUN_KEY)


def latest_run():
    """The current run (see CURRENT_ORDER), or None."""
    run = cache.get(LATEST_RUN_KEY)
    if run is None:
        run = (
            ScoringRun.objects.filter(status=ScoringRun.Status.PUBLISHED)
            .select_related("model")
            .order_by(*CURRENT_ORDER)
            .first()
        ) or NO_RUN
        cache.add(LATEST_RUN_KEY, run, LATEST_RUN_SECONDS)
    return None if run == NO_RUN else run
