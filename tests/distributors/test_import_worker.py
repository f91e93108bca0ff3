"""A real Celery worker process, on the real Redis broker and Postgres, runs an import."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from distributors import services
from distributors.models import ImportBatch, RevenueRecord
from tests import factories
from tests.workers import celery_worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(settings):
    with celery_worker(settings, "worker-test") as process:
        yield process


def wait_for(batch, statuses, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch.refresh_from_db()
        if batch.status in statuses:
            return batch
        time.sleep(0.2)
    raise AssertionError(f"import stayed {batch.status} for {timeout}s")


def test_a_celery_worker_checks_and_commits_an_uploaded_file(worker, manager, settings):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    factories.DistributorFactory(code="acme")
    factories.ProductLineFactory(code="pumps")
    content = "distributor,month,product_line,amount\n" + "".join(
        f"acme,2025-{m:02d},pumps,{m * 100}\n" for m in range(1, 13)
    )
    batch = services.import_batch_create(
        user=manager, kind="revenue", uploaded_file=SimpleUploadedFile("y.csv", content.encode())
    )
    # No eager shortcut: only the worker process can move the batch on.
    batch = wait_for(batch, {ImportBatch.Status.VALIDATED, ImportBatch.Status.INVALID})
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert RevenueRecord.objects.count() == 0
    services.import_batch_request_commit(batch=batch, by=manager)
    batch = wait_for(batch, {ImportBatch.Status.COMMITTED, ImportBatch.Status.FAILED})
    assert batch.status == ImportBatch.Status.COMMITTED, batch.message
    assert RevenueRecord.objects.count() == 12
    assert worker.poll() is None, "the worker died"
