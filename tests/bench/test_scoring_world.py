"""The scoring bench's world: the lead and goal worlds with investments, landmark reviews and goal
actuals, so that a run over it has data for every metric."""

import datetime
import importlib.util
import sys
from pathlib import Path

import pytest

from distributors.models import Distributor, Investment, RevenueRecord
from goals.models import LandmarkReview
from leads.models import Lead, LeadRollup
from scoring import services
from scoring.metrics import metric_list
from scoring.models import MetricValue, ScoringRun

pytestmark = [pytest.mark.services, pytest.mark.django_db]

BENCH = Path(__file__).resolve().parents[2] / "bench"
# bench/ is a folder of scripts, not a package; scoring_world imports its siblings by name.
sys.path.insert(0, str(BENCH))
_spec = importlib.util.spec_from_file_location("scoring_world", BENCH / "scoring_world.py")
scoring_world = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(scoring_world)

NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()
SCALE = 0.0001  # 40 distributors, 1,000 leads, 1,920 revenue rows, 480 investments


@pytest.fixture
def world():
    return scoring_world.scoring_world_build(
        scale=SCALE, today=TODAY, now=NOW, bulk=False, log=lambda *args: None
    )


def test_the_world_has_the_sizes_of_its_scale(world):
    distributors, leads, revenue, investments = scoring_world.scoring_sizes(SCALE)
    assert (distributors, leads, revenue, investments) == (40, 1000, 1920, 480)
    assert world.distributors == distributors
    assert Distributor.objects.filter(code__startswith="L").count() == 40
    assert Lead.objects.count() == world.leads == 1000
    assert RevenueRecord.objects.count() == world.revenue_rows == 1920
    assert Investment.objects.count() == world.investments == 480
    assert LeadRollup.objects.exists()
    # Two quarter ends (March, and none in June yet) have passed for the goals under way.
    assert LandmarkReview.objects.count() == world.reviews > 0
    assert set(LandmarkReview.objects.values_list("landmark__date", flat=True)) == {
        datetime.date(2026, 3, 31)
    }


def test_a_second_build_reuses_the_world(world):
    again = scoring_world.scoring_world_build(
        scale=SCALE, today=TODAY, now=NOW, bulk=False, log=lambda *args: None
    )
    assert (again.leads, again.revenue_rows, again.investments) == (1000, 1920, 480)
    assert again.reviews == 0


def test_a_run_over_the_world_has_data_for_every_metric(world, time_machine):
    time_machine.move_to(NOW, tick=False)
    run = services.scoring_run_trigger(as_of=TODAY)
    services.scoring_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == ScoringRun.Status.PUBLISHED
    with_data = set(
        MetricValue.objects.filter(run=run, raw__isnull=False).values_list("metric", flat=True)
    )
    assert with_data == {m.key for m in metric_list()}
