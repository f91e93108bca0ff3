"""Targets from potential against last year plus x %: which predicts next year's revenue better.

Over a world with four years of revenue up to last month (the goal world, bench/goal_world.py,
or the demo's), the last year is held out. The service's own code (goals.allocation) does what
it does on a plan page a year earlier:

- the weights are fitted on the three years before it (years 1 and 2's figures splitting year
  3's revenue, `fit_weights`), never seeing the held-out year;
- the plan is the channel's year 3 revenue plus `GROWTH`, shared between the distributors by
  their years 2 and 3 figures with those weights (`allocate`).

Against it, last year plus x %: each distributor's year 3 revenue × (1 + GROWTH); and, for
reference, the default weights (0.4 potential, 0.4 history, 0.2 peers) without a fit. Printed:
the mean absolute percentage error of each over the distributors with revenue in the held-out
year, and the median.
"""

import statistics
import time
from decimal import Decimal

from django.db import connection

GROWTH = Decimal("0.05")

YEARS_SQL = """
WITH bounds AS (
    SELECT max(r.month) AS last FROM distributors_revenuerecord r
    JOIN distributors_distributor d ON d.id = r.distributor_id AND {where}
)
SELECT d.id, coalesce(d.region, ''), coalesce(d.tier_id::text, ''),
    coalesce(d.market_potential, 0),
    {years},
    min(r.month) <= b.last - interval '47 months'
FROM distributors_distributor d
CROSS JOIN bounds b
JOIN distributors_revenuerecord r ON r.distributor_id = d.id AND r.reporting_amount IS NOT NULL
WHERE {where} AND d.status IN ('active', 'probation')
GROUP BY d.id, b.last
"""
YEARS = 4
YEAR_SQL = """coalesce(sum(r.reporting_amount) FILTER (
        WHERE r.month > b.last - interval '{end} months'
          AND r.month <= b.last - interval '{start} months'), 0)"""


def _years(where):
    with connection.cursor() as cursor:
        years = ",\n    ".join(
            YEAR_SQL.format(end=12 * (back + 1), start=12 * back)
            for back in range(YEARS - 1, -1, -1)
        )
        cursor.execute(YEARS_SQL.format(where=where, years=years))  # constants of the caller
        return cursor.fetchall()


def held_out(rows, growth=GROWTH):
    """{"distributors", "naive", "fitted", "default", medians, "weights"} for `rows`
    [(key, region, tier, potential, year 1, year 2, year 3, year 4)]; {} without them."""
    from goals.allocation import DEFAULT_WEIGHTS, Unit, allocate, bases, fit_weights

    if not rows:
        return {}

    def units(year):
        return [
            Unit(
                key=r[0],
                region=r[1],
                tier=r[2],
                potential=Decimal(r[3]),
                history=r[year],
                previous=r[year - 1],
            )
            for r in rows
        ]

    fit = fit_weights(units(5), {r[0]: r[6] for r in rows}, peers=units(5), minimum=1)
    last = units(6)
    plan = sum((u.history for u in last), Decimal(0)) * (1 + growth)
    fitted = allocate(plan, last, basis_list=bases(last, fit.weights)).shares
    default = allocate(plan, last, basis_list=bases(last, DEFAULT_WEIGHTS)).shares
    errors = {"naive": [], "fitted": [], "default": []}
    for r in rows:
        truth = r[7]
        if truth <= 0:
            continue
        errors["naive"].append(abs(r[6] * (1 + growth) - truth) / truth * 100)
        errors["fitted"].append(abs(fitted[r[0]] - truth) / truth * 100)
        errors["default"].append(abs(default[r[0]] - truth) / truth * 100)
    if not errors["naive"]:
        return {}
    result = {"distributors": len(errors["naive"]), "weights": fit.weights}
    for key, values in errors.items():
        result[key] = float(statistics.fmean(values))
        result[f"{key}_median"] = float(statistics.median(values))
    return result


def target_forecast(*, where=r"d.code ~ '^L[0-9]{5}$'", world="bench", log=print):
    """The held-out year's errors over the distributors `where` picks (SQL over `d`)."""
    started = time.perf_counter()
    rows = _years(where)
    if not rows or not any(r[-1] for r in rows):
        log(f"targets ({world} world): fewer than {YEARS} years of revenue to predict from")
        return {}
    result = held_out([r[:-1] for r in rows])
    if not result:
        log(f"targets ({world} world): no revenue in the held-out year")
        return {}
    weights = result["weights"]
    log(
        f"targets ({world} world), next year's revenue of {result['distributors']:,} "
        f"distributors (held-out year, plan = last year + {GROWTH:.0%}), mean absolute % error: "
        f"last year + {GROWTH:.0%} {result['naive']:.1f} % | potential-based, fitted weights "
        f"{result['fitted']:.1f} % | default weights {result['default']:.1f} %  (medians "
        f"{result['naive_median']:.1f} % | {result['fitted_median']:.1f} % | "
        f"{result['default_median']:.1f} %; weights fitted on the years before: potential "
        f"{weights['potential']}, history {weights['history']}, peers {weights['peers']}, "
        f"trend {weights['trend']}; "
        f"{time.perf_counter() - started:.1f} s)"
    )
    return {
        "distributors": result["distributors"],
        "mape_naive": result["naive"],
        "mape_potential": result["fitted"],
        "mape_default_weights": result["default"],
    }


def main():
    """`python bench/target_bench.py`: the held-out year of the database DATABASE_URL names
    (the demo's, made by the mixed load part), every distributor in it."""
    import os
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drm.settings")
    import django

    django.setup()
    target_forecast(where="true", world=os.environ.get("BENCH_WORLD", "demo"))


if __name__ == "__main__":
    main()
