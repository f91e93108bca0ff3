"""/api/v1/landmark-reviews/: the scoped queue, one review, and its accounting, the
distributor admin's acknowledgement and the manager's closing."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from goals.models import ActionStep, LandmarkReview
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("api:landmark-review-list")


def one(review):
    return reverse("api:landmark-review-detail", args=[review.pk])


def act(name, review):
    return reverse(f"api:landmark-review-{name}", args=[review.pk])


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response):
    return [item["id"] for item in response.json()["results"]]


def snapshot(review):
    review = LandmarkReview.objects.get(pk=review.pk)
    return (
        review.status,
        review.cause,
        review.explanation,
        review.accounted_by_id,
        review.acknowledged_by_id,
        review.closed_by_id,
        review.actions.count(),
    )


@pytest.fixture
def acme_review(distributor, pumps):
    goal = factories.goal_with_landmarks(
        distributor=distributor, product_line=pumps, status="active"
    )
    return factories.LandmarkReviewFactory(landmark=goal.landmarks.order_by("date").first())


@pytest.fixture
def rival_review(other_distributor):
    goal = factories.goal_with_landmarks(distributor=other_distributor, status="active")
    return factories.LandmarkReviewFactory(
        landmark=goal.landmarks.order_by("date").first(), outcome="on_track", actual=30000
    )


ACCOUNT = {
    "cause": "competition",
    "explanation": "A rival cut prices by 10 % in Bavaria.",
    "actions": [{"what": "Price-match the top ten accounts", "owner": None, "due": "2026-07-31"}],
}


def test_manager_lists_every_review(manager, acme_review, rival_review):
    response = client_for(manager).get(LIST)
    assert response.status_code == 200
    assert sorted(ids(response)) == sorted([acme_review.pk, rival_review.pk])
    item = next(i for i in response.json()["results"] if i["id"] == acme_review.pk)
    assert item["distributor"] == "acme" and item["goal"] == acme_review.goal_id
    assert item["landmark_date"] == "2026-03-31"
    assert item["expected"] == "30000.00" and item["actual"] == "15000.00"
    assert item["outcome"] == "missed" and item["status"] == "open"


def test_partner_and_rep_see_only_their_distributors_reviews(
    partner, colleague, acme_review, rival_review
):
    assert ids(client_for(partner).get(LIST)) == [acme_review.pk]
    assert ids(client_for(colleague).get(LIST)) == [acme_review.pk]
    assert client_for(colleague).get(one(acme_review)).status_code == 200


def test_review_filters(manager, acme_review, rival_review):
    client = client_for(manager)
    assert ids(client.get(LIST, {"outcome": "on_track"})) == [rival_review.pk]
    assert ids(client.get(LIST, {"distributor": "acme"})) == [acme_review.pk]
    assert ids(client.get(LIST, {"goal": rival_review.goal_id})) == [rival_review.pk]
    assert sorted(ids(client.get(LIST, {"status": "open"}))) == sorted(
        [acme_review.pk, rival_review.pk]
    )
    assert ids(client.get(LIST, {"status": "closed"})) == []
    assert client.get(LIST, {"status": "nope"}).status_code == 400
    assert client.get(LIST, {"distributor": "nope"}).status_code == 400


def test_outsider_sees_and_changes_nothing_of_acmes_review(outsider, acme_review, rival_review):
    client = client_for(outsider)
    assert ids(client.get(LIST)) == [rival_review.pk]
    assert client.get(LIST, {"distributor": "acme"}).status_code == 400
    assert client.get(one(acme_review)).status_code == 404
    before = snapshot(acme_review)
    assert client.post(act("account", acme_review), ACCOUNT, format="json").status_code == 404
    assert client.post(act("acknowledge", acme_review)).status_code == 404
    assert client.post(act("close", acme_review)).status_code == 404
    assert snapshot(acme_review) == before


def test_partner_admin_accounts_with_a_corrective_action(partner, acme_review):
    body = {**ACCOUNT, "actions": [{**ACCOUNT["actions"][0], "owner": "partner-test"}]}
    response = client_for(partner).post(act("account", acme_review), body, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "accounted" and data["cause"] == "competition"
    assert data["accounted_by"] == "partner-test"
    assert data["acknowledged_by"] == "partner-test"  # a partner's accounting is its own word
    assert [(a["what"], a["owner"], a["due"]) for a in data["actions"]] == [
        ("Price-match the top ten accounts", "partner-test", "2026-07-31")
    ]
    step = ActionStep.objects.get()
    assert step.review_id == acme_review.pk and step.goal_id == acme_review.goal_id


def test_rep_reads_but_cannot_account(colleague, acme_review):
    before = snapshot(acme_review)
    response = client_for(colleague).post(act("account", acme_review), ACCOUNT, format="json")
    assert response.status_code == 403
    assert snapshot(acme_review) == before


def test_accounting_validates_its_input(manager, acme_review):
    client = client_for(manager)
    for bad in (
        {**ACCOUNT, "cause": "bad luck"},
        {**ACCOUNT, "actions": [{"what": "x", "owner": "ghost", "due": "2026-07-31"}]},
        {**ACCOUNT, "actions": [{"what": "x"}]},
    ):
        assert client.post(act("account", acme_review), bad, format="json").status_code == 400
    response = client.post(
        act("account", acme_review), {**ACCOUNT, "explanation": " "}, format="json"
    )
    assert response.status_code == 400
    assert "explanation" in response.json()["error"]["fields"]
    assert snapshot(acme_review)[0] == "open"


def test_an_owner_from_another_distributor_is_refused(manager, outsider, acme_review):
    body = {**ACCOUNT, "actions": [{**ACCOUNT["actions"][0], "owner": "outsider-test"}]}
    response = client_for(manager).post(act("account", acme_review), body, format="json")
    assert response.status_code == 400
    assert not ActionStep.objects.exists()


def test_manager_accounts_partner_acknowledges_manager_closes(manager, partner, acme_review):
    manager_client = client_for(manager)
    assert (
        manager_client.post(act("account", acme_review), ACCOUNT, format="json").status_code == 200
    )
    # Not closable before the distributor's admin acknowledges.
    response = manager_client.post(act("close", acme_review))
    assert response.status_code == 400
    assert "acknowledgement" in response.json()["error"]["message"]
    # The manager cannot acknowledge for the distributor.
    assert manager_client.post(act("acknowledge", acme_review)).status_code == 403

    response = client_for(partner).post(act("acknowledge", acme_review))
    assert response.status_code == 200
    assert response.json()["acknowledged_by"] == "partner-test"
    assert client_for(partner).post(act("close", acme_review)).status_code == 403

    response = manager_client.post(act("close", acme_review))
    assert response.status_code == 200
    assert response.json()["status"] == "closed" and response.json()["closed_by"] == "manager-test"
    assert manager_client.post(act("close", acme_review)).status_code == 400


def test_acknowledging_before_any_accounting_is_refused(partner, acme_review):
    response = client_for(partner).post(act("acknowledge", acme_review))
    assert response.status_code == 400
    assert snapshot(acme_review)[0] == "open"


def test_reviews_are_read_only_resources(manager, acme_review):
    client = client_for(manager)
    assert client.post(LIST, {}, format="json").status_code == 405
    assert client.patch(one(acme_review), {"status": "closed"}, format="json").status_code == 405
    assert client.delete(one(acme_review)).status_code == 405
