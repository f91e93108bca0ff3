"""A real Celery worker checks an upload, and its notice reaches a real SMTP server."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from distributors import services
from notifications.models import Notification
from tests import factories
from tests.conftest import parts
from tests.workers import celery_worker

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(settings, smtp_server):
    """A worker sending e-mail to the test's SMTP server."""
    with celery_worker(
        settings,
        "notify-test",
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_server.port}",
        SITE_URL="https://drm.example.com",
    ) as process:
        yield process


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
