"""notification_email_send: SMTP refusals are retried with backoff; the in-app copy stays."""

import pytest

from notifications.models import Notification
from notifications.tasks import notification_email_send
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_refused_message_is_retried_until_the_server_takes_it(smtp_server, partner):
    notification = factories.NotificationFactory(recipient=partner)
    smtp_server.refuse = 2

    notification_email_send.apply(args=[notification.pk])

    assert smtp_server.attempts == 3
    (message,) = smtp_server.messages
    assert message["Subject"] == notification.subject
    notification.refresh_from_db()
    assert notification.emailed_at is not None


def test_when_every_retry_fails_the_in_app_notification_is_kept_unsent(smtp_server, partner):
    notification = factories.NotificationFactory(recipient=partner)
    smtp_server.refuse = 100

    result = notification_email_send.apply(args=[notification.pk])

    assert result.failed()
    assert smtp_server.attempts == 1 + notification_email_send.max_retries
    kept = Notification.objects.get(pk=notification.pk)
    assert kept.emailed_at is None and kept.read_at is None
    assert smtp_server.messages == []


def test_a_server_that_does_not_answer_is_retried(settings, partner):
    from tests.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    notification = factories.NotificationFactory(recipient=partner)

    result = notification_email_send.apply(args=[notification.pk])

    assert result.failed() and isinstance(result.result, OSError)
    assert Notification.objects.get(pk=notification.pk).emailed_at is None


def test_the_daily_digest_is_on_the_beat_schedule(settings):
    from drm.celery import app

    (entry,) = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].startswith("notifications.")
    ]
    assert entry["task"] == "notifications.tasks.notification_digests_send"
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {0}
