"""Targets from potential against last year plus x %: which predicts next year's revenue better.

Over the goal world (bench/goal_world.py: 24 months of revenue up to last month), the first 12
months are the history and the last 12 the held-out year. Both methods share the same plan, the
channel's history plus `GROWTH`:

- last year plus x %: each distributor's history × (1 + GROWTH);
- potential-based (goals.allocation): the plan × 0.4 · potential share + 0.4 · history share +
  0.2 · peers' share (potential × the median penetration, history / potential, of its tier).

The mean absolute percentage error of each against the held-out year (distributors with revenue
in it), side by side. Computed set-based in one statement; the tier median here includes the
distributor itself (the service leaves it out), a difference of one in hundreds of peers.
"""

import time

from django.db import connection

GROWTH = 0.05

FORECAST_SQL = """
WITH bounds AS (
    SELECT max(month) AS last FROM distributors_revenuerecord r
    JOIN distributors_distributor d ON d.id = r.distributor_id AND d.code ~ '^L[0-9]{5}$'
),
years AS (
    SELECT r.distributor_id AS id,
        sum(r.reporting_amount) FILTER (
            WHERE r.month <= b.last - interval '12 months'
              AND r.month > b.last - interval '24 months') AS history,
        sum(r.reporting_amount) FILTER (WHERE r.month > b.last - interval '12 months') AS actual
    FROM distributors_revenuerecord r CROSS JOIN bounds b
    WHERE r.reporting_amount IS NOT NULL
    GROUP BY r.distributor_id
),
units AS (
    SELECT d.id, d.tier_id, coalesce(d.market_potential, 0) AS potential,
        coalesce(y.history, 0) AS history, y.actual
    FROM distributors_distributor d JOIN years y ON y.id = d.id
    WHERE d.code ~ '^L[0-9]{5}$' AND d.status IN ('active', 'probation')
),
tier_penetration AS (
    SELECT tier_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY history / potential) AS median
    FROM units WHERE potential > 0 GROUP BY tier_id
),
estimates AS (
    SELECT u.*, u.potential * coalesce(t.median, 0) AS peers
    FROM units u LEFT JOIN tier_penetration t USING (tier_id)
),
totals AS (
    SELECT sum(potential) AS potential, sum(history) AS history, sum(peers) AS peers
    FROM estimates
),
predictions AS (
    SELECT e.actual,
        e.history * (1 + %(growth)s) AS naive,
        t.history * (1 + %(growth)s) * (
            0.4 * e.potential / nullif(t.potential, 0)
            + 0.4 * e.history / nullif(t.history, 0)
            + 0.2 * e.peers / nullif(t.peers, 0)
        ) AS blended
    FROM estimates e CROSS JOIN totals t
)
SELECT count(*),
    avg(abs(naive - actual) / actual) * 100,
    avg(abs(blended - actual) / actual) * 100,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(naive - actual) / actual) * 100,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(blended - actual) / actual) * 100
FROM predictions WHERE actual > 0
"""


def target_forecast(*, log=print):
    """{"distributors", "mape_naive", "mape_potential"}: the held-out year's errors."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(FORECAST_SQL, {"growth": GROWTH})
        count, naive, blended, naive_median, blended_median = cursor.fetchone()
    elapsed = time.perf_counter() - started
    if not count:
        log("targets: no held-out year of revenue to predict")
        return {}
    log(
        f"targets, next year's revenue of {count:,} distributors (held-out year, plan = "
        f"history + {GROWTH:.0%}), mean absolute % error: last year + {GROWTH:.0%} "
        f"{naive:.1f} % | potential-based {blended:.1f} %  (medians {naive_median:.1f} % | "
        f"{blended_median:.1f} %; {elapsed:.1f} s)"
    )
    return {
        "distributors": count,
        "mape_naive": float(naive),
        "mape_potential": float(blended),
    }
