"""The incentives part of `make bench`: accruing a rebate programme and an accrual fund over the
goal world, each against a bare SQL aggregate of the same figure measured in the same run.

- the world (goal_world): 10,000 distributors and 1,000,000 revenue rows over 24 months
  (× SCALE), reused when the goal part has built it in the same database, built the same way
  otherwise;
- a yearly retroactive revenue rebate over every distributor (three tiers, quarterly schedule),
  made by `incentives.services.programme_create`, over last calendar year; and an accrual fund
  of 3 % of the same year's revenue (`funds.services.fund_create`);
- `programme_accrue` and `fund_accrue` timed on their first run (every standing or allocation
  written), on a rerun with nothing changed (median of BENCH_INCENTIVE_REPEAT, 3), and after a
  restatement of 1 % of the year's revenue rows (an UPDATE in SQL: +250.00 each, then taken
  back, which restores the world);
- the floor: `SELECT distributor_id, SUM(reporting_amount) … GROUP BY distributor_id` over the
  same year, every row fetched, median of BENCH_INCENTIVE_FLOOR_REPEAT (5) runs;
- after every accrual the figures are checked against the floor's rows: each standing's earned
  is what `Programme.earned_for` gives on the distributor's sum, each allocation what
  `Fund.accrued_on` gives, the ledger holds what is earned, the history one row per allocation
  written. A wrong figure stops the bench.
The programme and the fund are deleted at the end: the parts after this one see the world as
the goal part left it. Prints `accrual/floor ratio: X.XX` and `fund accrual/floor ratio: X.XX`
(first runs; target ≤ 1.5).
"""

import datetime
import os
import statistics
import time
from decimal import Decimal

from goal_world import goal_world_build

RATIO_TARGET = 1.5
REPEAT = int(os.environ.get("BENCH_INCENTIVE_REPEAT", "3"))
FLOOR_REPEAT = int(os.environ.get("BENCH_INCENTIVE_FLOOR_REPEAT", "5"))
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


def _floor_median(start, end):
    runs = [_floor(start, end) for _ in range(FLOOR_REPEAT)]
    return runs[-1][0], statistics.median(seconds for _rows, seconds in runs)


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
    """Delete what this part made, its history and ledger included."""
    from django.db import transaction

    from funds.models import Allocation, Fund
    from incentives.models import Entry, PayoutTier, Programme, Standing

    with transaction.atomic():
        Entry.objects.filter(programme=programme).delete()
        Standing.objects.filter(programme=programme).delete()
        PayoutTier.history.filter(programme_id=programme.pk).delete()
        PayoutTier.objects.filter(programme=programme).delete()
        Programme.history.filter(id=programme.pk).delete()
        programme.delete()
        Allocation.history.filter(fund_id=fund.pk).delete()
        Allocation.objects.filter(fund=fund).delete()
        Fund.history.filter(id=fund.pk).delete()
        fund.delete()


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
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE distributors_revenuerecord")
    programme = services.programme_create(
        by=manager,
        name=f"Bench rebate {start.year}",
        basis=Programme.Basis.REVENUE,
        period_start=start,
        period_end=end,
        tiers=TIERS,
        method=Programme.Method.RETROACTIVE,
        schedule=Programme.Schedule.QUARTERLY,
        advance_percent=Decimal("50"),
    )
    fund = fund_services.fund_create(
        by=manager,
        name=f"Bench accrual fund {start.year}",
        kind=Fund.Kind.ACCRUAL,
        period_start=start,
        period_end=end,
        expires_on=today + datetime.timedelta(days=365),
        accrual_percent=FUND_PERCENT,
    )
    steps = programme.steps()
    eligible = set(programme.eligible_distributors().values_list("pk", flat=True))
    if eligible != set(fund.eligible_distributors().values_list("pk", flat=True)):
        raise SystemExit("incentives: the programme and the fund should have one set of members")

    floor, floor_s = _floor_median(start, end)
    rows = RevenueRecord.objects.filter(month__range=(start, end)).count()
    log(
        f"floor    SUM(reporting_amount) GROUP BY distributor over {start.year} ({rows:,} revenue "
        f"rows, {len(floor):,} distributors with revenue, {len(eligible):,} eligible): "
        f"{floor_s * 1000:.0f} ms (median of {FLOOR_REPEAT})"
    )

    def accrue():
        return services.programme_accrue(programme=programme, by=manager)

    def fund_accrue():
        return fund_services.fund_accrue(fund=fund, by=manager)

    figures = {}
    counts, figures["first"] = _timed(accrue)
    entries = Entry.objects.filter(programme=programme).count()
    total = _check_programme(programme, floor, eligible, steps, log)
    touched, figures["fund_first"] = _timed(fund_accrue)
    histories = touched
    fund_total = _check_fund(fund, floor, eligible, histories, log)
    first_line = (
        f"first run: {counts['measured']:,} standings, {entries:,} ledger entries, earned "
        f"{total:,.2f}"
    )
    fund_line = f"first run: {touched:,} allocations, {fund_total:,.2f} allocated"

    reruns = [_timed(accrue) for _ in range(REPEAT)]
    figures["rerun"] = statistics.median(seconds for _c, seconds in reruns)
    if any(c["changed"] for c, _s in reruns):
        raise FigureMismatch("incentives: a rerun with nothing changed wrote ledger entries")
    fund_reruns = [_timed(fund_accrue) for _ in range(REPEAT)]
    figures["fund_rerun"] = statistics.median(seconds for _c, seconds in fund_reruns)
    if any(c for c, _s in fund_reruns):
        raise FigureMismatch("incentives: a fund rerun with nothing changed wrote allocations")
    _check_programme(programme, floor, eligible, steps, log)
    _check_fund(fund, floor, eligible, histories, log)

    restated, changed, fund_changed = [], [], []
    for by in (RESTATE_BY, -RESTATE_BY):  # restated, then taken back: the world as it was
        restated.append(_restate(start, end, by))
        floor, _seconds = _floor(start, end)
        counts, seconds = _timed(accrue)
        figures.setdefault("restated", []).append(seconds)
        changed.append(counts["changed"])
        _check_programme(programme, floor, eligible, steps, log)
        touched, seconds = _timed(fund_accrue)
        figures.setdefault("fund_restated", []).append(seconds)
        fund_changed.append(touched)
        histories += touched
        _check_fund(fund, floor, eligible, histories, log)
    restatements = Entry.objects.filter(programme=programme, kind=Entry.Kind.RESTATEMENT).count()
    if restatements != sum(changed):
        raise FigureMismatch(
            f"incentives: {sum(changed):,} entries written after the restatements, "
            f"{restatements:,} of them restatements"
        )
    restated_s = statistics.median(figures["restated"])
    fund_restated_s = statistics.median(figures["fund_restated"])
    history_rows = Allocation.history.filter(fund_id=fund.pk).count()
    _clean_up(programme, fund)

    log(
        f"programme accrual ({first_line}): {figures['first'] * 1000:.0f} ms; rerun, nothing "
        f"changed: {figures['rerun'] * 1000:.0f} ms (median of {REPEAT}); after restating "
        f"{restated[0]:,} revenue rows: {restated_s * 1000:.0f} ms "
        f"({' and '.join(f'{c:,}' for c in changed)} restatement entries; each run "
        f"{', '.join(f'{s * 1000:.0f}' for s in figures['restated'])} ms)"
    )
    log(
        f"fund accrual ({fund_line}): {figures['fund_first'] * 1000:.0f} ms; rerun: "
        f"{figures['fund_rerun'] * 1000:.0f} ms; after the restatement: "
        f"{fund_restated_s * 1000:.0f} ms ({' and '.join(f'{c:,}' for c in fund_changed)} "
        f"allocations changed; {history_rows:,} history rows in all)"
    )
    log("figures  every standing, ledger total, allocation and history row as the floor gives")
    ratio = figures["first"] / floor_s
    fund_ratio = figures["fund_first"] / floor_s
    log(f"incentive part: {time.perf_counter() - started:.0f} s")
    log(
        f"accrual/floor ratio: {ratio:.2f} (target ≤ {RATIO_TARGET}); rerun "
        f"{figures['rerun'] / floor_s:.2f}, restatement {restated_s / floor_s:.2f}"
    )
    log(
        f"fund accrual/floor ratio: {fund_ratio:.2f}; rerun {figures['fund_rerun'] / floor_s:.2f}, "
        f"restatement {fund_restated_s / floor_s:.2f}"
    )
    return {
        "floor_s": floor_s,
        "accrual_s": figures["first"],
        "rerun_s": figures["rerun"],
        "restated_s": restated_s,
        "ratio": ratio,
        "fund_accrual_s": figures["fund_first"],
        "fund_rerun_s": figures["fund_rerun"],
        "fund_restated_s": fund_restated_s,
        "fund_ratio": fund_ratio,
    }
