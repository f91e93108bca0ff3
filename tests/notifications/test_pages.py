"""The inbox, opening a notification, marking all read, preferences and the navbar badge."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Notification, NotificationPreference
from tests import factories
from tests.notifications.badge import unread_badge

pytestmark = pytest.mark.django_db


def notice(user, subject, minutes_ago=0, **fields):
    created = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    return factories.NotificationFactory(
        recipient=user, subject=subject, created_at=created, **fields
    )


def test_inbox_lists_only_the_callers_notifications_newest_first(login, partner, outsider):
    notice(partner, "older one", minutes_ago=5)
    notice(partner, "newer one")
    notice(outsider, "rival secret")

    text = login(partner).get("/notifications/").content.decode()

    assert text.index("newer one") < text.index("older one")
    assert "rival secret" not in text


def test_inbox_is_paginated(login, partner):
    for n in range(30):
        notice(partner, f"notice #{n:02d}", minutes_ago=n)

    first = login(partner).get("/notifications/").content.decode()
    second = login(partner).get("/notifications/?page=2").content.decode()

    assert "notice #00" in first and "notice #29" not in first
    assert "notice #29" in second and "Page 2 of 2" in second


def test_inbox_queries_do_not_grow_with_the_number_of_notifications(login, partner):
    client = login(partner)
    notice(partner, "one")
    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/")
    for n in range(20):
        notice(partner, f"more {n}")
    with CaptureQueriesContext(connection) as many:
        client.get("/notifications/")
    assert len(many) == len(few)


def test_opening_a_notification_marks_it_read_and_follows_its_link(login, partner):
    notification = notice(partner, "done", link="/imports/")

    response = login(partner).post(f"/notifications/{notification.pk}/open/")

    assert response.status_code == 302 and response["Location"] == "/imports/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_an_outside_link_is_not_followed(login, partner):
    notification = notice(partner, "odd", link="https://evil.example.com/")
    response = login(partner).post(f"/notifications/{notification.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_another_users_notification_is_404_and_stays_unread(login, partner, colleague):
    notification = notice(partner, "mine")

    response = login(colleague).post(f"/notifications/{notification.pk}/open/")

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_touches_only_the_callers_notifications(login, partner, outsider):
    notice(partner, "a"), notice(partner, "b")
    theirs = notice(outsider, "c")

    response = login(partner).post("/notifications/read-all/")

    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=partner, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_navbar_badge_counts_unread_notifications(login, partner):
    notice(partner, "a"), notice(partner, "b"), notice(partner, "c", read_at=timezone.now())

    text = login(partner).get("/notifications/").content.decode()

    assert 'id="notifications-unread">2<' in text


def test_preferences_show_one_select_per_kind_and_save(login, partner):
    client = login(partner)
    text = client.get("/notifications/preferences/").content.decode()
    assert 'name="import_finished"' in text and 'name="import_failed"' in text

    response = client.post(
        "/notifications/preferences/", {"import_finished": "digest", "import_failed": "in_app"}
    )

    assert response.status_code == 302
    assert dict(
        NotificationPreference.objects.filter(user=partner).values_list("kind", "delivery")
    ) == {"import_finished": "digest", "import_failed": "in_app"}


def test_a_user_without_a_role_gets_403(login, nobody):
    client = login(nobody)
    assert client.get("/notifications/").status_code == 403
    assert client.get("/notifications/preferences/").status_code == 403


def test_a_done_notification_leaves_the_badge_and_shows_greyed_with_when(login, partner):
    from notifications.services import resolve

    notice(partner, "answer the goal", pending_acts=["goal:1:answer"])
    notice(partner, "still to answer", pending_acts=["goal:2:answer"])
    client = login(partner)
    assert unread_badge(client) == 2

    resolve(key="goal:1:answer")

    assert unread_badge(client) == 1
    html = client.get("/notifications/").content.decode()
    done = html[html.index("notification-done") :]
    assert done.index("answer the goal") < done.index("done ")
    assert "still to answer" not in done[: done.index("</form>")]


def test_the_inbox_shows_unread_or_done_ones_on_request(login, partner):
    from notifications.services import resolve

    notice(partner, "read one", read_at=timezone.now())
    notice(partner, "unread one")
    notice(partner, "done one", pending_acts=["goal:1:answer"])
    resolve(key="goal:1:answer")
    client = login(partner)

    everything = client.get("/notifications/").content.decode()
    unread = client.get("/notifications/?show=unread").content.decode()
    done = client.get("/notifications/?show=done").content.decode()

    assert all(s in everything for s in ("read one", "unread one", "done one"))
    assert "unread one" in unread and ">read one<" not in unread and "done one" not in unread
    assert "done one" in done and "unread one" not in done and ">read one<" not in done


def test_an_unknown_show_value_is_a_400_naming_it_and_lists_nothing(login, partner):
    notice(partner, "secret-ish")

    response = login(partner).get("/notifications/?show=everything")

    assert response.status_code == 400
    text = response.content.decode()
    assert 'id="notifications-errors"' in text and "Show:" in text
    assert "secret-ish" not in text


def test_the_inbox_in_french_says_done_with_the_date(login, partner):
    from notifications.services import resolve

    notice(partner, "to answer", pending_acts=["goal:1:answer"])
    resolve(key="goal:1:answer")

    text = login(partner).get("/notifications/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "traitée le" in text and "Non lues" in text
