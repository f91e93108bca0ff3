"""resolve(): a notification that asks for an act is done once the act is, for every recipient;
the actor of an act is never told of it; done notifications are neither counted nor e-mailed."""

import pytest

from notifications import services
from notifications.kinds import Delivery
from notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db


def ask(user, *acts, **extra):
    return services.notify(
        recipient=user,
        kind="goal_proposed",
        subject="A goal awaits your answer",
        body="Accept it, or answer with a counter-proposal.",
        link="/goals/1/",
        acts=acts,
        **extra,
    )


def test_act_key_names_the_thing_its_id_the_act_and_a_scope():
    assert services.act_key("goal", 12, "answer") == "goal:12:answer"
    assert services.act_key("criteria", 3, "acknowledge", 7) == "criteria:3:acknowledge:7"


def test_resolving_an_act_marks_every_recipients_notification_done(partner, colleague, outsider):
    mine, theirs = ask(partner, "goal:1:answer"), ask(colleague, "goal:1:answer")
    other = ask(outsider, "goal:2:answer")

    assert services.resolve(key="goal:1:answer") == 2

    for notification in (mine, theirs, other):
        notification.refresh_from_db()
    assert mine.done_at is not None and theirs.done_at is not None
    assert mine.pending_acts == [] and other.pending_acts == ["goal:2:answer"]
    assert other.done_at is None
    assert list(Notification.objects.unread()) == [other]


def test_a_notification_asking_for_several_acts_is_done_with_the_last(partner):
    notification = ask(partner, "lead:1:answer", "lead:2:answer", "lead:3:answer")

    services.resolve(key="lead:2:answer")
    notification.refresh_from_db()
    assert notification.done_at is None
    assert notification.pending_acts == ["lead:1:answer", "lead:3:answer"]

    services.resolve(keys=["lead:1:answer", "lead:3:answer", "lead:9:answer"])
    notification.refresh_from_db()
    assert notification.done_at is not None and notification.pending_acts == []


def test_resolving_again_or_an_unknown_act_changes_nothing(partner):
    notification = ask(partner, "goal:1:answer")
    services.resolve(key="goal:1:answer")
    notification.refresh_from_db()
    done_at = notification.done_at

    assert services.resolve(key="goal:1:answer") == 0
    assert services.resolve(key="goal:404:answer") == 0
    assert services.resolve(keys=[]) == 0
    notification.refresh_from_db()
    assert notification.done_at == done_at


def test_a_notice_that_asks_for_nothing_is_never_done(partner):
    notification = ask(partner)
    services.resolve(key="goal:1:answer")
    notification.refresh_from_db()
    assert notification.done_at is None and notification.pending_acts == []


def test_the_actor_is_not_told_of_their_own_act(partner, colleague):
    assert ask(partner, "goal:1:answer", actor=partner) is None
    assert ask(colleague, "goal:1:answer", actor=partner) is not None
    assert list(Notification.objects.values_list("recipient", flat=True)) == [colleague.pk]


def test_a_done_notification_is_not_emailed_any_more(settings, smtp_server, partner):
    notification = ask(partner, "goal:1:answer")
    services.resolve(key="goal:1:answer")

    assert services.notification_email_send(notification_id=notification.pk) is False
    assert smtp_server.messages == []


def test_the_digest_leaves_out_done_notifications(smtp_server, partner):
    NotificationPreference.objects.create(
        user=partner, kind="goal_proposed", delivery=Delivery.DIGEST
    )
    ask(partner, "goal:1:answer")
    services.resolve(key="goal:1:answer")
    assert services.notification_digest_send_all() == 0

    ask(partner, "goal:2:answer")
    assert services.notification_digest_send_all() == 1
    (message,) = smtp_server.wait_for(1)
    assert "1 new notification" in message["Subject"]
