""" "Waiting for you": on a partner's home (/my/) for its admin and its reps, and on the manager's
dashboard over "my distributors" or all of them. Every item's count equals the rows of the list
its link opens, and an item is gone once its work is done."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from distributors.models import Distributor
from goals import services as goal_services
from leads import services as lead_services
from leads.models import Lead
from tests import factories

pytestmark = pytest.mark.django_db


def todos(response):
    return {todo.key: todo for todo in response.context["todos"]}


def waiting(distributor, *, hours_left, owner=None):
    now = timezone.now()
    return factories.LeadFactory(
        status=Lead.Status.ASSIGNED,
        distributor=distributor,
        owner=owner,
        assigned_at=now - datetime.timedelta(hours=1),
        accept_deadline=now + datetime.timedelta(hours=hours_left),
    )


def listed_rows(client, url):
    """How many rows the list at `url` holds in all (every page of it)."""
    response = client.get(url)
    assert response.status_code == 200, url
    context = response.context
    if "report" in context:  # the revenue page: the months not reported yet
        return len(context["report"]["unreported"])
    if "count" in context and "leads" in context:  # the lead list counts without paging
        return context["count"]
    return context["page"].paginator.count


@pytest.fixture
def work(scored, manager, partner, colleague):
    """acme's admin has three leads to accept (one handed to the rep `colleague`, one overdue),
    a proposal to answer, a missed landmark to account for, a step due; a month unreported."""
    acme = scored["acme"]
    today = timezone.localdate()
    waiting(acme, hours_left=5)
    waiting(acme, hours_left=-2)
    waiting(acme, hours_left=30, owner=colleague)
    waiting(scored["bolt"], hours_left=3)  # another distributor's: never counted for acme
    proposed = factories.goal_with_landmarks(
        distributor=acme, status="proposed", proposed_by_side="manufacturer"
    )
    goal = factories.agreed_goal(manager, partner, distributor=acme, subtitle="Agreed")
    factories.LandmarkReviewFactory(landmark=goal.landmarks.order_by("date").first())
    factories.ActionStepFactory(
        goal=goal, owner=colleague, what="Visit the dealers", due=today + datetime.timedelta(2)
    )
    return {"acme": acme, "proposed": proposed, "goal": goal}


def test_the_partner_admin_sees_what_waits_for_it_and_each_count_is_its_list(login, partner, work):
    client = login(partner)
    response = client.get(reverse("distributors:mine"))
    found = todos(response)
    assert found["leads_to_accept"].count == 3 and found["leads_to_accept"].overdue == 1
    assert found["goals_to_answer"].count == 1
    assert found["reviews"].count == 1
    assert found["steps_due"].count == 1
    assert "months_to_report" in found
    for todo in found.values():
        assert listed_rows(client, todo.url) == todo.count, todo.key
    html = response.content.decode()
    assert 'id="waiting-for-you"' in html
    assert re.search(r'data-todo="leads_to_accept".*?todo-count">3<', html, re.S)


def test_a_rep_sees_only_what_is_its_own(login, colleague, work):
    client = login(colleague)
    found = todos(client.get(reverse("distributors:mine")))
    # The lead handed to it and the step it owns; the admin's acts are not a rep's.
    assert found["leads_to_accept"].count == 1
    assert found["steps_due"].count == 1
    assert "goals_to_answer" not in found and "reviews" not in found
    assert "months_to_report" not in found
    for todo in found.values():
        assert listed_rows(client, todo.url) == todo.count, todo.key


def test_an_item_leaves_once_its_work_is_done(login, partner, work):
    client = login(partner)
    for lead in Lead.objects.filter(distributor=work["acme"], status=Lead.Status.ASSIGNED):
        lead_services.lead_accept(lead=lead, by=partner)
    goal_services.goal_accept(goal=work["proposed"], by=partner)
    found = todos(client.get(reverse("distributors:mine")))
    assert "leads_to_accept" not in found and "goals_to_answer" not in found


@pytest.fixture
def desk(scored, manager, partner):
    """Registrations and overdue leads at acme and zinc (the manager's) and bolt (nobody's)."""
    today = timezone.localdate()
    for code in ("acme", "zinc", "bolt"):
        distributor = scored[code]
        waiting(distributor, hours_left=-3)
    Distributor.objects.filter(code="bolt").update(
        contract_start=datetime.date(2024, 1, 1), contract_end=today + datetime.timedelta(10)
    )
    Distributor.objects.filter(code="acme").update(
        contract_start=datetime.date(2024, 1, 1), contract_end=today + datetime.timedelta(20)
    )
    return scored


def test_the_managers_dashboard_counts_its_distributors_then_all_and_each_is_its_list(
    login, manager, desk
):
    client = login(manager)
    mine = todos(client.get(reverse("scoring:dashboard")))
    assert mine["leads_overdue"].count == 2  # acme and zinc
    assert mine["contracts_ending"].count == 1  # acme
    everything = todos(client.get(reverse("scoring:dashboard") + "?scope=all"))
    assert everything["leads_overdue"].count == 3
    assert everything["contracts_ending"].count == 2
    for found in (mine, everything):
        for todo in found.values():
            assert listed_rows(client, todo.url) == todo.count, todo.key


def test_an_unknown_scope_is_refused_and_lists_nothing(login, manager, desk):
    response = login(manager).get(reverse("scoring:dashboard") + "?scope=everyone")
    assert response.status_code == 400
    assert response.context["todos"] == []
    assert "scope" in response.content.decode()


def test_nothing_waiting_says_so(login, partner, scored):
    Distributor.objects.filter(pk=scored["acme"].pk).update(contract_start=None)
    html = login(partner).get(reverse("distributors:mine")).content.decode()
    assert 'id="nothing-waiting"' in html or 'data-todo="months_to_report"' in html
