"""A real Celery worker checks an upload, and its notice reaches a real SMTP server."""

import os
import subprocess
import sys
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from distributors import services
from drm.celery import app as celery_app
from notifications.models import Notification
from tests import factories
from tests.conftest import parts
from tests.distributors.test_import_worker import ROOT, database_url

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(settings, smtp_server):
    """`celery worker` on a private queue, sending e-mail to the test's SMTP server."""
    queue = f"drm-notify-test-{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "drm.settings",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
        "SITE_URL": "https://drm.example.com",
    }
    command = [sys.executable, "-m", "celery", "-A", "drm", "worker", "-Q", queue]
    command += ["--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
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


def test_the_worker_checks_an_upload_and_emails_the_uploader(worker, smtp_server, partner):
    factories.ProductLineFactory(code="pumps")
    content = "distributor,month,product_line,amount\nacme,2026-05,pumps,10\n"
    batch = services.import_batch_create(
        user=partner, kind="revenue", uploaded_file=SimpleUploadedFile("w.csv", content.encode())
    )

    (message,) = smtp_server.wait_for(1, timeout=60)

    assert message.envelope_recipients == [partner.email]
    assert message["Subject"] == "Import w.csv is checked and ready to commit"
    text, html = parts(message)
    link = f"https://drm.example.com/imports/{batch.pk}/"
    assert link in text and f'href="{link}"' in html
    deadline = time.monotonic() + 10
    notice = Notification.objects.get(recipient=partner)
    while notice.emailed_at is None and time.monotonic() < deadline:
        time.sleep(0.1)
        notice.refresh_from_db()
    assert notice.emailed_at is not None
    assert worker.poll() is None, "the worker died"
