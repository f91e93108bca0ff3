"""The scoring run through real Celery workers on Redis and Postgres: a worker killed halfway
through the write publishes nothing, and the run it left is re-delivered to the next worker, which
cleans the dead attempt's rows and publishes the complete run.

The first worker loads `tests.scoring.slow_write` (it stalls between the metric values and the
scorecards) and is SIGKILLed there. Both workers run `tests.scoring.worker_settings`: a short Redis
visibility timeout on private unacked keys, so the killed worker's unacknowledged task comes back
in seconds rather than after the production timeout (task time limit + 10 minutes).
"""

import datetime
import os
import signal
import time

import pytest
import redis
from django.conf import settings as django_settings

from drm.errors import Conflict
from scoring import services
from scoring.metrics import metric_list
from scoring.models import MetricValue, Scorecard, ScoringRun
from tests import factories
from tests.workers import celery_worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

AS_OF = datetime.date(2026, 6, 15)
DISTRIBUTORS = 12


def wait_until(check, timeout=60, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if worker is not None and worker.poll() is not None:
            raise AssertionError("the worker died")
        time.sleep(0.2)
    raise AssertionError(f"not done after {timeout}s")


@pytest.fixture
def channel(db):
    """A dozen ranked distributors with revenue in the window and the year before."""
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2024, 1, 1), rate=1)
    tier = factories.TierFactory(code="gold")
    line = factories.ProductLineFactory(code="pumps")
    made = []
    for index in range(DISTRIBUTORS):
        distributor = factories.DistributorFactory(code=f"d{index:02d}", tier=tier, status="active")
        for month, amount in (
            (datetime.date(2026, 1, 1), 1000 + 100 * index),
            (
                datetime.date(2025, 1, 1),
                900 + 50 * index,
            ),
        ):
            factories.RevenueRecordFactory(
                distributor=distributor, product_line=line, month=month, amount=amount
            )
        made.append(distributor)
    return made


@pytest.fixture
def private_unacked():
    """Private unacked keys for the workers of this test; they and its queues go afterwards."""
    suffix = f"scoring-kill-{os.getpid()}-{time.monotonic_ns()}"
    yield {"SCORING_TEST_UNACKED": suffix}
    client = redis.Redis.from_url(django_settings.CELERY_BROKER_URL)
    client.delete(f"unacked-{suffix}", f"unacked_index-{suffix}", f"unacked_mutex-{suffix}")
    # And the queues of this test's workers (a killed worker leaves its messages there).
    for name in ("scoring-kill", "scoring-busy", "scoring-doomed"):
        queue = f"drm-{name}-{os.getpid()}"
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def worker_env(unacked, *, slow):
    env = {"DJANGO_SETTINGS_MODULE": "tests.scoring.worker_settings", **unacked}
    if slow:
        env["SCORING_TEST_PAUSE"] = "60"
    return env


def published_run():
    """A run published before the test's one (in-process), to be the one readers keep."""
    run = ScoringRun.objects.create(
        as_of=AS_OF - datetime.timedelta(days=1), model=services.scoring_model_current()
    )
    services.scoring_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == ScoringRun.Status.PUBLISHED
    return run


def kill(worker):
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)


def test_a_run_whose_worker_is_killed_halfway_is_published_whole_by_the_next_worker(
    settings, channel, private_unacked
):
    previous = published_run()
    metrics = len(metric_list())

    with celery_worker(
        settings,
        "scoring-kill",
        args=["--include", "tests.scoring.slow_write"],
        **worker_env(private_unacked, slow=True),
    ) as worker:
        run = services.scoring_run_trigger(as_of=AS_OF)
        # The bulk insert is one transaction: its rows appear all at once.
        wait_until(lambda: MetricValue.objects.filter(run=run).exists(), worker=worker)
        half_written = set(MetricValue.objects.filter(run=run).values_list("pk", flat=True))
        assert len(half_written) == DISTRIBUTORS * metrics
        assert not Scorecard.objects.filter(run=run).exists()
        kill(worker)

    run.refresh_from_db()
    assert (run.status, run.attempts) == (ScoringRun.Status.RUNNING, 1)
    # Nothing of the killed attempt is read: readers still get the previous run.
    assert services.latest_run() == previous

    # The same queue: the task comes back where it was sent.
    with celery_worker(
        settings, "scoring-kill", **worker_env(private_unacked, slow=False)
    ) as worker:
        wait_until(
            lambda: ScoringRun.objects.get(pk=run.pk).status == ScoringRun.Status.PUBLISHED,
            timeout=90,
            worker=worker,
        )

    run.refresh_from_db()
    assert run.attempts == 2
    assert services.latest_run() == run
    assert Scorecard.objects.filter(run=run).count() == DISTRIBUTORS
    assert not Scorecard.objects.filter(run=run, rank__isnull=True).exists()
    assert MetricValue.objects.filter(run=run).count() == DISTRIBUTORS * metrics
    # The killed attempt's rows were deleted, not kept alongside the new ones.
    assert not MetricValue.objects.filter(pk__in=half_written).exists()
    assert run.counts["scorecards"] == DISTRIBUTORS
    assert {"metrics", "normalise", "write", "publish"} <= set(run.timings)


def test_a_run_whose_worker_is_killed_on_every_delivery_ends_failed_instead_of_looping(
    settings, channel, private_unacked
):
    """The shared delivery cap (drm/task_policy.py), through real workers: each delivery is
    counted before the task runs; past CELERY_TASK_MAX_DELIVERIES the task fails without running
    and marks its run failed, dropping what the killed attempts wrote."""
    env = {**worker_env(private_unacked, slow=True), "CELERY_TASK_MAX_DELIVERIES": "2"}
    include = ["--include", "tests.scoring.slow_write"]
    run = None
    for attempt in (1, 2):
        with celery_worker(settings, "scoring-doomed", args=include, **env) as worker:
            if run is None:
                run = services.scoring_run_trigger(as_of=AS_OF)
            wait_until(
                lambda attempt=attempt, run=run: (
                    ScoringRun.objects.get(pk=run.pk).attempts == attempt
                    and MetricValue.objects.filter(run=run).exists()
                ),
                timeout=90,
                worker=worker,
            )
            kill(worker)

    # The third delivery is one too many: the worker fails the task instead of running it.
    with celery_worker(settings, "scoring-doomed", args=include, **env) as worker:
        wait_until(
            lambda: ScoringRun.objects.get(pk=run.pk).status == ScoringRun.Status.FAILED,
            timeout=90,
            worker=worker,
        )

    run.refresh_from_db()
    assert run.attempts == 2
    assert "DeliveriesExhausted" in run.error
    assert not MetricValue.objects.filter(run=run).exists()
    assert not Scorecard.objects.filter(run=run).exists()
    # Nothing is left under way: the next run may start.
    assert services.scoring_run_create(as_of=AS_OF).status == ScoringRun.Status.QUEUED


def refused(**trigger):
    try:
        services.scoring_run_trigger(**trigger)
    except Conflict:
        return True
    return False


def test_a_second_trigger_while_a_worker_computes_the_first_is_refused(
    settings, channel, private_unacked
):
    with celery_worker(
        settings,
        "scoring-busy",
        args=["--include", "tests.scoring.slow_write"],
        **worker_env(private_unacked, slow=True),
    ) as worker:
        run = services.scoring_run_trigger(as_of=AS_OF)
        wait_until(
            lambda: ScoringRun.objects.get(pk=run.pk).status == ScoringRun.Status.RUNNING,
            worker=worker,
        )
        second_refused = refused(as_of=AS_OF + datetime.timedelta(days=1))
        kill(worker)

    assert second_refused
    assert ScoringRun.objects.count() == 1
