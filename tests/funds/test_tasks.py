"""The funds' daily task, run eagerly: approvals left unclaimed past their deadline expire and
give their reservation back, claims due soon are reminded once; and its place on the beat."""

import datetime
from decimal import Decimal

import pytest

from funds import selectors, tasks
from funds.models import FundRequest
from notifications.models import Notification

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def test_the_daily_task_expires_an_approved_request_past_its_deadline_and_frees_its_reservation(
    approved, travel
):
    request = approved()
    assert selectors.allocation_balance(request.allocation).reserved == Decimal("2000.00")

    travel(request.claim_deadline + DAY)
    result = tasks.funds_daily.apply()

    assert result.successful(), result.traceback
    assert result.get() == {"expired": 1, "reminded": 0}
    request.refresh_from_db()
    assert request.status == FundRequest.Status.EXPIRED
    balance = selectors.allocation_balance(request.allocation)
    assert (balance.reserved, balance.available) == (Decimal(0), Decimal("10000.00"))
    # Idempotent: the next run finds nothing more to do.
    assert tasks.funds_daily.apply().get() == {"expired": 0, "reminded": 0}


def test_the_daily_task_leaves_a_request_on_its_last_day_and_reminds_it_once(
    approved, travel, partner
):
    request = approved()
    travel(request.claim_deadline)

    assert tasks.funds_daily.apply().get() == {"expired": 0, "reminded": 1}
    assert tasks.funds_daily.apply().get() == {"expired": 0, "reminded": 0}
    request.refresh_from_db()
    assert request.status == FundRequest.Status.APPROVED
    assert Notification.objects.filter(recipient=partner, kind="fund_claim_due").count() == 1


def test_the_daily_task_is_on_the_beat_schedule_after_the_goals(settings):
    from drm.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["funds-daily"]
    goals = settings.CELERY_BEAT_SCHEDULE["goals-daily"]["schedule"]
    assert entry["task"] == "funds.tasks.funds_daily"
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == goals.hour
    assert entry["schedule"].minute == {20}


def test_the_daily_task_retries_transient_errors_with_jittered_capped_backoff():
    from django.db import OperationalError

    task = tasks.funds_daily
    assert OperationalError in task.autoretry_for
    assert task.retry_backoff and task.retry_jitter
    assert task.retry_backoff_max == 300 and task.max_retries == 5
