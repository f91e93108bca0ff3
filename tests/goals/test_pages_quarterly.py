import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def goal(today, distributor, manager, partner):
    goal = factories.agreed_goal(manager, partner, distributor=distributor, subtitle="Acme pumps")
    factories.ActionStepFactory(goal=goal, what="Call the dealers")
    return goal


def url(code, **query):
    return reverse("goals:quarterly", args=[code]) + (
        "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    )


def test_manager_sees_every_goal_of_the_quarter_with_landmarks_and_steps(login, manager, goal):
    response = login(manager).get(url("acme", quarter="2026-Q2"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Acme pumps" in body and "Call the dealers" in body and "2026-Q2" in body
    assert "@media print" in body


def test_a_quarter_without_the_goal_lists_nothing(login, manager, goal):
    body = login(manager).get(url("acme", quarter="2027-Q1")).content.decode()
    assert "No goal runs in this quarter." in body


def test_partner_sees_its_own_quarter(login, partner, colleague, goal):
    assert login(partner).get(url("acme")).status_code == 200
    assert login(colleague).get(url("acme")).status_code == 200


def test_outsider_gets_404_for_another_distributor(login, outsider, goal):
    assert login(outsider).get(url("acme")).status_code == 404


def test_unknown_distributor_is_404(login, manager, goal):
    assert login(manager).get(url("nope")).status_code == 404
