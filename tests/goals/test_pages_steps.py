"""/goals/steps/: the action steps the viewer may see, filtered by owner, state and
distributor, each linked to its goal; `steps_due_for` and its link list the same steps."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals import selectors
from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("goals:steps")


@pytest.fixture
def steps(today, distributor, other_distributor, manager, partner, colleague, outsider):
    goal = factories.agreed_goal(manager, partner, distributor=distributor)
    rival = factories.agreed_goal(manager, outsider, distributor=other_distributor)

    def step(owner, due, goal=goal, status="todo", what=None):
        return factories.ActionStepFactory(
            goal=goal, owner=owner, due=due, status=status, what=what or f"step {due}"
        )

    return {
        "mine_overdue": step(manager, datetime.date(2026, 6, 1)),
        "mine_soon": step(manager, datetime.date(2026, 6, 20)),
        "mine_later": step(manager, datetime.date(2026, 8, 1)),
        "mine_done": step(manager, datetime.date(2026, 6, 10), status="done"),
        "partner_soon": step(partner, datetime.date(2026, 6, 22)),
        "rep_overdue": step(colleague, datetime.date(2026, 6, 5)),
        "rival_soon": step(outsider, datetime.date(2026, 6, 16), goal=rival, what="step-of-rival"),
    }


def listed(client, **query):
    response = client.get(URL, query)
    assert response.status_code == 200, response.content.decode()[-1500:]
    page = response.context["page"]
    assert page.paginator.count == len(page.object_list)
    return {step.pk for step in page.object_list}


def pks(steps, *names):
    return {steps[name].pk for name in names}


def test_filters_by_owner_state_and_distributor(login, steps, manager):
    client = login(manager)
    assert listed(client, owner="me", state="due") == pks(steps, "mine_overdue", "mine_soon")
    assert listed(client, owner="me", state="overdue") == pks(steps, "mine_overdue")
    assert listed(client, owner="me", state="open") == pks(
        steps, "mine_overdue", "mine_soon", "mine_later"
    )
    assert listed(client, state="overdue") == pks(steps, "mine_overdue", "rep_overdue")
    assert steps["rival_soon"].pk in listed(client)
    assert steps["rival_soon"].pk not in listed(client, distributor="acme")


def test_steps_due_for_each_persona_is_what_its_link_lists(
    login, steps, manager, partner, colleague, outsider
):
    expected = {
        manager: pks(steps, "mine_overdue", "mine_soon"),
        partner: pks(steps, "mine_overdue", "mine_soon", "partner_soon", "rep_overdue"),
        colleague: pks(steps, "rep_overdue"),
        outsider: pks(steps, "rival_soon"),
    }
    for user, wanted in expected.items():
        assert {s.pk for s in selectors.steps_due_for(user)} == wanted, user
        response = login(user).get(selectors.steps_due_url(user))
        assert {s.pk for s in response.context["page"].object_list} == wanted, user


def test_a_rep_sees_only_the_steps_it_owns(login, steps, colleague):
    assert listed(login(colleague)) == pks(steps, "rep_overdue")


def test_the_outsider_gets_nothing_of_acme(login, steps, outsider):
    client = login(outsider)
    assert listed(client) == pks(steps, "rival_soon")
    response = client.get(URL, {"distributor": "acme"})
    assert response.status_code == 400 and "distributor" in response.context["form"].errors


def test_an_invalid_filter_is_an_error_naming_it(login, steps, manager):
    for query, field in (({"state": "late"}, "state"), ({"owner": "you"}, "owner")):
        response = login(manager).get(URL, query)
        assert response.status_code == 400
        assert field in response.context["form"].errors
        assert list(response.context["page"].object_list) == []


def test_each_step_links_to_its_goal_and_names_its_owner(login, steps, partner, manager):
    manager.first_name, manager.last_name = "Maria", "Manager"
    manager.save()
    body = login(partner).get(URL).content.decode()
    row = body.split(f'data-step="{steps["mine_overdue"].pk}"')[1].split("</tr>")[0]
    assert reverse("goals:detail", args=[steps["mine_overdue"].goal_id]) in row
    assert "Maria Manager" in row and "manager-test" not in body
    assert "overdue" in row


def test_the_list_reads_a_fixed_number_of_queries(login, steps, manager, partner, distributor):
    client = login(manager)
    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    goal = factories.agreed_goal(manager, partner, distributor=distributor)
    for day in range(1, 20):
        factories.ActionStepFactory(goal=goal, owner=partner, due=datetime.date(2026, 7, day))
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)
