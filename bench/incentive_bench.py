"""The incentives part of `make bench`: accruing a rebate programme and an accrual fund over the
goal world, each against a bare SQL aggregate of the same figure measured in the same run.

- the world (goal_world): 10,000 distributors and 1,000,000 revenue rows over 24 months
  (× SCALE), reused when the goal part has built it in the same database, built the same way
  otherwise;
- a yearly retroactive revenue rebate over every distributor (three tiers, quarterly schedule),
  made by `incentives.services.programme_create`, over last calendar year; and an accrual fund
  of 3 % of the same year's revenue (`funds.services.fund_create`);
- `programme_accrue` and `fund_accrue` timed on a first run (every standing or allocation
  written; median over BENCH_INCENTIVE_FIRST_RUNS, 3, programmes and funds alike), on a rerun
  with nothing changed (median of BENCH_INCENTIVE_REPEAT, 3), and after a restatement of 1 % of
  the year's revenue rows (an UPDATE in SQL: +250.00 each, then taken back, which restores the
  world; median of the two);
- the floor: `SELECT distributor_id, SUM(reporting_amount) … GROUP BY distributor_id` over the
  same year, every row fetched, run beside each timed accrual (and BENCH_INCENTIVE_FLOOR_REPEAT,
  3, times first): the median of all those runs, so that a load that comes and goes on the
  machine weighs on both sides alike;
- after every accrual the figures are checked against the floor's rows: each standing's earned
  is what `Programme.earned_for` gives on the distributor's sum, each allocation what
  `Fund.accrued_on` gives, the ledger holds what is earned, the history one row per allocation
  written. A wrong figure stops the bench.
The programmes and funds are deleted at the end: the parts after this one see the world as the
goal part left it. Prints `accrual/floor ratio: X.XX` and `fund accrual/floor ratio: X.XX`
(first runs; the issue's target is ≤ 1.5), each followed by the rerun's and the restatement's.
"""

import datetime
import os
import statistics
import time
from decimal import Decimal

from goal_world import goal_world_build

RATIO_TARGET = 1.5
REPEAT = int(os.environ.get("BENCH_INCENTIVE_REPEAT", "3"))
# First runs: so many programmes and funds, each accrued once.
FIRST_RUNS = int(os.environ.get("BENCH_INCENTIVE_FIRST_RUNS", "3"))
FLOOR_REPEAT = int(os.environ.get("BENCH_INCENTIVE_FLOOR_REPEAT", "3"))
# Retroactive tiers of the rebate, on the year's revenue: (threshold, % of all of it).
TIERS = (("0", "1"), ("400000", "2"), ("800000", "3"))
FUND_PERCENT = Decimal("3")
# Restated: one revenue row of the year in a hundred, by this much (then back).
RESTATE_EVERY = 100
RESTATE_BY = Decimal("250.00")

FLOOR_SQL = """
    SELECT distributor_id, SUM(reporting_amount) FROM distributors_revenuerecord
    WHERE month BETWEEN %s AND %s GROUP BY distributor_id
"""

RESTATE_SQL = f"""
    UPDATE distributors_revenuerecord
    SET amount = amount + %(by)s, reporting_amount = reporting_amount + %(by)s * rate,
        updated_at = now()
    WHERE month BETWEEN %(start)s AND %(end)s AND rate IS NOT NULL
        AND mod(hashint8extended(id, 31), {RESTATE_EVERY}) = 0
"""  # noqa: S608 - a module constant; the ids of a month run in steps, hence the hash


class FigureMismatch(SystemExit):
    """An accrual that does not give what the floor's sums give: the bench fails."""


def _year(today):
    """Last calendar year: every one of its months is in the goal world (24 months up to last
    month)."""
    year = today.year - 1
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _floor(start, end):
    """(rows {distributor id: sum}, seconds) of the bare aggregate, every row fetched."""
    from django.db import connection

    with connection.cursor() as cursor:
        begin = time.perf_counter()
        cursor.execute(FLOOR_SQL, [start, end])
        rows = cursor.fetchall()
        elapsed = time.perf_counter() - begin
    return {d: total or Decimal(0) for d, total in rows}, elapsed


def _timed(fn):
    begin = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - begin


def _restate(start, end, by):
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(RESTATE_SQL, {"by": by, "start": start, "end": end})
        return cursor.rowcount


def _fail(label, mismatches, log):
    for line in mismatches[:5]:
        log(f"         {line}")
    raise FigureMismatch(
        f"incentives: {label}: {len(mismatches):,} figures differ from the floor's"
    )


def _check_programme(programme, floor, eligible, steps, log):
    """Each standing's earned against `Programme.earned_for` on the floor's sum; the ledger's
    accruals and restatements against the standings. Returns the total earned."""
    from django.db.models import Sum

    from incentives.models import Entry, Standing

    zero = Decimal(0)
    expected = {
        d: programme.earned_for(revenue=floor.get(d, zero), units=0, steps=steps) for d in eligible
    }
    earned = dict(
        Standing.objects.filter(programme=programme).values_list("distributor_id", "earned")
    )
    mismatches = [
        f"distributor {d}: earned {earned.get(d)}, the rule on the floor's {floor.get(d, zero)} "
        f"gives {value}"
        for d, value in expected.items()
        if earned.get(d) != value
    ]
    mismatches += [
        f"distributor {d}: a standing, not eligible" for d in earned if d not in eligible
    ]
    ledgered = Entry.objects.filter(programme=programme, kind__in=Entry.EARNED).aggregate(
        total=Sum("amount")
    )["total"] or Decimal("0.00")
    total = sum(expected.values(), Decimal("0.00"))
    if ledgered != total:
        mismatches.append(f"the ledger holds {ledgered}, the standings earn {total}")
    if mismatches:
        _fail("programme accrual", mismatches, log)
    return total


def _check_fund(fund, floor, eligible, histories, log):
    """Each allocation against `Fund.accrued_on` the floor's sum; one history row for each
    allocation written so far (`histories`). Returns the total allocated."""
    from funds.models import Allocation

    zero = Decimal(0)
    expected = {d: fund.accrued_on(floor.get(d, zero)) for d in eligible}
    amounts = dict(Allocation.objects.filter(fund=fund).values_list("distributor_id", "amount"))
    mismatches = [
        f"distributor {d}: allocated {amounts.get(d)}, 3 % of the floor's {floor.get(d, zero)} "
        f"is {value}"
        for d, value in expected.items()
        if amounts.get(d) != value
    ]
    mismatches += [
        f"distributor {d}: allocated, not eligible" for d in amounts if d not in eligible
    ]
    written = Allocation.history.filter(fund_id=fund.pk).count()
    if written != histories:
        mismatches.append(f"{written:,} history rows, {histories:,} allocations written")
    if mismatches:
        _fail("fund accrual", mismatches, log)
    return sum(expected.values(), Decimal("0.00"))


def _world(scale, today, manager, log):
    from distributors.models import RevenueRecord

    if RevenueRecord.objects.filter(distributor__code__startswith="L").exists():
        log("incentives over the goal world already built")
        return
    goal_world_build(scale=scale, today=today, manager_id=manager.pk, log=log)


def _clean_up(programme, fund):
    """Delete what this part made, ledger and history included: the rows by the thousand in
    SQL (a model's delete() would write a history row for each), then the programme and the
    fund, then their own history rows, the deletions' among them."""
    from django.db import connection, transaction

    from funds.models import Allocation, Fund
    from incentives.models import Entry, PayoutTier, Programme, Standing

    by_programme = (Entry, Standing, PayoutTier, PayoutTier.history.model)
    by_fund = (Allocation, Allocation.history.model)
    with transaction.atomic(), connection.cursor() as cursor:
        for model in by_programme:
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE programme_id = %s",  # noqa: S608
                [programme.pk],
            )
        for model in by_fund:
            cursor.execute(
                f"DELETE FROM {model._meta.db_table} WHERE fund_id = %s",  # noqa: S608
                [fund.pk],
            )
        for instance, model in ((programme, Programme), (fund, Fund)):
            pk = instance.pk
            instance.delete()
            model.history.filter(id=pk).delete()


def _ms(times):
    return ", ".join(f"{seconds * 1000:.0f}" for seconds in times)


def incentive_bench(*, scale, manager, log=print):
    """The whole incentives part; returns {name: figure} for the summary."""
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from distributors.models import RevenueRecord
    from funds import services as fund_services
    from funds.models import Allocation, Fund
    from incentives import services
    from incentives.models import Entry, Programme

    settings.DEBUG = False  # no query log kept while timing
    started = time.perf_counter()
    today = timezone.localdate()
    _world(scale, today, manager, log)
    start, end = _year(today)
    with connection.cursor() as cursor:  # fresh statistics after the bulk load, as autovacuum would
        cursor.execute("ANALYZE distributors_revenuerecord")
        cursor.execute("ANALYZE distributors_distributor")
    programmes = [
        services.programme_create(
            by=manager,
            name=f"Bench rebate {start.year} ({copy + 1})",
            basis=Programme.Basis.REVENUE,
            period_start=start,
            period_end=end,
            tiers=TIERS,
            method=Programme.Method.RETROACTIVE,
            schedule=Programme.Schedule.QUARTERLY,
            advance_percent=Decimal("50"),
        )
        for copy in range(FIRST_RUNS)
    ]
    funds = [
        fund_services.fund_create(
            by=manager,
            name=f"Bench accrual fund {start.year} ({copy + 1})",
            kind=Fund.Kind.ACCRUAL,
            period_start=start,
            period_end=end,
            expires_on=today + datetime.timedelta(days=365),
            accrual_percent=FUND_PERCENT,
        )
        for copy in range(FIRST_RUNS)
    ]
    programme, fund = programmes[0], funds[0]
    steps = programme.steps()
    eligible = set(programme.eligible_distributors().values_list("pk", flat=True))
    if eligible != set(fund.eligible_distributors().values_list("pk", flat=True)):
        raise SystemExit("incentives: the programme and the fund should have one set of members")

    # The floor is measured beside every timed accrual (and a few times first), so that both
    # see the machine alike when its load moves.
    floors = []

    def floor_sample():
        rows, seconds = _floor(start, end)
        floors.append(seconds)
        return rows

    for _ in range(FLOOR_REPEAT):
        floor = floor_sample()
    times = {}

    def timed(name, fn):
        floor_sample()
        result, seconds = _timed(fn)
        times.setdefault(name, []).append(seconds)
        return result

    for each in programmes:  # a first run: every standing inserted, every entry written
        counts = timed("first", lambda p=each: services.programme_accrue(programme=p, by=manager))
        total = _check_programme(each, floor, eligible, steps, log)
    entries = Entry.objects.filter(programme=programme).count()
    for each in funds:
        created = timed("fund_first", lambda f=each: fund_services.fund_accrue(fund=f, by=manager))
        fund_total = _check_fund(each, floor, eligible, created, log)
    histories = created

    def accrue():
        return services.programme_accrue(programme=programme, by=manager)

    def fund_accrue():
        return fund_services.fund_accrue(fund=fund, by=manager)

    for _ in range(REPEAT):
        if timed("rerun", accrue)["changed"]:
            raise FigureMismatch("incentives: a rerun with nothing changed wrote ledger entries")
        if timed("fund_rerun", fund_accrue):
            raise FigureMismatch("incentives: a fund rerun with nothing changed wrote allocations")
    _check_programme(programme, floor, eligible, steps, log)
    _check_fund(fund, floor, eligible, histories, log)

    restated, changed, fund_changed = [], [], []
    for by in (RESTATE_BY, -RESTATE_BY):  # restated, then taken back: the world as it was
        restated.append(_restate(start, end, by))
        floor = floor_sample()
        changed.append(timed("restated", accrue)["changed"])
        _check_programme(programme, floor, eligible, steps, log)
        touched = timed("fund_restated", fund_accrue)
        fund_changed.append(touched)
        histories += touched
        _check_fund(fund, floor, eligible, histories, log)
    restatements = Entry.objects.filter(programme=programme, kind=Entry.Kind.RESTATEMENT).count()
    if restatements != sum(changed):
        raise FigureMismatch(
            f"incentives: {sum(changed):,} entries written after the restatements, "
            f"{restatements:,} of them restatements"
        )
    history_rows = Allocation.history.filter(fund_id=fund.pk).count()
    for each_programme, each_fund in zip(programmes, funds, strict=True):
        _clean_up(each_programme, each_fund)

    floor_s = statistics.median(floors)
    median = {name: statistics.median(values) for name, values in times.items()}
    rows = RevenueRecord.objects.filter(month__range=(start, end)).count()
    log(
        f"floor    SUM(reporting_amount) GROUP BY distributor over {start.year} ({rows:,} revenue "
        f"rows, {len(floor):,} distributors with revenue, {len(eligible):,} eligible): "
        f"{floor_s * 1000:.0f} ms (median of {len(floors)}, beside each accrual; "
        f"{min(floors) * 1000:.0f}–{max(floors) * 1000:.0f} ms)"
    )
    log(
        f"programme accrual, first run ({counts['measured']:,} standings, {entries:,} ledger "
        f"entries, earned {total:,.2f}): {median['first'] * 1000:.0f} ms ({FIRST_RUNS} "
        f"programmes: {_ms(times['first'])} ms); rerun, nothing changed: "
        f"{median['rerun'] * 1000:.0f} ms ({_ms(times['rerun'])}); after restating "
        f"{restated[0]:,} revenue rows and back: {median['restated'] * 1000:.0f} ms "
        f"({_ms(times['restated'])}; {' and '.join(f'{c:,}' for c in changed)} restatement "
        "entries)"
    )
    log(
        f"fund accrual, first run ({created:,} allocations, "
        f"{fund_total:,.2f} allocated): {median['fund_first'] * 1000:.0f} ms "
        f"({_ms(times['fund_first'])}); rerun: {median['fund_rerun'] * 1000:.0f} ms "
        f"({_ms(times['fund_rerun'])}); after the restatements: "
        f"{median['fund_restated'] * 1000:.0f} ms ({_ms(times['fund_restated'])}; "
        f"{' and '.join(f'{c:,}' for c in fund_changed)} allocations changed; "
        f"{history_rows:,} history rows in all)"
    )
    log("figures  every standing, ledger total, allocation and history row as the floor gives")
    ratio = {name: value / floor_s for name, value in median.items()}
    log(f"incentive part: {time.perf_counter() - started:.0f} s")
    log(
        f"accrual/floor ratio: {ratio['first']:.2f} (target ≤ {RATIO_TARGET}); rerun "
        f"{ratio['rerun']:.2f}, restatement {ratio['restated']:.2f}"
    )
    log(
        f"fund accrual/floor ratio: {ratio['fund_first']:.2f}; rerun {ratio['fund_rerun']:.2f}, "
        f"restatement {ratio['fund_restated']:.2f}"
    )
    return {"floor_s": floor_s, "seconds": median, "ratios": ratio}
