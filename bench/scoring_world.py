"""The scoring bench's world: the lead world, the goal world, and what only scoring reads.

Every size follows `scale`: 10,000 distributors, 10,000,000 leads (with their events and rollups)
and 1,000,000 revenue rows at 1. The leads come from bench/lead_world.py and the revenue, goals
and landmarks from bench/goal_world.py; when the lead and goal benches have run in the same
database their rows are reused as they are. Added here, set-based inside Postgres
(`generate_series`, randomness from `hashint8extended`): investments (a dozen a distributor over
the 24 months), the reviews of the landmarks already past (on track or missed; some misses still
open), and the measured actual of the running goals, so every metric has data to rank.
"""

import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from goal_world import goal_world_build
from lead_world import _u, sizes, world_build, world_now

INVESTMENTS_PER_DISTRIBUTOR = 12
INVESTMENT_MONTHS = 24
KINDS = ("market_funds", "training_days", "demo_units", "leads_supplied", "manager_hours")


@dataclass
class ScoringWorld:
    distributors: int = 0
    leads: int = 0
    revenue_rows: int = 0
    investments: int = 0
    reviews: int = 0
    timings: dict = field(default_factory=dict)


def scoring_sizes(scale):
    """(distributors, leads, revenue rows, investments)."""
    from goal_world import goal_sizes

    distributors, leads = sizes(scale)
    revenue = goal_sizes(scale)[2]
    return distributors, leads, revenue, distributors * INVESTMENTS_PER_DISTRIBUTOR


def _investments(cursor, *, count, today, now):
    """A dozen investments a world distributor over the 24 months before `today` (one in each
    60 days), of every kind, bigger for the bigger distributors (small index)."""
    kinds = "ARRAY[" + ", ".join(f"'{k}'" for k in KINDS) + "]"
    step = INVESTMENT_MONTHS * 30 // INVESTMENTS_PER_DISTRIBUTOR  # one in each 60 days
    return _execute(
        cursor,
        f"""
        INSERT INTO distributors_investment (distributor_id, date, kind, amount, value, note,
            updated_at)
        SELECT d.id,
            %(today)s::date - (1 + mod(n, {INVESTMENTS_PER_DISTRIBUTOR}) * {step}
                + floor({step - 1} * {_u(21, "n")}))::int,
            ({kinds})[1 + mod(n, {len(KINDS)})::int],
            round((1 + 20 * {_u(22, "n")})::numeric, 2),
            round((500 + 20000 * power({_u(23, "n")}, 2)
                * (1.5 - substr(d.code, 2)::int::float8 / {count}))::numeric, 2),
            '', %(now)s
        FROM generate_series(0::bigint, {count * INVESTMENTS_PER_DISTRIBUTOR - 1}) AS n
        JOIN distributors_distributor d
            ON d.code = 'L' || lpad((n / {INVESTMENTS_PER_DISTRIBUTOR})::text, 5, '0')
        """,  # noqa: S608 - numbers and constants only
        {"today": today, "now": now},
    )


def _reviews(cursor, *, today, now):
    """The review of every landmark already past of the goals under way: on track or missed
    (two in five), the misses partly accounted for, the rest still open."""
    return _execute(
        cursor,
        f"""
        INSERT INTO goals_landmarkreview (landmark_id, goal_id, opened_at, early, expected,
            actual, outcome, status, cause, explanation, accounted_at, next_act, next_side)
        SELECT l.id, l.goal_id, l.date + interval '1 day', false, l.expected,
            round(l.expected * (0.7 + 0.5 * {_u(24, "l.id")})::numeric, 2),
            CASE WHEN {_u(25, "l.id")} < 0.4 THEN 'missed' ELSE 'on_track' END,
            CASE WHEN {_u(25, "l.id")} >= 0.4 THEN 'closed'
                WHEN {_u(26, "l.id")} < 0.5 THEN 'accounted' ELSE 'open' END,
            '', '',
            CASE WHEN {_u(25, "l.id")} < 0.4 AND {_u(26, "l.id")} < 0.5 THEN %(now)s END,
            '', ''
        FROM goals_landmark l JOIN goals_goal g ON g.id = l.goal_id
        WHERE l.date < %(today)s AND g.status IN ('active', 'achieved', 'missed')
        ON CONFLICT DO NOTHING
        """,  # noqa: S608 - numbers only
        {"today": today, "now": now},
    )


def _actuals(cursor):
    """The running goals' last measured actual, 60–130 % of the way to the target."""
    return _execute(
        cursor,
        f"""
        UPDATE goals_goal SET actual = round(baseline + (target - baseline)
            * (0.6 + 0.7 * {_u(27, "id")})::numeric, 2)
        WHERE status = 'active' AND level = 'distributor' AND actual IS NULL
        """,  # noqa: S608
    )


def _execute(cursor, sql, params=None):
    cursor.execute(sql, params or [])
    return cursor.rowcount


def scoring_world_build(*, scale, today=None, now=None, manager_id=None, bulk=True, log=print):
    """The lead and goal worlds at `scale` (built when absent, reused when there), then the
    investments, landmark reviews and goal actuals. `bulk` as in `lead_world.world_build`."""
    from distributors.models import Investment, RevenueRecord
    from leads.models import Lead, LeadRollup

    now = now or world_now()
    today = today or timezone.localdate(now)
    distributors, _leads, _revenue, investments = scoring_sizes(scale)
    world = ScoringWorld(distributors=distributors)
    timings = world.timings
    start = time.perf_counter()
    if not LeadRollup.objects.exists():
        world_build(scale=scale, now=now, manager_id=manager_id, bulk=bulk, log=log)
    timings["leads"] = time.perf_counter() - start
    step = time.perf_counter()
    if not RevenueRecord.objects.filter(distributor__code__startswith="L").exists():
        goal_world_build(scale=scale, today=today, manager_id=manager_id, log=log)
    timings["goals"] = time.perf_counter() - step
    step = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        if not Investment.objects.filter(distributor__code__startswith="L").exists():
            _investments(cursor, count=distributors, today=today, now=now)
        world.reviews = _reviews(cursor, today=today, now=now)
        # Their next act stored from the rule, as the services store it (one UPDATE).
        from goals.models import LandmarkReview

        LandmarkReview.objects.next_act_refresh()
        _actuals(cursor)
    with connection.cursor() as cursor:
        for table in ("distributors_investment", "goals_landmarkreview", "goals_goal"):
            cursor.execute(f"ANALYZE {table}")
    timings["scoring"] = time.perf_counter() - step
    world.leads = Lead.objects.count()
    world.revenue_rows = RevenueRecord.objects.count()
    world.investments = Investment.objects.count()
    timings["total"] = time.perf_counter() - start
    log(
        f"scoring world {world.distributors:,} distributors, {world.leads:,} leads, "
        f"{world.revenue_rows:,} revenue rows, {world.investments:,} investments "
        f"(of {investments:,} made here), {world.reviews:,} landmark reviews in "
        f"{timings['total']:.1f} s (leads {timings['leads']:.1f}, goals {timings['goals']:.1f}, "
        f"investments, reviews and actuals {timings['scoring']:.1f})"
    )
    return world
