import datetime

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(today, distributor, manager, partner):
    goal = factories.agreed_goal(manager, partner, distributor=distributor)
    landmark = goal.landmarks.order_by("date").first()
    return factories.LandmarkReviewFactory(landmark=landmark, goal=goal)


def test_queue_lists_reviews_and_filters_by_status(login, manager, review):
    client = login(manager)
    body = client.get(reverse("goals:reviews")).content.decode()
    assert review.goal.title in body
    body = client.get(reverse("goals:reviews"), {"status": "closed"}).content.decode()
    assert review.goal.title not in body


def test_outsider_sees_no_review_of_acme(login, outsider, review):
    assert review.goal.title not in login(outsider).get(reverse("goals:reviews")).content.decode()
    assert login(outsider).get(reverse("goals:review", args=[review.pk])).status_code == 404


def test_partner_accounts_with_a_corrective_action_and_manager_closes(
    login, partner, manager, review
):
    page = login(partner).get(reverse("goals:review", args=[review.pk]))
    assert "a cause and an explanation" in page.content.decode()
    data = {
        "cause": "market",
        "explanation": "A cold spring",
        "actions-TOTAL_FORMS": "2",
        "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "10",
        "actions-0-what": "Spring promotion",
        "actions-0-owner": str(partner.pk),
        "actions-0-due": "2026-07-01",
    }
    response = login(partner).post(reverse("goals:review-account", args=[review.pk]), data)
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "accounted" and review.acknowledged_by == partner
    assert review.actions.get().what == "Spring promotion"
    login(manager).post(reverse("goals:review-close", args=[review.pk]))
    review.refresh_from_db()
    assert review.status == "closed"


def test_an_action_without_due_date_is_refused_on_the_form(login, partner, review):
    data = {
        "cause": "market",
        "explanation": "A cold spring",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-0-what": "Spring promotion",
    }
    response = login(partner).post(reverse("goals:review-account", args=[review.pk]), data)
    assert response.status_code == 400
    assert "needs a due date" in response.content.decode()


def test_closing_without_accounting_says_what_is_missing(login, manager, review):
    response = login(manager).post(reverse("goals:review-close", args=[review.pk]), follow=True)
    body = response.content.decode()
    assert "cannot close yet. Still missing: a cause and an explanation;" in body


def test_partner_admin_acknowledges_a_managers_accounting(login, manager, partner, review):
    data = {
        "cause": "pricing",
        "explanation": "Price list late",
        "actions-TOTAL_FORMS": "0",
        "actions-INITIAL_FORMS": "0",
    }
    login(manager).post(reverse("goals:review-account", args=[review.pk]), data)
    body = login(partner).get(reverse("goals:review", args=[review.pk])).content.decode()
    assert 'id="acknowledge-review"' in body
    login(partner).post(reverse("goals:review-acknowledge", args=[review.pk]))
    review.refresh_from_db()
    assert review.acknowledged_by == partner


def test_rep_cannot_acknowledge_or_close(login, colleague, review):
    assert login(colleague).post(reverse("goals:review-close", args=[review.pk])).status_code == 403
    response = login(colleague).post(reverse("goals:review-acknowledge", args=[review.pk]))
    assert response.status_code == 403


def test_next_review_shows_whether_previous_actions_were_done(login, manager, review):
    factories.ActionStepFactory(goal=review.goal, review=review, what="Spring promotion")
    second = review.goal.landmarks.order_by("date")[1]
    later = factories.LandmarkReviewFactory(landmark=second, goal=review.goal)
    body = login(manager).get(reverse("goals:review", args=[later.pk])).content.decode()
    assert "Spring promotion" in body and "not done" in body
    assert datetime.date(2026, 3, 31) == review.landmark.date


def test_a_review_whose_corrective_action_was_dropped_does_not_close(
    client, manager, partner, review
):
    """Account with one action, acknowledge, drop the action, close: refused, still open to
    a live action or an agreed adjustment (as the demo let it close with nothing left)."""
    data = {
        "cause": "pricing",
        "explanation": "Price list late",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-0-what": "Send the new price list",
        "actions-0-due": "2026-07-31",
    }
    client.force_login(manager)
    client.post(reverse("goals:review-account", args=[review.pk]), data)
    client.force_login(partner)
    client.post(reverse("goals:review-acknowledge", args=[review.pk]))
    [action] = review.actions.all()
    client.post(reverse("goals:step-status", args=[action.pk]), {"status": "dropped"})
    action.refresh_from_db()
    assert action.status == "dropped"

    client.force_login(manager)
    response = client.post(reverse("goals:review-close", args=[review.pk]), follow=True)

    review.refresh_from_db()
    assert (review.status, review.closed_by) == ("accounted", None)
    assert "Still missing: a live corrective action" in response.content.decode()
