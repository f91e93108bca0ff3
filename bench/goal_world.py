"""Goals over a channel, generated inside Postgres for the goal bench.

Every size follows `scale`: 10,000 distributors, 50,000 goals (five each: revenue, units,
margin_pct, growth_pct, dql_conversion) with four landmarks each, and about 1,000,000 revenue
rows over 48 months at 1 (960,000: two product lines a distributor). The distributors are the
lead world's (`L00000`…, bench/lead_world.py): when the lead bench has run in the same database
they are there already, otherwise they are made the same way. Rows come from set-based
`INSERT … SELECT` over `generate_series`, randomness from `hashint8extended`, so a world is the
same on every run.

The goals run over the calendar year of `today` (baselines from the year before, targets 5–20 %
above), most of them active, the rest agreed, proposed, in draft or closed; two team goals of the
manager (revenue, units) have the revenue goals aligned under them.

A distributor's revenue is what its territory allows: its market potential (the lead world's)
× its own penetration (persistent, ±40 % around 17 %) × its own growth (−5 % to +10 % a year)
× a shock of its year (±25 %, a good or a bad year that does not last) × the season × a
month's noise. The target bench (target_bench.py) predicts the last of the four years.
"""

import datetime
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from lead_world import COUNTRIES, _distributors, _reference_data, _u, sizes

GOALS_PER_DISTRIBUTOR = 5
# (metric, unit, baseline SQL over the revenue aggregate `r`, target SQL from the baseline `b`)
METRICS = (
    ("revenue", "EUR", "amount", "round(b * (1.05 + 0.15 * u::numeric), -2)"),
    ("units", "units", "units", "round(b * (1.05 + 0.15 * u::numeric))"),
    (
        "margin_pct",
        "%",
        "round(margin * 100 / nullif(amount, 0), 2)",
        "round(b + 1 + 2 * u::numeric, 2)",
    ),
    ("growth_pct", "%", "round(5 + 10 * u::numeric, 2)", "round(b + 3 + 5 * u::numeric, 2)"),
    ("dql_conversion", "%", "round(25 + 20 * u::numeric, 2)", "round(b + 2 + 4 * u::numeric, 2)"),
)
MONTHS = 48
LANDMARKS = 4
# The revenue of a distributor's territory: potential × penetration (PENETRATION × 0.6–1.4).
PENETRATION = 0.17
# A year's passing shock: revenue × (1 ± YEAR_SHOCK), uniform.
YEAR_SHOCK = 0.25


@dataclass
class GoalWorld:
    distributors: int = 0
    goals: int = 0
    landmarks: int = 0
    revenue_rows: int = 0
    timings: dict = field(default_factory=dict)
    big_distributor_code: str = ""


def goal_sizes(scale):
    """(distributors, goals, revenue rows): 10,000, 50,000 and 960,000 at scale 1 (the
    1,000,000 asked for, in whole years of whole product lines: 2 × 48 months a distributor)."""
    distributors, _leads = sizes(scale)
    lines = max(1, round(1_000_000 * scale / distributors / MONTHS))
    return distributors, distributors * GOALS_PER_DISTRIBUTOR, distributors * MONTHS * lines


def _world_distributors(cursor, *, count, now):
    """The lead world's distributors (made here when the lead bench has not run), as the
    temporary table bench_goal_distributor (idx, id, currency)."""
    cursor.execute(
        "SELECT count(*) FROM distributors_distributor WHERE code ~ '^L[0-9]{5}$' "
        "AND substr(code, 2)::int < %s",
        [count],
    )
    if cursor.fetchone()[0] < count:
        tiers, lines, _sources = _reference_data(cursor, now)
        _distributors(
            cursor, per_country=count // len(COUNTRIES), tiers=tiers, lines=lines, now=now
        )
        cursor.execute("DROP TABLE IF EXISTS bench_world_distributor")
    cursor.execute("DROP TABLE IF EXISTS bench_goal_distributor")
    cursor.execute(
        f"""
        CREATE UNLOGGED TABLE bench_goal_distributor AS
        SELECT substr(code, 2)::int AS idx, id, currency FROM distributors_distributor
        WHERE code ~ '^L[0-9]{{5}}$' AND substr(code, 2)::int < {count}
        """  # noqa: S608 - a number
    )
    cursor.execute("CREATE UNIQUE INDEX ON bench_goal_distributor (idx)")
    cursor.execute("ANALYZE bench_goal_distributor")


def _revenue(cursor, *, rows, distributors, lines, last_month, now):
    """`rows` revenue rows: each distributor reports `rows / distributors` (month, line) pairs
    over the MONTHS up to `last_month`, priced at rate 1 (reported in the reporting currency).
    A month's amount is the territory's (see the module's docstring), split between lines."""
    per = rows // distributors
    reported = min(per // MONTHS, len(lines))
    line_ids = "ARRAY[" + ", ".join(str(i) for i in lines) + "]::bigint[]"
    return _execute(
        cursor,
        f"""
        INSERT INTO distributors_revenuerecord (distributor_id, month, product_line_id,
            customer_category_id, currency, amount, units, margin, rate, rate_month,
            reporting_amount, updated_at)
        SELECT d.id, x.month, ({line_ids})[1 + x.line], NULL, 'EUR', x.amount,
            greatest(1, round(x.amount / 900))::int,
            round(x.amount * (0.18 + 0.16 * x.u_m)::numeric, 2),
            1, x.month, x.amount, %(now)s
        FROM (
            SELECT y.idx, y.line, y.month, round((
                coalesce(p.market_potential, 50000)::float8 / 12 / {reported}
                * {PENETRATION} * (0.6 + 0.8 * {_u(1, "y.idx")})
                * power(0.95 + 0.15 * {_u(2, "y.idx")}, y.back::float8 / -12)
                * (1 - {YEAR_SHOCK} + 2 * {YEAR_SHOCK} * {_u(5, "y.idx * 8 + y.back / 12")})
                * (1 + 0.15 * cos(y.back * 0.5236))
                * (0.85 + 0.3 * {_u(3, "y.n")})
            )::numeric, 2) AS amount, {_u(4, "y.n")} AS u_m
            FROM (
                SELECT n, n / {per} AS idx, mod(n, {per}) / {MONTHS} AS line,
                    mod(mod(n, {per}), {MONTHS}) AS back,
                    (date %(last)s - interval '1 month' * mod(mod(n, {per}), {MONTHS}))::date
                        AS month
                FROM generate_series(0::bigint, {per * distributors - 1}) AS n
            ) y
            JOIN bench_goal_distributor w ON w.idx = y.idx
            JOIN distributors_distributor p ON p.id = w.id
            WHERE y.line < {reported}
        ) x
        JOIN bench_goal_distributor d ON d.idx = x.idx
        ON CONFLICT DO NOTHING
        """,  # noqa: S608 - numbers and ids only
        {"now": now, "last": last_month},
    )


def _execute(cursor, sql, params=None):
    cursor.execute(sql, params or [])
    return cursor.rowcount


def _goals(cursor, *, year, manager_id, now):
    """Two team goals, then five goals per distributor with their baselines from last year's
    revenue; returns the number of distributor goals."""
    start, due = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    base_start, base_end = datetime.date(year - 1, 1, 1), datetime.date(year - 1, 12, 31)
    common = {"start": start, "due": due, "bs": base_start, "be": base_end, "now": now}
    columns = (
        "level, parent_id, distributor_id, owner_id, subtitle, description, metric, "
        "product_line_id, territory_id, customer_category_id, baseline, baseline_start, "
        "baseline_end, target, unit, start, due, exciting, status, proposed_by_side, "
        "smart_acknowledgements, at_risk, closed_reason, landmark_rule, team_basis, "
        "payout_currency, created_at, updated_at"
    )
    team_ids = {}
    for metric, unit in (("revenue", "EUR"), ("units", "units")):
        cursor.execute(
            f"""
            INSERT INTO goals_goal ({columns})
            SELECT 'team', NULL, NULL, %(owner)s, 'Channel ' || %(metric)s || ' in ' || %(year)s,
                '', %(metric)s, NULL, NULL, NULL, b, %(bs)s, %(be)s, round(b * 1.1), %(unit)s,
                %(start)s, %(due)s, '', 'active', '', '[]'::jsonb, false, '', 'linear', 'channel',
                '', %(now)s, %(now)s
            FROM (SELECT coalesce(sum(CASE WHEN %(metric)s = 'revenue' THEN reporting_amount
                    ELSE units END), 0) AS b
                FROM distributors_revenuerecord
                WHERE month BETWEEN %(bs)s AND %(be)s AND rate IS NOT NULL) r
            RETURNING id
            """,  # noqa: S608
            {**common, "owner": manager_id, "metric": metric, "unit": unit, "year": str(year)},
        )
        team_ids[metric] = cursor.fetchone()[0]
    cases = " ".join(
        f"WHEN {i} THEN {baseline}" for i, (_m, _u, baseline, _t) in enumerate(METRICS)
    )
    targets = " ".join(f"WHEN {i} THEN {target}" for i, (_m, _u, _b, target) in enumerate(METRICS))
    names = "ARRAY[" + ", ".join(f"'{m}'" for m, *_ in METRICS) + "]"
    # A literal % doubles: the statement goes through the driver's parameter formatting.
    units = "ARRAY[" + ", ".join(f"'{unit}'".replace("%", "%%") for _m, unit, *_ in METRICS) + "]"
    # Statuses: 70 % active, 10 % agreed, 8 % proposed, 7 % draft, 5 % closed.
    status = (
        f"CASE WHEN {_u(7, 'g.n')} < 0.70 THEN 'active' WHEN {_u(7, 'g.n')} < 0.80 THEN 'agreed' "
        f"WHEN {_u(7, 'g.n')} < 0.88 THEN 'proposed' WHEN {_u(7, 'g.n')} < 0.95 THEN 'draft' "
        "ELSE 'closed' END"
    )
    return _execute(
        cursor,
        f"""
        INSERT INTO goals_goal ({columns})
        SELECT 'distributor',
            CASE g.k WHEN 0 THEN %(team_revenue)s WHEN 1 THEN %(team_units)s END,
            g.id, NULL, initcap(replace(({names})[1 + g.k], '_', ' ')) || ' goal ' || g.idx,
            '', ({names})[1 + g.k], NULL, NULL, NULL, g.b, %(bs)s, %(be)s, g.t,
            ({units})[1 + g.k], %(start)s, %(due)s, '', g.status,
            CASE WHEN g.status = 'draft' THEN '' ELSE 'manufacturer' END, '[]'::jsonb, false,
            CASE WHEN g.status = 'closed' THEN 'Replaced by a new plan.' ELSE '' END,
            'linear', '', '', %(now)s, %(now)s
        FROM (
            SELECT y.*, coalesce(CASE y.k {targets} END, 0) AS t
            FROM (
                SELECT x.*, coalesce(CASE x.k {cases} END, 0) AS b
                FROM (
                    SELECT d.idx, d.id, k, r.amount, r.units, r.margin,
                        {_u(8, f"d.idx * {GOALS_PER_DISTRIBUTOR} + k")} AS u,
                        {status.replace("g.n", f"(d.idx * {GOALS_PER_DISTRIBUTOR} + k)")} AS status
                    FROM bench_goal_distributor d
                    CROSS JOIN generate_series(0, {GOALS_PER_DISTRIBUTOR - 1}) AS k
                    LEFT JOIN (
                        SELECT distributor_id, sum(reporting_amount) AS amount,
                            sum(units) AS units, sum(margin * rate) AS margin
                        FROM distributors_revenuerecord
                        WHERE month BETWEEN %(bs)s AND %(be)s AND rate IS NOT NULL
                        GROUP BY distributor_id
                    ) r ON r.distributor_id = d.id
                ) x
            ) y
        ) g
        ORDER BY g.idx, g.k
        """,  # noqa: S608 - module constants only
        {**common, "team_revenue": team_ids["revenue"], "team_units": team_ids["units"]},
    )


def _landmarks(cursor, *, year):
    """Quarter ends: cumulative shares of the target for sums, steps from the baseline for
    percentages."""
    return _execute(
        cursor,
        f"""
        INSERT INTO goals_landmark (goal_id, date, expected, note)
        SELECT g.id, (make_date({year}, 3 * q, 1) + interval '1 month' - interval '1 day')::date,
            CASE WHEN g.metric IN ('revenue', 'units') THEN round(g.target * q / 4, 2)
                ELSE round(g.baseline + (g.target - g.baseline) * q / 4, 2) END,
            ''
        FROM goals_goal g CROSS JOIN generate_series(1, {LANDMARKS}) AS q
        WHERE g.due = make_date({year}, 12, 31)
        ON CONFLICT DO NOTHING
        """,  # noqa: S608 - a number
    )


def goal_world_build(*, scale, today=None, manager_id=None, log=print):
    """Generate the goal world at `scale`: distributors (reused), revenue, goals, landmarks."""
    from distributors.models import ProductLine

    today = today or timezone.localdate()
    now = timezone.now()
    distributors, _goals_count, rows = goal_sizes(scale)
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    world = GoalWorld(distributors=distributors)
    timings = world.timings
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            raise RuntimeError("the goal world is generated by Postgres")
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
        _world_distributors(cursor, count=distributors, now=now)
        timings["distributors"] = time.perf_counter() - start
        step = time.perf_counter()
        lines = list(
            ProductLine.objects.filter(code__startswith="line-")
            .order_by("code")
            .values_list("pk", flat=True)
        )
        world.revenue_rows = _revenue(
            cursor,
            rows=rows,
            distributors=distributors,
            lines=lines,
            last_month=last_month,
            now=now,
        )
        timings["revenue"] = time.perf_counter() - step
        step = time.perf_counter()
        world.goals = _goals(cursor, year=today.year, manager_id=manager_id, now=now)
        world.landmarks = _landmarks(cursor, year=today.year)
        timings["goals"] = time.perf_counter() - step
        cursor.execute(
            "SELECT d.code FROM bench_goal_distributor w JOIN distributors_distributor d "
            "ON d.id = w.id ORDER BY w.idx LIMIT 1"
        )
        world.big_distributor_code = cursor.fetchone()[0]
        cursor.execute("DROP TABLE bench_goal_distributor")
    step = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("distributors_revenuerecord", "goals_goal", "goals_landmark"):
            cursor.execute(f"ANALYZE {table}")
    timings["analyze"] = time.perf_counter() - step
    timings["total"] = time.perf_counter() - start
    log(
        f"goal world {world.distributors:,} distributors, {world.goals:,} goals (+2 team goals), "
        f"{world.landmarks:,} landmarks, {world.revenue_rows:,} revenue rows in "
        f"{timings['total']:.1f} s (distributors {timings['distributors']:.1f}, revenue "
        f"{timings['revenue']:.1f}, goals and landmarks {timings['goals']:.1f}, analyze "
        f"{timings['analyze']:.1f})"
    )
    return world
