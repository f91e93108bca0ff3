"""A real Celery worker process, on the real Redis broker and Postgres, runs an import."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from distributors import services
from distributors.models import ImportBatch, RevenueRecord
from drm.celery import app as celery_app
from tests import factories

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def database_url():
    settings = connection.settings_dict
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


@pytest.fixture
def worker(settings):
    """Start `celery worker` on a private queue against the test database; stop it afterwards."""
    queue = f"drm-worker-test-{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "drm.settings",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "drm",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield process
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output[-4000:])


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
