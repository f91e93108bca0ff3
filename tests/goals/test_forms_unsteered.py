"""Forms that do not steer the answer: a review's cause is chosen, never pre-selected (page and
API); a step's owner is offered by name, grouped by side, valued by id, and to a partner only
its own people and the manufacturer's people relevant to its distributor."""

import datetime

import pytest
from django.urls import reverse

from goals.forms import AccountForm, StepForm
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def goal(today, distributor, manager, partner):
    manager.first_name, manager.last_name = "Maria", "Manager"
    manager.save()
    partner.first_name, partner.last_name = "Paul", "Partner"
    partner.save()
    distributor.account_manager = manager
    distributor.save()
    return factories.agreed_goal(manager, partner, distributor=distributor)


@pytest.fixture
def review(goal):
    return factories.LandmarkReviewFactory(landmark=goal.landmarks.first(), goal=goal)


def test_the_cause_starts_empty_and_must_be_chosen(login, partner, review):
    assert AccountForm().fields["cause"].initial is None
    assert AccountForm().fields["cause"].choices[0][0] == ""
    body = login(partner).get(reverse("goals:review", args=[review.pk])).content.decode()
    select = body.split('name="cause"')[1].split("</select>")[0]
    assert "selected" in select.split("</option>")[0]  # the blank "Choose a cause…"
    assert 'value="market" selected' not in select
    data = {
        "cause": "",
        "explanation": "A cold spring",
        "actions-TOTAL_FORMS": "0",
        "actions-INITIAL_FORMS": "0",
    }
    response = login(partner).post(reverse("goals:review-account", args=[review.pk]), data)
    assert response.status_code == 400
    assert "cause" in response.context["account_form"].errors
    review.refresh_from_db()
    assert (review.status, review.cause) == ("open", "")


def test_the_api_has_no_default_cause(token_client, partner, review):
    url = reverse("api:landmark-review-account", args=[review.pk])
    response = token_client(partner).post(url, {"explanation": "Cold"}, format="json")
    assert response.status_code == 400 and "cause" in response.content.decode()
    review.refresh_from_db()
    assert review.status == "open"


def test_a_partner_is_offered_people_by_name_grouped_by_side_never_a_username(
    login, partner, colleague, manager, goal
):
    stranger = factories.ManagerFactory(username="unrelated-manager", first_name="Ulla")
    body = login(partner).get(reverse("goals:detail", args=[goal.pk])).content.decode()
    select = body.split('id="step-form"')[1].split("</select>")[0]
    assert '<optgroup label="Manufacturer">' in select
    assert f'<optgroup label="{goal.distributor.name}">' in select
    assert f'<option value="{manager.pk}">Maria Manager</option>' in select
    assert f'<option value="{partner.pk}">Paul Partner</option>' in select
    assert f'value="{colleague.pk}"' in select
    assert "Ulla" not in select and str(stranger.pk) not in select.split("optgroup")[1]
    for name in ("manager-test", "partner-test", "unrelated-manager"):
        assert name not in select


def test_a_partner_cannot_post_an_unoffered_manufacturer_account(login, partner, goal):
    stranger = factories.ManagerFactory(username="unrelated-manager")
    data = {"what": "Call the dealers", "owner": str(stranger.pk), "due": "2026-08-01"}
    response = login(partner).post(reverse("goals:step-add", args=[goal.pk]), data)
    assert response.status_code == 400
    assert not goal.steps.filter(what="Call the dealers").exists()
    data["owner"] = "unrelated-manager"
    assert login(partner).post(reverse("goals:step-add", args=[goal.pk]), data).status_code == 400


def test_the_owner_chosen_by_id_owns_the_step(login, partner, manager, goal):
    data = {"what": "Call the dealers", "owner": str(manager.pk), "due": "2026-08-01"}
    login(partner).post(reverse("goals:step-add", args=[goal.pk]), data)
    assert goal.steps.get(what="Call the dealers").owner == manager


def test_a_manager_is_offered_itself_and_managers_who_visited_the_distributor(
    manager, goal, distributor
):
    visitor = factories.ManagerFactory(username="visitor")
    factories.ActivityFactory(manager=visitor, distributor=distributor, date=datetime.date.today())
    other = factories.ManagerFactory(username="newcomer")
    offered = StepForm(goal=goal, viewer=other).fields["owner"].people
    assert {manager.pk, visitor.pk, other.pk} <= set(offered)
    assert factories.ManagerFactory(username="far-away").pk not in offered
