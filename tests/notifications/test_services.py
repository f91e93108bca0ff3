"""notify(): the in-app copy, the e-mail through a real SMTP server, preferences and the digest."""

import pytest
from django.utils import translation
from django.utils.functional import lazy

from identity.models import UserProfile
from notifications import services
from notifications.kinds import Delivery
from notifications.models import Notification, NotificationPreference
from notifications.tasks import notification_email_send
from tests.conftest import parts

pytestmark = pytest.mark.django_db(transaction=True)


def send(user, **extra):
    return services.notify(
        recipient=user,
        kind="import_finished",
        subject="Import %(filename)s is done",
        body="Imported %(total)d row(s).",
        link="/imports/42/",
        context={"filename": "june.csv", "total": 12},
        **extra,
    )


def test_notify_keeps_an_in_app_copy_and_emails_text_and_html_with_an_absolute_link(
    smtp_server, partner
):
    notification = send(partner)

    (message,) = smtp_server.wait_for(1)
    assert message.envelope_recipients == [partner.email]
    assert message["To"] == partner.email
    assert message["Subject"] == "Import june.csv is done"
    text, html = parts(message)
    assert "https://drm.example.com/imports/42/" in text
    assert 'href="https://drm.example.com/imports/42/"' in html
    assert "Imported 12 row(s)." in text and "Imported 12 row(s)." in html
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert notification.subject == "Import june.csv is done"
    assert notification.read_at is None


def test_a_redelivered_email_task_does_not_send_twice(smtp_server, partner):
    notification = send(partner)
    smtp_server.wait_for(1)

    notification_email_send.apply(args=[notification.pk])

    assert len(smtp_server.messages) == 1


def test_in_app_preference_sends_no_email(smtp_server, partner):
    NotificationPreference.objects.create(
        user=partner, kind="import_finished", delivery=Delivery.IN_APP
    )
    notification = send(partner)

    assert Notification.objects.filter(pk=notification.pk).exists()
    assert smtp_server.messages == []


def test_digest_sends_one_email_per_user_listing_unread_unsent_notifications(
    smtp_server, partner, colleague
):
    for user in (partner, colleague):
        NotificationPreference.objects.create(
            user=user, kind="import_finished", delivery=Delivery.DIGEST
        )
    first, second = send(partner), send(partner)
    read = send(partner)
    read.read_at = read.created_at
    read.save()
    send(colleague)
    assert smtp_server.messages == []

    assert services.notification_digest_send_all() == 2

    messages = {m["To"]: m for m in smtp_server.wait_for(2)}
    text, html = parts(messages[partner.email])
    assert "2 new notifications" in messages[partner.email]["Subject"]
    assert text.count("Import june.csv is done") == 2
    assert "https://drm.example.com/notifications/" in html
    assert set(
        Notification.objects.filter(emailed_at__isnull=False).values_list("pk", flat=True)
    ) >= {first.pk, second.pk}
    # Nothing is due any more: the next run sends nothing.
    assert services.notification_digest_send_all() == 0
    assert len(smtp_server.messages) == 2


def test_subject_and_body_are_rendered_in_the_recipients_language(settings, partner):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    UserProfile.objects.create(user=partner, language="fr")
    language_now = lazy(translation.get_language, str)

    with translation.override("en"):
        notification = services.notify(
            recipient=partner,
            kind="import_failed",
            subject=language_now(),
            body=language_now(),
            link="/",
        )

    assert (notification.subject, notification.body) == ("fr", "fr")


@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        ("fr", "Due 1er février 2027", "At 04/03/2026 17:05"),
        ("en-us", "Due February 1, 2027", "At 03/04/2026 5:05 PM"),
        ("en", "Due 1 February 2027", "At 04/03/2026 17:05"),
    ],
)
def test_dates_of_a_notice_are_written_as_its_recipient_reads_them(
    settings, partner, language, subject, body
):
    """Whoever sends it: a date of the context as a long date, a date-time as a date-time."""
    import datetime

    settings.CELERY_TASK_ALWAYS_EAGER = True
    UserProfile.objects.create(user=partner, language=language)
    with translation.override("fr" if language != "fr" else "en"):
        notification = services.notify(
            recipient=partner,
            kind="import_failed",
            subject="Due %(day)s",
            body="At %(moment)s",
            context={
                "day": datetime.date(2027, 2, 1),
                "moment": datetime.datetime(2026, 3, 4, 17, 5, tzinfo=datetime.UTC),
            },
            link="/",
        )
    assert (notification.subject, notification.body) == (subject, body)


def test_recipient_language_falls_back_to_the_site_language(settings, partner):
    assert services.recipient_language(partner) == settings.LANGUAGE_CODE
    UserProfile.objects.create(user=partner, language="")
    partner.refresh_from_db()
    assert services.recipient_language(partner) == settings.LANGUAGE_CODE
    UserProfile.objects.filter(user=partner).update(language="fr")
    partner = type(partner).objects.get(pk=partner.pk)
    assert services.recipient_language(partner) == "fr"


def test_an_unknown_kind_is_refused_before_anything_is_stored(partner):
    with pytest.raises(LookupError):
        services.notify(recipient=partner, kind="no_such_kind", subject="x", body="", link="/")
    assert not Notification.objects.exists()
