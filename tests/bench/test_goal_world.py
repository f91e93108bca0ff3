"""The bench's generated goals are a world the app could have written: five goals a distributor
with four landmarks each, baselines from the revenue of the year before, a page of figures."""

import datetime
import importlib.util
import sys
from pathlib import Path

import pytest

from distributors.models import Distributor, RevenueRecord
from goals import selectors
from goals.models import Goal, Landmark
from tests import factories

pytestmark = [pytest.mark.services, pytest.mark.django_db]

BENCH = Path(__file__).resolve().parents[2] / "bench"
# bench/ is a folder of scripts, not a package; goal_world imports lead_world by its name.
sys.path.insert(0, str(BENCH))
_spec = importlib.util.spec_from_file_location("goal_world", BENCH / "goal_world.py")
goal_world = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(goal_world)

TODAY = datetime.date(2026, 6, 15)
SCALE = 0.0001  # 40 distributors, 200 goals, 1,920 revenue rows


@pytest.fixture
def manager():
    return factories.ManagerFactory(username="bench-manager")


@pytest.fixture
def world(manager):
    return goal_world.goal_world_build(
        scale=SCALE, today=TODAY, manager_id=manager.pk, log=lambda *args: None
    )


def test_the_world_has_the_sizes_of_its_scale(world):
    distributors, goals, rows = goal_world.goal_sizes(SCALE)
    assert (world.distributors, world.goals, world.revenue_rows) == (distributors, goals, rows)
    assert (distributors, goals, rows) == (40, 200, 1920)
    assert Distributor.objects.filter(code__startswith="L").count() == 40
    assert Goal.objects.filter(level="distributor").count() == 200
    assert Goal.objects.filter(level="team").count() == 2
    assert Landmark.objects.count() == 4 * 202
    assert RevenueRecord.objects.count() == 1920


def test_every_distributor_has_one_goal_of_each_metric(world):
    metrics = {metric for metric, *_ in goal_world.METRICS}
    for distributor in Distributor.objects.filter(code__startswith="L"):
        assert set(distributor.goals.values_list("metric", flat=True)) == metrics


def test_revenue_spans_48_months_to_last_month(world):
    months = set(RevenueRecord.objects.values_list("month", flat=True))
    assert len(months) == 48
    assert max(months) == datetime.date(2026, 5, 1)


def test_targets_sit_above_baselines_and_landmarks_lead_to_the_target(world):
    for goal in Goal.objects.filter(metric__in=["revenue", "units"], level="distributor"):
        assert goal.baseline > 0
        assert goal.baseline * 104 / 100 <= goal.target <= goal.baseline * 121 / 100
        landmarks = list(goal.landmarks.order_by("date"))
        assert len(landmarks) == 4
        assert landmarks[-1].date == goal.due and landmarks[-1].expected == goal.target


def test_the_revenue_goals_align_under_the_team_goal(world):
    team = Goal.objects.get(level="team", metric="revenue")
    assert team.children.count() == 40


def test_a_page_of_the_world_has_figures(world, manager):
    goals = selectors.goal_queryset(visible_to=manager)[:50]
    figures = selectors.goal_figures(goals, as_of=TODAY)
    assert len(figures) == 50
    assert any(f.value for f in figures if f.goal.metric == "revenue")


def test_the_distributors_of_the_lead_world_are_reused(world, manager):
    before = Distributor.objects.count()
    again = goal_world.goal_world_build(
        scale=SCALE, today=TODAY, manager_id=manager.pk, log=lambda *args: None
    )
    assert Distributor.objects.count() == before
    assert again.revenue_rows == 0  # the same (distributor, month, line): nothing new


def test_the_target_bench_predicts_the_held_out_year_from_the_service_fit(world):
    """The world's four years reach the target bench, which prints the three errors."""
    from target_bench import target_forecast

    lines = []
    result = target_forecast(log=lines.append)
    assert result["distributors"] == world.distributors
    assert min(result["mape_naive"], result["mape_potential"], result["mape_default_weights"]) > 0
    assert "last year + 5%" in lines[0] and "fitted weights" in lines[0]
