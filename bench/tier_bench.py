"""The tiers part of `make bench` (BENCH_ONLY=tiers): the nightly requalification over the
scoring world against a bare SQL aggregate of the same requirements.

- the world (scoring_world): 10,000 distributors (× SCALE) with their revenue, goals, lead
  rollups; reused when the scoring part has built it in the same database. Added here, set-based
  inside Postgres (`generate_series`, randomness from `hashint8extended`): zero to four certified
  people a distributor (users, memberships, completions of one certifying course; one in ten
  expired), and the acceptance of the current partner agreement by about 70 % of them. The
  certification, the course and the agreement version go through the services;
- the requirements, set with `tiers.services.requirement_save`: all seven, on platinum, gold and
  silver (bronze asks nothing), the revenue thresholds at the world's 90th, 60th and 30th
  percentiles;
- `tiers_requalify` timed on a first night (no proposal, no shortfall: every proposal and
  shortfall written), median of BENCH_TIER_REPEAT (3), and on a night with nothing changed (the
  proposals kept, nothing new: the usual night), median of as many;
- the floor: one bare SQL aggregate over the same base tables and rollups computing every
  requirement's figure per requalified distributor, every row fetched, median of as many runs;
- the figures are checked: each requirement's set-based figure equals the floor's for every
  distributor, and each proposal's earned tier is the best tier whose every requirement the
  floor's figures meet. A wrong figure stops the bench.
Prints `first-night requalify/floor ratio: X.XX`, then `requalify/floor ratio: X.XX` (the usual
night; target ≤ 1.5).
"""

import os
import statistics
import time
from decimal import Decimal

from scoring_world import scoring_world_build

RATIO_TARGET = 1.5
REPEAT = int(os.environ.get("BENCH_TIER_REPEAT", "3"))
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

FLOOR_SQL = """
    WITH ids AS (
        SELECT id, contract_start FROM distributors_distributor
        WHERE status IN ('active', 'probation')
    ),
    revenue AS (
        SELECT distributor_id AS d,
            sum(reporting_amount) FILTER (WHERE month >= %(first)s AND rate IS NOT NULL) AS t12m,
            sum(reporting_amount) FILTER (WHERE month < %(first)s AND rate IS NOT NULL) AS before,
            count(DISTINCT month) FILTER (WHERE month >= %(first)s) AS months
        FROM distributors_revenuerecord
        WHERE month >= %(before)s AND month < %(end)s
        GROUP BY distributor_id
    ),
    certified AS (
        SELECT c.distributor_id AS d, count(DISTINCT c.user_id) AS people
        FROM partnership_completion c
        JOIN partnership_course k ON k.id = c.course_id
        JOIN distributors_membership m
            ON m.user_id = c.user_id AND m.distributor_id = c.distributor_id
        WHERE k.certification_id IS NOT NULL
            AND (c.expires_on IS NULL OR c.expires_on >= %(today)s)
        GROUP BY c.distributor_id
    ),
    goals AS (
        SELECT distributor_id AS d,
            sum(least(coalesce(final_actual, actual) * 100 / target, 200)) AS total,
            count(*) AS n
        FROM goals_goal
        WHERE level = 'distributor' AND status IN ('active', 'achieved', 'missed')
            AND start < %(end)s AND due >= %(first)s AND target > 0
            AND coalesce(final_actual, actual) IS NOT NULL
        GROUP BY distributor_id
    ),
    leads AS (
        SELECT distributor_id AS d,
            sum(count) FILTER (WHERE stage = 'accepted') AS accepted,
            sum(count) FILTER (WHERE stage = 'assigned') AS assigned
        FROM leads_leadrollup
        WHERE grain = 1 AND month >= %(first)s AND month < %(end)s
            AND stage IN ('accepted', 'assigned')
        GROUP BY distributor_id
    ),
    agreement AS (
        SELECT distributor_id AS d FROM partnership_agreementacceptance
        WHERE version_id = %(version)s
    )
    SELECT ids.id, ids.contract_start, r.t12m, r.before, r.months, c.people, g.total, g.n,
        l.accepted, l.assigned, a.d IS NOT NULL
    FROM ids
    LEFT JOIN revenue r ON r.d = ids.id
    LEFT JOIN certified c ON c.d = ids.id
    LEFT JOIN goals g ON g.d = ids.id
    LEFT JOIN leads l ON l.d = ids.id
    LEFT JOIN agreement a ON a.d = ids.id
"""


def _params(today, version_id):
    from drm.periods import complete_months

    window = complete_months(12, on=today)
    return {
        "first": window.first,
        "end": window.end,
        "before": complete_months(12, on=window.first).first,
        "today": today,
        "version": version_id,
    }


def floor(today, version_id):
    """(rows, seconds) of the bare aggregate."""
    from django.db import connection

    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(FLOOR_SQL, _params(today, version_id))
        rows = cursor.fetchall()
        return rows, time.perf_counter() - start


def _percent(top, bottom):
    return (Decimal(top) * HUNDRED / Decimal(bottom)).quantize(CENT)


def floor_figures(rows, today):
    """{key: {distributor id: value}} from the floor's rows, as each requirement defines it."""
    from drm.periods import complete_months
    from tiers.requirements import _months_due

    window = complete_months(12, on=today)
    figures = {key: {} for key in ("revenue_12m", "growth", "certified_reps", "goal_attainment")}
    figures.update(lead_acceptance={}, timely_reports={}, agreement_accepted={})
    for d, start, t12m, before, months, people, total, n, accepted, assigned, agreed in rows:
        if t12m is not None:
            figures["revenue_12m"][d] = Decimal(t12m).quantize(CENT)
        if before:
            figures["growth"][d] = _percent(Decimal(t12m or 0) - Decimal(before), before)
        if people:
            figures["certified_reps"][d] = Decimal(people)
        if n:
            figures["goal_attainment"][d] = (Decimal(total) / Decimal(n)).quantize(CENT)
        if assigned:
            figures["lead_acceptance"][d] = _percent(accepted or 0, assigned)
        due = _months_due(window, start)
        figures["timely_reports"][d] = HUNDRED if not due else _percent(min(months or 0, due), due)
        if agreed:
            figures["agreement_accepted"][d] = Decimal(1)
    return figures


WORLD_SQL = """
    INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
        is_staff, is_active, date_joined)
    SELECT '!', false, 'cert-' || lower(d.code) || '-' || k, 'Cert', d.code,
        'cert-' || lower(d.code) || '-' || k || '@partners.example', false, true, %(now)s
    FROM distributors_distributor d CROSS JOIN generate_series(0, 3) AS k
    WHERE d.code ~ '^L[0-9]{5}$' AND k < mod(hashint8extended(d.id, 41) & 2147483647, 5)
    ON CONFLICT (username) DO NOTHING
"""
MEMBERSHIP_SQL = """
    INSERT INTO distributors_membership (role, created_at, updated_at, distributor_id, user_id)
    SELECT 'rep', %(now)s, %(now)s, d.id, u.id
    FROM auth_user u JOIN distributors_distributor d ON u.last_name = d.code
    WHERE u.username LIKE 'cert-%%'
    ON CONFLICT (user_id) DO NOTHING
"""
COMPLETION_SQL = """
    INSERT INTO partnership_completion (user_id, distributor_id, course_id, completed_on,
        expires_on, source, created_at)
    SELECT m.user_id, m.distributor_id, %(course)s, %(today)s - 200,
        CASE WHEN mod(hashint8extended(m.user_id, 43) & 2147483647, 10) = 0
            THEN %(today)s - 1 ELSE %(today)s + 500 END,
        'import', %(now)s
    FROM distributors_membership m JOIN auth_user u ON u.id = m.user_id
    WHERE u.username LIKE 'cert-%%'
    ON CONFLICT DO NOTHING
"""
ACCEPTANCE_SQL = """
    INSERT INTO partnership_agreementacceptance (version_id, distributor_id, accepted_by_id,
        accepted_by_name, accepted_at)
    SELECT %(version)s, d.id, %(user)s, 'Bench', %(now)s
    FROM distributors_distributor d
    WHERE d.code ~ '^L[0-9]{5}$' AND mod(hashint8extended(d.id, 47) & 2147483647, 10) < 7
    ON CONFLICT DO NOTHING
"""


def tier_world_build(*, today, manager, log):
    """Certified people and agreement acceptances over the world (SQL), the catalogue and the
    agreement through the services; returns the agreement version's id."""
    from django.db import connection, transaction
    from django.utils import timezone

    from partnership import services as partnership_services
    from partnership import tasks as partnership_tasks
    from partnership.models import AgreementVersion, Course

    partnership_tasks.agreement_published_notify.delay = lambda *args, **kwargs: None
    course = Course.objects.filter(code="bench-installer").first()
    if course is None:
        certification = partnership_services.certification_save(
            by=manager, code="bench-installer", name="Bench installer", validity_months=24
        )
        course = partnership_services.course_save(
            by=manager,
            code="bench-installer",
            title="Bench installation",
            language="en",
            duration_minutes=60,
            url="https://lms.example.test/bench",
            certification=certification,
        )
    version = AgreementVersion.objects.order_by("-number").first()
    if version is None:
        version = partnership_services.agreement_publish(
            by=manager, title="Bench agreement", body="The terms."
        )
    start = time.perf_counter()
    params = {"now": timezone.now(), "today": today, "course": course.pk}
    params.update(version=version.pk, user=manager.pk)
    with transaction.atomic(), connection.cursor() as cursor:
        counts = []
        for sql in (WORLD_SQL, MEMBERSHIP_SQL, COMPLETION_SQL, ACCEPTANCE_SQL):
            cursor.execute(sql, params)
            counts.append(cursor.rowcount)
    with connection.cursor() as cursor:
        for table in (
            "auth_user",
            "distributors_membership",
            "partnership_completion",
            "partnership_agreementacceptance",
        ):
            cursor.execute(f"ANALYZE {table}")  # noqa: S608 - constants
    log(
        f"tiers    world: {counts[2]:,} certificates of {counts[0]:,} people, {counts[3]:,} "
        f"agreement acceptances in {time.perf_counter() - start:.1f} s"
    )
    return version.pk


def requirements_set(manager, today):
    """All seven requirements on the three top tiers of the world; revenue at its percentiles."""
    from django.db import connection

    from distributors.models import Tier
    from drm.periods import complete_months
    from tiers import services

    window = complete_months(12, on=today)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT percentile_cont(ARRAY[0.9, 0.6, 0.3]) WITHIN GROUP (ORDER BY t)
            FROM (SELECT sum(reporting_amount) AS t FROM distributors_revenuerecord
                  WHERE rate IS NOT NULL AND month >= %s AND month < %s
                  GROUP BY distributor_id) AS totals
            """,
            [window.first, window.end],
        )
        p90, p60, p30 = (round(Decimal(v), -3) for v in cursor.fetchone()[0])
    tiers = {
        tier.code: tier for tier in Tier.objects.filter(code__in=("platinum", "gold", "silver"))
    }
    plan = {
        "platinum": (
            ("revenue_12m", p90),
            ("growth", "0"),
            ("certified_reps", "3"),
            ("goal_attainment", "80"),
            ("lead_acceptance", "70"),
            ("timely_reports", "90"),
            ("agreement_accepted", "1"),
        ),
        "gold": (
            ("revenue_12m", p60),
            ("certified_reps", "2"),
            ("lead_acceptance", "50"),
            ("agreement_accepted", "1"),
        ),
        "silver": (("revenue_12m", p30), ("timely_reports", "50")),
    }
    for code, rows in plan.items():
        for key, threshold in rows:
            services.requirement_save(by=manager, tier=tiers[code], key=key, threshold=threshold)


def _clean():
    from tiers.models import TierReview, TierRun, TierShortfall

    TierReview.objects.all().delete()
    TierShortfall.objects.all().delete()
    TierRun.objects.all().delete()


def _check(today, floor_rows, log):
    """Each requirement's set-based figure is the floor's; each proposal's earned tier is the
    best whose every requirement the floor's figures meet."""
    from distributors.models import Distributor
    from tiers import services
    from tiers.models import TierReview

    expected = floor_figures(floor_rows, today)
    tiers, by_tier = services.tier_requirements()
    keys = {requirement.key for rows in by_tier.values() for requirement, _limit in rows}
    ids = Distributor.objects.filter(status__in=services.REQUALIFIED).values("pk")
    got = services.requirement_figures(keys, ids, today)
    wrong = []
    for key in sorted(keys):
        requirement = services.requirement_get(key)
        for d, *_rest in floor_rows:
            mine = requirement.value_of(got[key], d)
            theirs = requirement.value_of(expected[key], d)
            if (mine is None) != (theirs is None) or (
                mine is not None and abs(Decimal(mine) - Decimal(theirs)) > CENT
            ):
                wrong.append((key, d, mine, theirs))
    assert not wrong, f"figures differ from the floor's: {wrong[:5]} ({len(wrong)} in all)"
    earned = {d: services.earned_tier(tiers, by_tier, expected, d).pk for d, *_r in floor_rows}
    reviews = TierReview.objects.filter(status="proposed").values_list(
        "distributor_id", "proposed_tier_id", "direction"
    )
    bad = [(d, tier) for d, tier, direction in reviews if earned[d] != tier]
    assert not bad, f"proposals that the floor's figures do not earn: {bad[:5]}"
    held = dict(Distributor.objects.filter(pk__in=ids).values_list("pk", "tier_id"))
    ups = {d for d, tier in earned.items() if tier != held[d]}
    rank = {tier.pk: tier.rank for tier in tiers}
    ups = {d for d in ups if rank[earned[d]] < rank[held[d]]}
    proposed_up = {d for d, _tier, direction in reviews if direction == "up"}
    assert proposed_up == ups, "an upgrade earned is not proposed, or one proposed is not earned"
    log(
        f"check    {len(keys)} requirements × {len(floor_rows):,} distributors agree with the "
        f"floor; {len(proposed_up):,} upgrades proposed, each earned"
    )


def tier_bench(*, scale, manager, log=print):
    """The whole tiers part; returns {name: figure}."""
    from django.utils import timezone

    from tiers import services
    from tiers.models import TierReview

    started = time.perf_counter()
    today = timezone.localdate()
    scoring_world_build(scale=scale, today=today, manager_id=manager.pk, log=log)
    version_id = tier_world_build(today=today, manager=manager, log=log)
    requirements_set(manager, today)
    floor(today, version_id)  # warm the caches for both contenders alike
    firsts, steadies, floors, counts = [], [], [], None
    for _ in range(REPEAT):
        _clean()
        start = time.perf_counter()
        run = services.tiers_requalify(as_of=today, notify=False)
        firsts.append(time.perf_counter() - start)
        counts = run.counts
        rows, floor_s = floor(today, version_id)
        floors.append(floor_s)
    for _ in range(REPEAT):
        start = time.perf_counter()
        rerun = services.tiers_requalify(as_of=today, notify=False)
        steadies.append(time.perf_counter() - start)
        assert rerun.counts["proposed"] == 0, rerun.counts
        rows, floor_s = floor(today, version_id)
        floors.append(floor_s)
    first_s, steady_s = statistics.median(firsts), statistics.median(steadies)
    floor_s = statistics.median(floors)
    proposals = TierReview.objects.filter(status="proposed").count()
    log(
        f"requalify {counts['distributors']:,} distributors, 7 requirements on 3 tiers: a first "
        f"night (no proposal yet, {counts['proposed']:,} proposals and {counts['short']:,} "
        f"shortfalls written) median {first_s:.3f} s of {REPEAT}; a night with nothing changed "
        f"({rerun.counts['kept']:,} proposals kept, 0 new) median {steady_s:.3f} s of {REPEAT}"
    )
    log(
        f"floor    one bare SQL aggregate of the same seven figures ({len(rows):,} "
        f"distributors, every row fetched): median {floor_s:.3f} s of {2 * REPEAT}"
    )
    _check(today, rows, log)
    ratio = steady_s / floor_s
    log(f"tiers part: {time.perf_counter() - started:.0f} s; {proposals:,} proposals open")
    log(f"first-night requalify/floor ratio: {first_s / floor_s:.2f} (every proposal written)")
    log(f"requalify/floor ratio: {ratio:.2f} (target ≤ {RATIO_TARGET})")
    return {"first_s": first_s, "requalify_s": steady_s, "floor_s": floor_s, "ratio": ratio}
