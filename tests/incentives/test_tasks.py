"""The nightly accrual through a real Celery worker on Redis and Postgres, and its schedule."""

import datetime
import time
from decimal import Decimal

import pytest

from incentives import tasks
from incentives.models import Entry, Programme, Standing
from tests import factories
from tests.incentives.conftest import programme_fields
from tests.workers import celery_worker

D = Decimal


def wait_until(check, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"not done after {timeout}s")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_accrues_every_programme_under_way_once_however_often_it_runs(
    settings, manager, distributor, other_distributor
):
    from incentives import services

    programme = services.programme_create(by=manager, **programme_fields())
    later = services.programme_create(
        by=manager,
        **programme_fields(
            period_start=datetime.date(2030, 1, 1), period_end=datetime.date(2030, 12, 31)
        ),
    )
    line = factories.ProductLineFactory()
    for who, amount in ((distributor, "12000"), (other_distributor, "5000")):
        factories.RevenueRecordFactory(
            distributor=who, month=datetime.date(2026, 3, 1), amount=D(amount), product_line=line
        )

    with celery_worker(settings, "incentives-accrue-test"):
        tasks.programmes_accrue.delay()
        wait_until(lambda: Entry.objects.filter(programme=programme).count() == 2)
        first = Programme.objects.get(pk=programme.pk).accrued_at
        tasks.programmes_accrue.delay()
        wait_until(lambda: Programme.objects.get(pk=programme.pk).accrued_at > first)

    earned = dict(Standing.objects.filter(programme=programme).values_list("distributor", "earned"))
    assert earned == {distributor.pk: D("240.00"), other_distributor.pk: D("50.00")}
    assert not Standing.objects.filter(programme=later).exists()
    assert Entry.objects.count() == 2


def test_the_accrual_is_on_the_beat_schedule_after_the_funds(settings):
    from drm.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["programmes-accrue"]
    funds = settings.CELERY_BEAT_SCHEDULE["funds-daily"]["schedule"]
    assert entry["task"] == "incentives.tasks.programmes_accrue"
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == funds.hour
    assert entry["schedule"].minute == {30}
