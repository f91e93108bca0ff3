"""The incentives bench over a tiny goal world: its figures check out against the floor's, a
wrong one stops it, and it leaves the world as it found it. (No time is asserted.)"""

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Sum
from django.utils import timezone

from distributors.models import RevenueRecord
from funds.models import Allocation, Fund
from incentives import services
from incentives.models import Entry, Programme, Standing

pytestmark = [pytest.mark.services, pytest.mark.django_db]

BENCH = Path(__file__).resolve().parents[2] / "bench"
# bench/ is a folder of scripts, not a package; incentive_bench imports its siblings by name.
sys.path.insert(0, str(BENCH))
_spec = importlib.util.spec_from_file_location("incentive_bench", BENCH / "incentive_bench.py")
incentive_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(incentive_bench)

SCALE = 0.0001  # 40 distributors, 1,920 revenue rows


def quiet(*args):
    """The bench's log, silenced."""


def revenue():
    return RevenueRecord.objects.aggregate(amount=Sum("amount"), reporting=Sum("reporting_amount"))


def test_the_bench_checks_its_figures_and_leaves_the_world_as_it_was(manager):
    world = incentive_bench.goal_world_build(scale=SCALE, manager_id=manager.pk, log=quiet)
    before = revenue()

    figures = incentive_bench.incentive_bench(scale=SCALE, manager=manager, log=quiet)

    assert world.revenue_rows == RevenueRecord.objects.count() == 1920
    assert set(figures["ratios"]) == {
        "first",
        "rerun",
        "restated",
        "fund_first",
        "fund_rerun",
        "fund_restated",
    }
    assert revenue() == before
    assert not Programme.objects.exists() and not Fund.objects.exists()
    assert not Standing.objects.exists() and not Entry.objects.exists()
    assert not Allocation.objects.exists() and not Allocation.history.exists()


def test_a_standing_that_is_not_what_the_floor_gives_stops_the_bench(manager):
    incentive_bench.goal_world_build(scale=SCALE, manager_id=manager.pk, log=quiet)
    start, end = incentive_bench._year(timezone.localdate())
    programme = services.programme_create(
        by=manager,
        name="Rebate",
        basis="revenue",
        period_start=start,
        period_end=end,
        tiers=incentive_bench.TIERS,
    )
    services.programme_accrue(programme=programme, by=manager)
    floor, _seconds = incentive_bench._floor(start, end)
    eligible = set(programme.eligible_distributors().values_list("pk", flat=True))
    steps = programme.steps()
    incentive_bench._check_programme(programme, floor, eligible, steps, quiet)
    wrong = Standing.objects.filter(programme=programme).first()
    Standing.objects.filter(pk=wrong.pk).update(earned=wrong.earned + Decimal("0.01"))

    with pytest.raises(incentive_bench.FigureMismatch, match="1 figures differ"):
        incentive_bench._check_programme(programme, floor, eligible, steps, quiet)
