"""The scoring bench's world: the lead world, the goal world, and what only scoring reads.

Every size follows `scale`: 10,000 distributors, 10,000,000 leads (with their events and rollups)
and 1,000,000 revenue rows at 1. The leads come from bench/lead_world.py and the revenue, goals
and landmarks from bench/goal_world.py; when the lead and goal benches have run in the same
database their rows are reused as they are. Added here, set-based inside Postgres
(`generate_series`, randomness from `hashint8extended`): investments (a dozen a distributor over
the 24 months), the reviews of the landmarks already past (on track or missed; some misses still
open), the measured actual of the running goals, and a paid trade show for one distributor in
ten with its impact estimate (the nightly job's own), so every metric has data to rank.
"""

import datetime
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from goal_world import goal_world_build
from lead_world import _u, sizes, world_build, world_now

# One world distributor in this many ran a paid trade show (the impact estimates' treatments).
ACTIVITY_EVERY = 10
ACTIVITY_FUND = "Bench co-op"
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
    activities: int = 0
    estimates: dict = field(default_factory=dict)
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


def _activities(cursor, *, count, today, now, user_id):
    """A paid trade show for one world distributor in `ACTIVITY_EVERY`, over the three months
    from the 11th before `today`'s (its effect window ends inside the scorecard's 12 months,
    with 12 months of revenue before it): a budget fund, an allocation each, a closed request
    and its paid claim, as the services leave them (their history aside), set-based. Returns
    the number of activities (none made when the fund is there already)."""
    from drm.periods import add_months, month_start

    cursor.execute("SELECT 1 FROM funds_fund WHERE name = %s", [ACTIVITY_FUND])
    if cursor.fetchone():
        return 0
    first = add_months(month_start(today), -11)
    last = add_months(first, 3) - datetime.timedelta(days=1)
    cursor.execute(
        """
        INSERT INTO funds_fund (name, name_fr, kind, period_start, period_end, expires_on,
            accrual_percent, cost_share_percent, created_at)
        VALUES (%(name)s, 'Coop du banc', 'budget', %(first)s, %(last)s,
            %(last)s + 90, NULL, 50, %(now)s)
        RETURNING id
        """,
        {"name": ACTIVITY_FUND, "first": first, "last": last, "now": now},
    )
    fund_id = cursor.fetchone()[0]
    common = {"fund": fund_id, "first": first, "last": last, "now": now, "user": user_id}
    _execute(
        cursor,
        f"""
        INSERT INTO funds_allocation (fund_id, distributor_id, amount, created_at, updated_at)
        SELECT %(fund)s, id, 20000, %(now)s, %(now)s FROM distributors_distributor
        WHERE code ~ '^L[0-9]{{5}}$' AND substr(code, 2)::int < {count}
            AND mod(substr(code, 2)::int, {ACTIVITY_EVERY}) = 0
        """,  # noqa: S608 - numbers only
        common,
    )
    _execute(
        cursor,
        f"""
        INSERT INTO funds_fundrequest (allocation_id, activity_type, title, description, start,
            "end", planned_cost, requested_amount, expected_leads, expected_revenue, status,
            approved_amount, decision_reason, submitted_by_id, submitted_at, decided_by_id,
            decided_at, claim_deadline)
        SELECT a.id, 'trade_show', 'Bench fair', '', %(first)s, %(last)s, x.cost, x.cost / 2, 0,
            NULL, 'closed', x.cost / 2, '', %(user)s, %(now)s, %(user)s, %(now)s, %(last)s + 60
        FROM funds_allocation a,
            LATERAL (SELECT round((2000 + 8000 * {_u(28, "a.id")})::numeric, 2) AS cost) x
        WHERE a.fund_id = %(fund)s
        """,  # noqa: S608 - numbers only
        common,
    )
    return _execute(
        cursor,
        """
        INSERT INTO funds_claim (request_id, actual_cost, claimed_amount, results_leads,
            results_revenue, status, approved_amount, decision_reason, submitted_by_id,
            submitted_at, decided_by_id, decided_at, paid_on, payment_reference)
        SELECT r.id, r.planned_cost, r.approved_amount, 0, 0, 'paid', r.approved_amount, '',
            %(user)s, %(now)s, %(user)s, %(now)s, %(last)s + 20, 'BENCH-' || r.id
        FROM funds_fundrequest r JOIN funds_allocation a ON a.id = r.allocation_id
        WHERE a.fund_id = %(fund)s
        """,
        common,
    )


def _execute(cursor, sql, params=None):
    cursor.execute(sql, params or [])
    return cursor.rowcount


def _bench_user(manager_id):
    """Who submitted and decided the world's activities: the bench's manager, or a user of its
    own."""
    if manager_id is not None:
        return manager_id
    from django.contrib.auth import get_user_model

    user, _made = get_user_model().objects.get_or_create(
        username="bench-funds", defaults={"is_active": False}
    )
    return user.pk


def scoring_world_build(*, scale, today=None, now=None, manager_id=None, bulk=True, log=print):
    """The lead and goal worlds at `scale` (built when absent, reused when there), then the
    investments, landmark reviews, goal actuals and paid fund activities, and the impact
    estimates of these. `bulk` as in `lead_world.world_build`."""
    from distributors.models import Investment, RevenueRecord
    from funds.estimates import impact_estimates_refresh
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
        world.activities = _activities(
            cursor, count=distributors, today=today, now=now, user_id=_bench_user(manager_id)
        )
    with connection.cursor() as cursor:
        for table in ("distributors_investment", "goals_landmarkreview", "goals_goal"):
            cursor.execute(f"ANALYZE {table}")
    timings["scoring"] = time.perf_counter() - step
    step = time.perf_counter()
    # The nightly impact estimates, as the job computes them (the world's activities and any
    # programme), so the scorecard's incremental revenue per unit invested has data.
    world.estimates = impact_estimates_refresh(today=today)
    timings["impact"] = time.perf_counter() - step
    world.leads = Lead.objects.count()
    world.revenue_rows = RevenueRecord.objects.count()
    world.investments = Investment.objects.count()
    timings["total"] = time.perf_counter() - start
    log(
        f"scoring world {world.distributors:,} distributors, {world.leads:,} leads, "
        f"{world.revenue_rows:,} revenue rows, {world.investments:,} investments "
        f"(of {investments:,} made here), {world.reviews:,} landmark reviews, "
        f"{world.activities:,} paid activities in {timings['total']:.1f} s (leads "
        f"{timings['leads']:.1f}, goals {timings['goals']:.1f}, investments, reviews, actuals "
        f"and activities {timings['scoring']:.1f}, impact estimates {timings['impact']:.1f}: "
        f"{world.estimates})"
    )
    return world
