"""The landmark review queue as a work queue: its filters (one FilterSet for the page and the
API), "needs me" for each persona, overdue, the quick tabs, and what each row needs from whom."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals import selectors, services
from goals.models import ActionStep
from tests import factories

pytestmark = pytest.mark.django_db


def _review(goal, index=0, **fields):
    landmark = goal.landmarks.order_by("date")[index]
    return factories.LandmarkReviewFactory(landmark=landmark, goal=goal, **fields)


@pytest.fixture
def queue(today, distributor, other_distributor, manager, partner, outsider):
    """acme: a missed review not accounted for (opened 20 days ago: overdue), one accounted by
    the manager (waits for the partner admin's acknowledgement), one accounted and acknowledged
    with an action (waits for the manager's closing), an on-track one; rival: a missed one."""
    distributor.account_manager = manager
    distributor.save()
    goal = factories.agreed_goal(manager, partner, distributor=distributor)
    other = factories.agreed_goal(manager, outsider, distributor=other_distributor)
    late = _review(goal, 0, opened_at=timezone.now() - datetime.timedelta(days=20))
    to_ack = _review(goal, 1)
    services.review_account(
        review=to_ack,
        by=manager,
        cause="pricing",
        explanation="Price list late",
        actions=[("Send the price list", None, datetime.date(2026, 7, 1))],
    )
    to_close = _review(goal, 2)
    services.review_account(
        review=to_close,
        by=partner,
        cause="market",
        explanation="A cold spring",
        actions=[("Spring promotion", partner, datetime.date(2026, 7, 1))],
    )
    on_track = _review(goal, 3, outcome="on_track", actual=goal.target)
    rival = _review(other, 0)
    return {
        "late": late,
        "to_ack": to_ack,
        "to_close": to_close,
        "on_track": on_track,
        "rival": rival,
    }


def listed(client, **query):
    response = client.get(reverse("goals:reviews"), query)
    assert response.status_code == 200, response.content.decode()[-2000:]
    page = response.context["page"]
    return {review.pk for review in page.object_list}, page.paginator.count, response


def test_needs_me_lists_for_each_side_the_reviews_whose_next_act_is_its_own(
    login, queue, manager, partner
):
    mine, count, _response = listed(login(manager), needs="me")
    assert mine == {queue["to_close"].pk}
    assert count == 1
    theirs, count, _response = listed(login(partner), needs="me")
    assert theirs == {queue["late"].pk, queue["to_ack"].pk}
    assert count == 2


def test_needs_me_is_what_reviews_needing_returns_and_its_url_lists(
    login, queue, manager, partner, distributor
):
    for user in (manager, partner):
        expected = set(selectors.reviews_needing(user).values_list("pk", flat=True))
        url = selectors.reviews_needing_url()
        response = login(user).get(url)
        assert {r.pk for r in response.context["page"].object_list} == expected
        scoped = selectors.reviews_needing(user, distributor=distributor)
        response = login(user).get(selectors.reviews_needing_url(distributor))
        assert {r.pk for r in response.context["page"].object_list} == set(
            scoped.values_list("pk", flat=True)
        )


def test_a_manager_who_is_not_the_account_manager_is_not_asked(login, queue):
    other_manager = factories.ManagerFactory(username="someone-else")
    mine, count, _response = listed(login(other_manager), needs="me")
    assert mine == set() and count == 0
    # The rival distributor has no account manager: anyone of the manufacturer answers for it
    # once its review waits for the manufacturer.
    services.review_account(
        review=queue["rival"],
        by=queue["rival"].goal.partner_accepted_by,
        cause="market",
        explanation="Slow summer",
        actions=[("Call", None, datetime.date(2026, 7, 1))],
    )
    mine, _count, _response = listed(login(other_manager), needs="me")
    assert mine == {queue["rival"].pk}


def test_a_rep_is_never_asked_for_a_review_act(login, queue, colleague):
    """The services let only the distributor's admin account for or acknowledge a review."""
    mine, count, _response = listed(login(colleague), needs="me")
    assert mine == set() and count == 0
    assert not selectors.reviews_needing(colleague).exists()


def test_overdue_is_a_missed_landmark_not_accounted_for_after_the_accounting_days(
    login, queue, manager, settings
):
    settings.SCORING_ACCOUNTING_DAYS = 14
    rows, count, response = listed(login(manager), accounting="overdue")
    assert rows == {queue["late"].pk} and count == 1
    assert "overdue" in response.content.decode()
    rows, _count, _response = listed(login(manager), accounting="due")
    assert rows == {queue["rival"].pk}
    settings.SCORING_ACCOUNTING_DAYS = 30
    rows, _count, _response = listed(login(manager), accounting="overdue")
    assert rows == set()


def test_filters_by_outcome_status_distributor_account_manager_and_open(
    login, queue, manager, distributor
):
    client = login(manager)
    rows, _c, _r = listed(client, outcome="missed", status="open")
    assert rows == {queue["late"].pk, queue["rival"].pk}
    rows, _c, _r = listed(client, outcome="on_track")
    assert rows == {queue["on_track"].pk}
    rows, _c, _r = listed(client, distributor="ACME")
    assert queue["rival"].pk not in rows and queue["late"].pk in rows
    rows, _c, _r = listed(client, account_manager=str(manager.pk))
    assert queue["rival"].pk not in rows and len(rows) == 4
    services.review_close(review=queue["to_close"], by=manager)
    rows, _c, _r = listed(client, closed="false")
    assert queue["to_close"].pk not in rows and len(rows) == 4
    rows, _c, _r = listed(client, closed="true")
    assert rows == {queue["to_close"].pk}


@pytest.mark.parametrize(
    "query, field",
    [
        ({"outcome": "lost"}, "outcome"),
        ({"needs": "you"}, "needs"),
        ({"accounting": "late"}, "accounting"),
        ({"distributor": "nosuch"}, "distributor"),
        ({"closed": "maybe"}, "closed"),
    ],
)
def test_an_invalid_filter_is_an_error_naming_it_never_the_whole_queue(
    login, queue, manager, query, field
):
    response = login(manager).get(reverse("goals:reviews"), query)
    assert response.status_code == 400
    assert list(response.context["page"].object_list) == []
    assert field in response.context["form"].errors
    assert f"<li>{field}:" in response.content.decode()


def test_a_field_the_form_sends_empty_is_no_filter(login, queue, manager):
    """The page's form sends every field, those left at "any" empty: they filter nothing
    (the API, which no form fills, still refuses an empty parameter)."""
    everything = login(manager).get(reverse("goals:reviews"))
    response = login(manager).get(reverse("goals:reviews"), {"status": "", "outcome": ""})
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == list(
        everything.context["page"].object_list
    )


def test_a_partner_cannot_filter_by_the_manufacturers_account_manager(login, queue, partner):
    response = login(partner).get(reverse("goals:reviews"), {"account_manager": "1"})
    assert response.status_code == 400 and "account_manager" in response.context["form"].errors


def test_the_outsider_gets_nothing_of_acme_whatever_the_filter(login, queue, outsider):
    client = login(outsider)
    for query in ({}, {"needs": "me"}, {"outcome": "missed"}, {"accounting": "overdue"}):
        rows, _count, _response = listed(client, **query)
        assert rows <= {queue["rival"].pk}
    response = client.get(reverse("goals:reviews"), {"distributor": "acme"})
    assert response.status_code == 400


def test_each_row_says_what_is_needed_and_by_whom(login, queue, partner):
    body = login(partner).get(reverse("goals:reviews")).content.decode()
    row = body.split(f'data-review="{queue["to_ack"].pk}"')[1].split("</tr>")[0]
    assert "Acknowledge the accounting" in row and "by the distributor" in row
    assert "needs-me" in row
    row = body.split(f'data-review="{queue["to_close"].pk}"')[1].split("</tr>")[0]
    assert "Close the review" in row and "by the manufacturer" in row
    assert "needs-me" not in row


def test_the_quick_tabs_link_to_the_filters_and_mark_the_one_shown(login, queue, manager):
    response = login(manager).get(reverse("goals:reviews"), {"needs": "me"})
    tabs = {str(tab["label"]): tab for tab in response.context["tabs"]}
    assert tabs["Needs me"]["active"]
    assert tabs["Overdue"]["url"].endswith("?accounting=overdue")
    assert tabs["Missed, not accounted for"]["url"].endswith("?outcome=missed&status=open")
    assert tabs["All open"]["url"].endswith("?closed=false")
    for tab in tabs.values():
        assert login(manager).get(tab["url"]).status_code == 200


def test_the_api_takes_the_same_filters_and_refuses_a_bad_value_naming_it(
    token_client, queue, manager, partner
):
    client = token_client(partner)
    body = client.get(reverse("api:landmark-review-list"), {"needs": "me"}).json()
    assert {row["id"] for row in body["results"]} == {queue["late"].pk, queue["to_ack"].pk}
    row = next(r for r in body["results"] if r["id"] == queue["late"].pk)
    assert (row["next_act"], row["next_side"], row["overdue"]) == ("account", "partner", True)
    response = client.get(reverse("api:landmark-review-list"), {"accounting": "late"})
    assert response.status_code == 400 and "accounting" in response.content.decode()
    body = (
        token_client(manager)
        .get(reverse("api:landmark-review-list"), {"accounting": "overdue"})
        .json()
    )
    assert [row["id"] for row in body["results"]] == [queue["late"].pk]


def test_the_queue_reads_a_fixed_number_of_queries_whatever_its_rows(
    login, queue, manager, partner, distributor
):
    client = login(manager)
    client.get(reverse("goals:reviews"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("goals:reviews"), {"closed": "false"})
    for _ in range(5):
        goal = factories.agreed_goal(manager, partner, distributor=distributor)
        for index in range(3):
            _review(goal, index)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("goals:reviews"), {"closed": "false"})
    assert len(many) == len(few)


def test_a_page_of_the_queue_is_the_queues_order_and_counts_each_reviews_actions(
    login, queue, manager, partner, distributor
):
    """The page is found over the reviews' ids and only its rows are read in full: page 2 holds
    the rows after page 1 in the queue's order, each with its own corrective actions."""
    from goals.views import reviews as review_views

    goal = factories.agreed_goal(manager, partner, distributor=distributor)
    for index in range(3):
        _review(goal, index)
    review_views.PAGE_SIZE, size = 3, review_views.PAGE_SIZE
    try:
        client = login(manager)
        pages = [
            client.get(reverse("goals:reviews"), {"page": number}).context["page"]
            for number in (1, 2, 3)
        ]
    finally:
        review_views.PAGE_SIZE = size
    shown = [review.pk for page in pages for review in page.object_list]
    expected = list(selectors.review_queue(visible_to=manager).values_list("pk", flat=True))
    assert shown == expected[: len(shown)] and len(shown) == min(9, len(expected))
    counts = {review.pk: review.action_count for page in pages for review in page.object_list}
    for pk, count in counts.items():
        assert count == ActionStep.objects.filter(review_id=pk).count()
    assert any(counts.values())
