"""The lead tasks through a real Celery worker on Redis and Postgres, and their schedule."""

import datetime
import time

import pytest
from django.utils import timezone

from leads import services, tasks
from leads.models import Lead, LeadEvent
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


def test_a_worker_reassigns_an_overdue_lead_and_escalates_one_nobody_else_can_take(
    settings, manager, partner, distributor, other_distributor
):
    for d in (distributor, other_distributor):
        d.territories.add(factories.TerritoryFactory(country="DE", region=""))
    factories.TerritoryFactory(code="lonely", country="IT", region="")
    distributor.territories.add(factories.TerritoryFactory(country="IT", region="Piemonte"))
    distributor.account_manager = manager
    distributor.save()
    movable = factories.LeadFactory(country="DE")
    stuck = factories.LeadFactory(country="IT", region="Piemonte")
    for lead in (movable, stuck):
        services.lead_assign(lead=lead, distributor=distributor, by=manager)
    Lead.objects.update(accept_deadline=timezone.now() - datetime.timedelta(minutes=5))

    with celery_worker(settings, "deadline-test") as worker:
        tasks.leads_deadlines_enforce.delay()
        wait_until(lambda: not Lead.objects.filter(status="assigned", distributor=distributor))
        assert worker.poll() is None, "the worker died"

    movable.refresh_from_db()
    stuck.refresh_from_db()
    assert (movable.status, movable.distributor) == ("assigned", other_distributor)
    assert (stuck.status, stuck.distributor, bool(stuck.escalated_at)) == ("mql", None, True)
    assert LeadEvent.objects.filter(lead=stuck, cause="escalated").count() == 1
    assert Notification.objects.filter(recipient=manager, kind="lead_escalated").exists()
    assert Notification.objects.filter(recipient=partner, kind="lead_taken_back").exists()


def test_the_deadline_job_is_on_the_beat_schedule(settings):
    from drm.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["lead-deadlines"]
    assert entry["task"] == "leads.tasks.leads_deadlines_enforce"
    assert entry["task"] in app.tasks
    assert entry["schedule"] == 300


def test_the_lead_tasks_retry_transient_errors_with_jittered_capped_backoff():
    from django.db import OperationalError

    for task in (tasks.leads_deadlines_enforce, tasks.leads_route_task, tasks.lead_rollups_rebuild):
        assert OperationalError in task.autoretry_for
        assert task.retry_backoff and task.retry_jitter
        assert task.retry_backoff_max == 300 and task.max_retries == 5
