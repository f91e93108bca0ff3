"""The "Waiting for you" selectors: each one's rows are exactly what its URL lists."""

import datetime

import pytest

from leads import selectors, services
from tests import factories

pytestmark = pytest.mark.django_db


def listed(client, url):
    """The lead or registration ids the page at `url` lists."""
    response = client.get(url)
    assert response.status_code == 200
    context = response.context
    if "rows" in context:  # deal registrations
        return {row["registration"].pk for row in context["rows"]}
    return {lead.pk for lead in context["leads"]}


@pytest.fixture
def world(manager, partner, colleague, distributor, other_distributor, new_lead, time_machine):
    """acme (managed by the manager) and rival (nobody's): leads waiting, overdue, handed to
    the rep, and a registration pending for each."""
    time_machine.move_to(datetime.datetime(2026, 6, 10, 9, 0, tzinfo=datetime.UTC), tick=False)
    distributor.account_manager = manager
    distributor.save()
    hand = services.lead_assign
    made = {
        "acme_old": hand(lead=new_lead(), distributor=distributor, by=manager),
        "rival_old": hand(lead=new_lead(), distributor=other_distributor, by=manager),
    }
    time_machine.shift(datetime.timedelta(hours=49))  # both past their deadline
    made["acme_new"] = hand(lead=new_lead(), distributor=distributor, by=manager)
    made["acme_rep"] = hand(lead=new_lead(), distributor=distributor, by=manager)
    services.lead_hand_to_rep(lead=made["acme_rep"], rep=colleague, by=partner)
    accepted = hand(lead=new_lead(), distributor=distributor, by=manager)
    services.lead_accept(lead=accepted, by=partner)  # not waiting any more
    made["acme_registration"] = services.deal_register(
        by=partner, company="Acme deal", country="DE"
    )
    outsider_admin = factories.MembershipFactory(distributor=other_distributor, role="admin").user
    made["rival_registration"] = services.deal_register(
        by=outsider_admin, company="Rival deal", country="DE"
    )
    return made


def test_a_partner_admin_has_its_distributors_waiting_leads_most_urgent_first(
    login, partner, world
):
    leads = list(selectors.leads_to_accept(user=partner))
    assert [lead.pk for lead in leads] == [
        world["acme_old"].pk,
        world["acme_new"].pk,
        world["acme_rep"].pk,
    ]
    assert leads[0].time_left < datetime.timedelta(0) < leads[1].time_left
    url = selectors.leads_to_accept_url(user=partner)
    assert url == "/leads/inbox/?view=to_accept"
    assert listed(login(partner), url) == {lead.pk for lead in leads}


def test_a_partner_rep_has_the_waiting_leads_handed_to_it(login, colleague, world):
    leads = selectors.leads_to_accept(user=colleague)
    assert [lead.pk for lead in leads] == [world["acme_rep"].pk]
    assert listed(login(colleague), selectors.leads_to_accept_url(user=colleague)) == {
        world["acme_rep"].pk
    }


def test_a_manager_accepts_nothing_but_may_ask_for_a_distributors_waiting_leads(
    login, manager, distributor, world
):
    assert not selectors.leads_to_accept(user=manager).exists()
    assert selectors.leads_to_accept_url(user=manager) is None
    leads = selectors.leads_to_accept(user=manager, distributor=distributor)
    url = selectors.leads_to_accept_url(user=manager, distributor=distributor)
    assert {lead.pk for lead in leads} == listed(login(manager), url)
    assert len(leads) == 3


@pytest.mark.parametrize(
    ("scope", "expected"), [("mine", {"acme_old"}), ("all", {"acme_old", "rival_old"})]
)
def test_a_managers_overdue_leads_are_the_lead_lists_within_the_scope(
    login, manager, world, scope, expected
):
    leads = selectors.leads_overdue(user=manager, scope=scope)
    url = selectors.leads_overdue_url(user=manager, scope=scope)
    assert url == f"/leads/?overdue=1&scope={scope}"
    assert {lead.pk for lead in leads} == {world[name].pk for name in expected}
    assert listed(login(manager), url) == {lead.pk for lead in leads}
    assert leads.count() == len(expected)


@pytest.mark.parametrize(
    ("scope", "expected"),
    [("mine", {"acme_registration"}), ("all", {"acme_registration", "rival_registration"})],
)
def test_a_managers_registrations_to_approve_are_the_pages_within_the_scope(
    login, manager, world, scope, expected
):
    registrations = selectors.registrations_to_approve(user=manager, scope=scope)
    url = selectors.registrations_to_approve_url(user=manager, scope=scope)
    assert url == f"/leads/registrations/?status=pending&scope={scope}"
    assert {r.pk for r in registrations} == {world[name].pk for name in expected}
    assert listed(login(manager), url) == {r.pk for r in registrations}


def test_the_scope_defaults_to_mine_for_a_manager_of_distributors(login, manager, world):
    assert selectors.leads_overdue_url(user=manager) == "/leads/?overdue=1&scope=mine"
    page = login(manager).get("/leads/?overdue=1")
    assert {lead.pk for lead in page.context["leads"]} == {world["acme_old"].pk}


@pytest.mark.parametrize("persona", ["partner", "colleague"])
def test_partners_have_no_overdue_list_nor_registrations_to_approve(request, persona, world):
    user = request.getfixturevalue(persona)
    for scope in ("mine", "all"):
        assert not selectors.leads_overdue(user=user, scope=scope).exists()
        assert not selectors.registrations_to_approve(user=user, scope=scope).exists()
        assert selectors.leads_overdue_url(user=user, scope=scope) is None
        assert selectors.registrations_to_approve_url(user=user, scope=scope) is None


def test_an_outsider_gets_nothing_of_acme(login, outsider, nobody, distributor, world):
    assert not selectors.leads_to_accept(user=outsider, distributor=distributor).exists()
    rival_waiting = {lead.pk for lead in selectors.leads_to_accept(user=outsider)}
    assert rival_waiting == {world["rival_old"].pk}
    assert listed(login(outsider), selectors.leads_to_accept_url(user=outsider)) == rival_waiting
    for user in (outsider, nobody):
        assert not selectors.leads_overdue(user=user, scope="all").exists()
        assert not selectors.registrations_to_approve(user=user, scope="all").exists()
    assert not selectors.leads_to_accept(user=nobody).exists()
    assert selectors.leads_to_accept_url(user=nobody) is None
