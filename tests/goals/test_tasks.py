"""The goals' daily job through a real Celery worker on Redis and Postgres, and its schedule.

The worker keeps real time: the goals here are dated from the real today.
"""

import datetime
import time
from decimal import Decimal

import pytest
from django.utils import timezone

from goals import tasks
from goals.models import Goal, LandmarkReview
from notifications.models import Notification
from tests import factories
from tests.workers import celery_worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def wait_until(check, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"not done after {timeout}s")


def goal_with_a_landmark_past_due(distributor, real_today):
    """An active DQL conversion goal (no leads yet: no figures) whose landmark passed."""
    goal = factories.GoalFactory(
        distributor=distributor,
        status="active",
        metric="dql_conversion",
        baseline=Decimal("40"),
        target=Decimal("50"),
        start=real_today - datetime.timedelta(days=100),
        due=real_today + datetime.timedelta(days=200),
    )
    factories.LandmarkFactory(
        goal=goal, date=real_today - datetime.timedelta(days=5), expected=Decimal("45")
    )
    return goal


def test_a_worker_opens_the_review_of_a_landmark_past_due_once_however_often_it_runs(
    settings, manager, partner, outsider, distributor, other_distributor
):
    real_today = timezone.localdate()
    first = goal_with_a_landmark_past_due(distributor, real_today)

    with celery_worker(settings, "goals-daily-test") as worker:
        tasks.goals_daily.delay()
        wait_until(lambda: LandmarkReview.objects.filter(goal=first).exists())

        # The second run opens the review of a goal added since, and settles one past due:
        # once that is done, the whole run is.
        second = goal_with_a_landmark_past_due(other_distributor, real_today)
        past_due = factories.GoalFactory(
            distributor=other_distributor,
            status="active",
            start=real_today - datetime.timedelta(days=100),
            due=real_today - datetime.timedelta(days=1),
        )
        tasks.goals_daily.delay()
        wait_until(lambda: Goal.objects.get(pk=past_due.pk).status == "missed")
        assert worker.poll() is None, "the worker died"

    review = LandmarkReview.objects.get(goal=first)
    assert (review.outcome, review.actual, review.early) == ("missed", None, False)
    assert LandmarkReview.objects.filter(goal=first).count() == 1
    assert LandmarkReview.objects.filter(goal=second).count() == 1
    # The second run neither reopened nor re-announced the first goal's review.
    assert Notification.objects.filter(recipient=partner, kind="landmark_review").count() == 1
    assert Notification.objects.filter(recipient=outsider, kind="landmark_review").count() == 1


def test_the_daily_job_is_on_the_beat_schedule(settings):
    from drm.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["goals-daily"]
    assert entry["task"] == "goals.tasks.goals_daily"
    assert entry["task"] in app.tasks


def test_the_daily_job_retries_transient_errors_with_jittered_capped_backoff():
    from django.db import OperationalError

    task = tasks.goals_daily
    assert OperationalError in task.autoretry_for
    assert task.retry_backoff and task.retry_jitter
    assert task.retry_backoff_max == 300 and task.max_retries == 5
