"""The scoring part of `make bench`: the full recompute against a bare SQL floor.

- the world (scoring_world): 10,000 distributors, 10,000,000 leads and 1,000,000 revenue rows
  (× SCALE), with investments, landmark reviews and goal actuals, generated inside Postgres;
- the recompute, `services.scoring_run_trigger` + `services.scoring_run_execute`, in a child
  process (its peak RSS, VmHWM, is the worker's), with the run's own stage timings;
- the floor in the same run: one bare SQL aggregate over the same revenue, lead, event and
  investment rows computing the raw figures per distributor (revenue of the 12 months and the
  12 before, leads handed over, accepted, DQL, late, won value in the reporting currency with
  the rate of its month, investments), read from the base tables rather than the rollups; and,
  for scale, the same figures from the rollups;
- the naive way: a Python loop over 200 distributors asking every metric for that distributor
  alone through the ORM, with the time projected to all of them;
- the ranking recovery of the fair rates (scoring.shrinkage): the bench world draws each lead's
  fate by itself, with no true rate per distributor, so a channel is generated with the world's
  own counts (each ranked distributor's leads handed over in the run) and true acceptance rates
  drawn from a Beta; the Spearman correlation of the raw and of the shrunk rates with the true
  ones, averaged over RECOVERY_DRAWS channels, `ranking recovery: raw X, shrunk Y`;
- the API load run (api_load): /api/v1/scorecards/ served by gunicorn under locust against a
  bare DRF endpoint, `scorecards/bare throughput ratio: X.XX`.
Prints `recompute/floor ratio: X.XX` last.
"""

import json
import os
import subprocess
import sys
import time

from api_load import api_load_bench
from scoring_world import scoring_world_build

RATIO_TARGET = 1.5
RECOVERY_DRAWS = 20
RSS_TARGET_MB = 300
NAIVE_DISTRIBUTORS = 200


def child_recompute():
    """Run in a fresh process (Django set up): trigger and execute one run; print JSON."""
    from run import peak_rss_mb

    from scoring import services, tasks
    from scoring.models import ScoringRun

    tasks.scoring_run_task.delay = lambda run_id: None  # executed and timed right here
    figures = {"rss_before_mb": peak_rss_mb()}
    start = time.perf_counter()
    run = services.scoring_run_trigger()
    figures["trigger_s"] = time.perf_counter() - start
    step = time.perf_counter()
    services.scoring_run_execute(run.pk)
    figures["execute_s"] = time.perf_counter() - step
    figures["total_s"] = time.perf_counter() - start
    run = ScoringRun.objects.get(pk=run.pk)
    figures.update(
        run_id=run.pk,
        status=run.status,
        stages=run.timings,
        counts=run.counts,
        peak_rss_mb=peak_rss_mb(),
    )
    print(json.dumps(figures))


def _recompute(run_py, log):
    command = [sys.executable, run_py, "--child-scoring"]
    if os.environ.get("BENCH_PROFILE"):
        command[1:1] = ["-m", "cProfile", "-s", os.environ.get("BENCH_PROFILE_SORT", "cumtime")]
    result = subprocess.run(
        command, capture_output=True, text=True, env=os.environ.copy(), check=False
    )
    if result.returncode:
        log(result.stdout[-4000:], result.stderr[-4000:])
        raise SystemExit("the scoring child failed")
    if os.environ.get("BENCH_PROFILE"):
        log(result.stdout[:12000])
    return json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))


FLOOR_SQL = """
    WITH revenue AS (
        SELECT distributor_id AS d,
            sum(reporting_amount) FILTER (WHERE month >= %(first)s) AS t12m,
            sum(reporting_amount) FILTER (WHERE month < %(first)s) AS before
        FROM distributors_revenuerecord
        WHERE rate IS NOT NULL AND month >= %(before)s AND month < %(end)s
        GROUP BY distributor_id
    ),
    events AS (
        SELECT distributor_id AS d,
            count(*) FILTER (WHERE to_status = 'assigned') AS assigned,
            count(*) FILTER (WHERE to_status = 'accepted') AS accepted,
            count(*) FILTER (WHERE to_status = 'dql') AS dql,
            count(*) FILTER (WHERE late) AS late
        FROM leads_leadevent
        WHERE distributor_id IS NOT NULL
            AND at >= %(first)s::timestamp AT TIME ZONE %(tz)s
            AND at < %(end)s::timestamp AT TIME ZONE %(tz)s
        GROUP BY distributor_id
    ),
    won_sums AS (
        SELECT distributor_id AS d, currency AS c,
            (date_trunc('month', closed_at AT TIME ZONE %(tz)s))::date AS m,
            sum(won_value) AS value
        FROM leads_lead
        WHERE status = 'won' AND distributor_id IS NOT NULL
            AND closed_at >= %(first)s::timestamp AT TIME ZONE %(tz)s
            AND closed_at < %(end)s::timestamp AT TIME ZONE %(tz)s
        GROUP BY 1, 2, 3
    ),
    won_rates AS (
        SELECT p.c, p.m, CASE WHEN p.c = %(reporting)s THEN 1 ELSE (
            SELECT r.rate FROM distributors_exchangerate r
            WHERE r.currency = p.c AND r.month <= p.m ORDER BY r.month DESC LIMIT 1) END AS rate
        FROM (SELECT DISTINCT c, m FROM won_sums) p
    ),
    won AS (
        -- In the reporting currency with the rate of the month won; no rate: left out.
        SELECT w.d, round(sum(w.value * r.rate), 2) AS value
        FROM won_sums w JOIN won_rates r ON r.c = w.c AND r.m = w.m
        GROUP BY w.d
    ),
    invested AS (
        SELECT distributor_id AS d, sum(value) AS value
        FROM distributors_investment
        WHERE date >= %(first)s AND date < %(end)s
        GROUP BY distributor_id
    )
    SELECT x.id, r.t12m, r.before, e.assigned, e.accepted, e.dql, e.late, w.value, i.value
    FROM distributors_distributor x
    LEFT JOIN revenue r ON r.d = x.id
    LEFT JOIN events e ON e.d = x.id
    LEFT JOIN won w ON w.d = x.id
    LEFT JOIN invested i ON i.d = x.id
    WHERE x.status IN ('active', 'probation')
"""

ROLLUP_FLOOR_SQL = """
    SELECT distributor_id, stage, currency, sum(count), sum(total)
    FROM leads_leadrollup
    WHERE grain = 1 AND month >= %(first)s AND month < %(end)s
        AND stage IN ('assigned', 'accepted', 'dql', 'late', 'won')
    GROUP BY distributor_id, stage, currency
"""


def _window_params(as_of):
    from django.conf import settings

    from drm.periods import complete_months

    window = complete_months(12, on=as_of)
    before = complete_months(12, on=window.first)
    return {
        "first": window.first,
        "end": window.end,
        "before": before.first,
        "tz": settings.TIME_ZONE,
        "reporting": settings.REPORTING_CURRENCY,
    }


def floor(as_of):
    """(rows, seconds) of the bare aggregate over the base tables."""
    from django.db import connection

    params = _window_params(as_of)
    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(FLOOR_SQL, params)
        rows = cursor.fetchall()
        elapsed = time.perf_counter() - start
    return rows, elapsed


def rollup_floor(as_of):
    """Seconds to read the lead figures from the rollups (what the recompute reads)."""
    from django.db import connection

    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(ROLLUP_FLOOR_SQL, _window_params(as_of))
        cursor.fetchall()
        return time.perf_counter() - start


def _check_figures(run_id, rows, log):
    """The run's raw inputs against the floor's: the same revenue and lead counts."""
    from decimal import Decimal

    from django.db.models import Sum

    from scoring.models import MetricValue

    def run_sum(metric, column):
        value = MetricValue.objects.filter(run_id=run_id, metric=metric).aggregate(
            total=Sum(column)
        )["total"]
        return Decimal(value or 0)

    floor_revenue = sum((r[1] or 0) for r in rows)
    floor_assigned = sum((r[3] or 0) for r in rows if r[3])
    floor_won = sum((r[7] or 0) for r in rows)
    checks = {
        "revenue t12m": (run_sum("revenue_t12m", "numerator"), Decimal(floor_revenue)),
        "leads handed over": (run_sum("acceptance_rate", "denominator"), Decimal(floor_assigned)),
        "won value": (run_sum("won_from_leads", "numerator"), Decimal(floor_won)),
    }
    for label, (run_value, floor_value) in checks.items():
        verdict = "same" if abs(run_value - floor_value) < 1 else "DIFFERENT"
        log(f"figures  {label}: run {run_value:,.0f}, floor {floor_value:,.0f} [{verdict}]")
    return checks


def ranking_recovery(run_id, log):
    """(raw, shrunk) mean Spearman correlations with the true rates, over generated channels
    with the run's own lead counts (see the module's docstring)."""
    import numpy as np

    from scoring import shrinkage
    from scoring.models import MetricValue

    trials = np.array(
        [
            float(n)
            for n in MetricValue.objects.filter(
                run_id=run_id, metric="acceptance_rate", denominator__gt=0
            ).values_list("denominator", flat=True)
        ]
    )
    if len(trials) < 3:
        log("recovery too few distributors with leads to measure")
        return None, None
    rng = np.random.default_rng(23)
    raw, shrunk = [], []
    for _ in range(RECOVERY_DRAWS):
        truth = rng.beta(6.0, 4.0, len(trials))
        successes = rng.binomial(trials.astype(int), truth)
        estimates = shrinkage.rate_estimates(
            successes, trials, shrinkage.prior_fit(successes, trials)
        )
        raw.append(shrinkage.spearman(estimates["raw"], truth))
        shrunk.append(shrinkage.spearman(estimates["shrunk"], truth))
    log(
        f"recovery {len(trials):,} distributors with the run's lead counts (median "
        f"{np.median(trials):.0f} handed over, fewest {trials.min():.0f}), true acceptance from "
        f"Beta(6, 4), {RECOVERY_DRAWS} channels: Spearman with the true rates, raw "
        f"{np.mean(raw):.4f}, shrunk {np.mean(shrunk):.4f}"
    )
    log(f"ranking recovery: raw {np.mean(raw):.4f}, shrunk {np.mean(shrunk):.4f}")
    return float(np.mean(raw)), float(np.mean(shrunk))


def naive(as_of, count, log):
    """A loop over `NAIVE_DISTRIBUTORS` distributors, every metric asked for one distributor at
    a time through the ORM; (seconds, projected seconds for `count`)."""
    from distributors.models import Distributor
    from scoring.metrics import metric_list

    ids = list(
        Distributor.objects.filter(status__in=("active", "probation"))
        .order_by("code")
        .values_list("pk", flat=True)[:NAIVE_DISTRIBUTORS]
    )
    metrics = metric_list()
    start = time.perf_counter()
    figures = {}
    for distributor_id in ids:
        for metric in metrics:
            inputs = metric.inputs(as_of, distributor_ids=[distributor_id])
            if distributor_id in inputs:
                # (numerator, denominator[, figures left out for want of a rate])
                numerator, denominator, *_missing = inputs[distributor_id]
                figures[(distributor_id, metric.key)] = metric.raw(numerator, denominator)
    elapsed = time.perf_counter() - start
    projected = elapsed / max(len(ids), 1) * count
    log(
        f"naive    a loop over {len(ids)} distributors, {len(metrics)} metric queries each "
        f"through the ORM: {elapsed:.1f} s ({elapsed * 1000 / max(len(ids), 1):.1f} ms a "
        f"distributor; {len(figures):,} figures, before normalising and writing); "
        f"projected for all {count:,}: {projected:.0f} s"
    )
    return elapsed, projected


def scoring_bench(*, scale, manager, run_py, log=print):
    """The whole scoring part; returns {name: figure} for the summary."""
    from django.utils import timezone

    from distributors.models import Distributor

    started = time.perf_counter()
    today = timezone.localdate()
    world = scoring_world_build(scale=scale, today=today, manager_id=manager.pk, log=log)
    ranked = Distributor.objects.filter(status__in=("active", "probation")).count()
    figures = _recompute(run_py, log)
    stages = ", ".join(f"{k} {v:.2f}" for k, v in figures["stages"].items())
    log(
        f"recompute {figures['counts'].get('scorecards', 0):,} scorecards, "
        f"{figures['counts'].get('metric_values', 0):,} metric values ({ranked:,} ranked "
        f"distributors): {figures['total_s']:.2f} s (trigger {figures['trigger_s']:.2f}; "
        f"{stages}), {figures['status']}, peak RSS {figures['peak_rss_mb']:.0f} MB "
        f"(after start-up {figures['rss_before_mb']:.0f} MB; target ≤ {RSS_TARGET_MB} MB)"
    )
    rows, floor_s = floor(today)
    rollup_s = rollup_floor(today)
    log(
        f"floor    one bare SQL aggregate over revenue, leads, events and investments "
        f"({len(rows):,} distributors): {floor_s:.2f} s; the lead figures from the rollups "
        f"instead: {rollup_s:.2f} s"
    )
    _check_figures(figures["run_id"], rows, log)
    recovery_raw, recovery_shrunk = ranking_recovery(figures["run_id"], log)
    naive_s, projected_s = naive(today, ranked, log)
    load = api_load_bench(manager=manager, log=log)
    ratio = figures["total_s"] / floor_s
    log(f"scoring part: {time.perf_counter() - started:.0f} s")
    log(f"recompute/floor ratio: {ratio:.2f}")
    return {
        "world": world,
        "recompute_s": figures["total_s"],
        "floor_s": floor_s,
        "ratio": ratio,
        "peak_rss_mb": figures["peak_rss_mb"],
        "naive_projected_s": projected_s,
        "recovery_raw": recovery_raw,
        "recovery_shrunk": recovery_shrunk,
        "api_load": load,
    }
