"""One FilterSet for the lead list, its export and the API; the scope tabs; the reasons that
start empty; the leads a bulk routing leaves in the pool, named with why."""

import csv
import datetime
import io

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from leads import selectors, services
from leads.api.leads import LeadViewSet
from leads.filters import LeadFilter
from leads.forms import LoseForm, RejectForm
from leads.models import Lead
from leads.views import leads as lead_views
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("leads:list")
EXPORT = reverse("leads:export")
API = "/api/v1/leads/"


def test_the_page_the_export_and_the_api_read_one_filterset():
    assert LeadViewSet.filterset_class is LeadFilter
    assert not hasattr(lead_views, "LeadFilterForm")


@pytest.fixture
def mine_and_theirs(manager, distributor, other_distributor, new_lead):
    distributor.account_manager = manager
    distributor.save()
    return {
        "mine": services.lead_assign(
            lead=new_lead(company="Mine"), distributor=distributor, by=manager
        ),
        "theirs": services.lead_assign(
            lead=new_lead(company="Theirs"), distributor=other_distributor, by=manager
        ),
        "pool": new_lead(company="Pool"),
    }


def companies(response):
    return {lead.company for lead in response.context["leads"]}


def test_the_list_opens_on_my_distributors_with_tabs_to_all(login, manager, mine_and_theirs):
    client = login(manager)
    response = client.get(URL)
    assert companies(response) == {"Mine"}
    page = response.content.decode()
    assert 'id="scope-mine"' in page and 'id="scope-all"' in page
    assert "My distributors" in page
    assert companies(client.get(URL, {"scope": "all"})) == {"Mine", "Theirs", "Pool"}


def test_a_manager_of_no_distributor_opens_on_all(
    login, manager, distributor, other_distributor, new_lead
):
    services.lead_assign(lead=new_lead(company="Theirs"), distributor=other_distributor, by=manager)
    assert companies(login(manager).get(URL)) == {"Theirs"}


def test_the_export_follows_the_scope_as_the_page(login, manager, mine_and_theirs):
    client = login(manager)

    def exported(params):
        response = client.get(EXPORT, {"format": "csv", **params})
        content = b"".join(response.streaming_content).decode()
        return {row["company"] for row in csv.DictReader(io.StringIO(content))}

    assert exported({}) == {"Mine"}
    assert exported({"scope": "all"}) == {"Mine", "Theirs", "Pool"}


def test_the_api_keeps_every_lead_unless_asked_for_mine(token_client, manager, mine_and_theirs):
    client = token_client(manager)
    assert len(client.get(API).json()["results"]) == 3
    body = client.get(API, {"scope": "mine"}).json()
    assert [lead["company"] for lead in body["results"]] == ["Mine"]


@pytest.mark.parametrize("params", [{"scope": "ours"}, {"overdue": "maybe"}, {"escalated": "yes"}])
def test_an_invalid_value_is_an_error_everywhere_never_an_unfiltered_list(
    login, token_client, manager, mine_and_theirs, params
):
    name = next(iter(params))
    client = login(manager)
    page = client.get(URL, params)
    assert 'id="filter-errors"' in page.content.decode()
    assert companies(page) == set()
    export = client.get(EXPORT, {"format": "csv", **params})
    assert export.status_code == 400
    assert f"{name}:" in export.content.decode()
    api = token_client(manager).get(API, params)
    assert api.status_code == 400
    assert list(api.json()["error"]["fields"]) == [name]


@pytest.mark.parametrize("value", ["1", "true", "on"])
def test_overdue_reads_the_pages_checkbox_and_the_apis_words_alike(
    today, login, manager, mine_and_theirs, time_machine, value
):
    time_machine.shift(datetime.timedelta(hours=49))
    response = login(manager).get(URL, {"overdue": value, "scope": "all"})
    assert companies(response) == {"Mine", "Theirs"}
    assert 'name="overdue" value="' in response.content.decode()  # the box stays ticked


def test_overdue_and_escalated_are_one_rule_each_on_the_model(manager, new_lead, distributor):
    lead = services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)
    Lead.objects.filter(pk=lead.pk).update(accept_deadline=lead.assigned_at)
    lead.refresh_from_db()
    assert lead.is_overdue
    assert list(Lead.objects.overdue()) == [lead]
    assert list(selectors.lead_list(visible_to=manager, filters={"overdue": "1"})) == [lead]
    assert services.leads_deadlines_enforce() == (0, 1)
    lead.refresh_from_db()
    assert lead.is_escalated
    assert list(Lead.objects.escalated()) == [lead]


# --- deal registrations: the scope ---------------------------------------------------------


def test_registrations_open_on_my_distributors_with_tabs_and_refuse_a_bad_status(
    login, manager, partner, outsider, distributor
):
    distributor.account_manager = manager
    distributor.save()
    services.deal_register(by=partner, company="Acme deal", country="DE")
    services.deal_register(by=outsider, company="Rival deal", country="DE")
    client = login(manager)
    url = reverse("leads:registrations")

    def listed(params=None):
        response = client.get(url, params or {})
        return {row["registration"].lead.company for row in response.context["rows"]}, response

    mine, response = listed()
    assert mine == {"Acme deal"}
    assert 'id="scope-all"' in response.content.decode()
    assert listed({"scope": "all"})[0] == {"Acme deal", "Rival deal"}
    wrong, response = listed({"status": "sleeping"})
    assert wrong == set()
    assert 'id="filter-errors"' in response.content.decode()


def test_a_partner_sees_no_scope_tabs_and_only_its_registrations(login, partner, outsider):
    services.deal_register(by=partner, company="Acme deal", country="DE")
    services.deal_register(by=outsider, company="Rival deal", country="DE")
    response = login(partner).get(reverse("leads:registrations"))
    assert {row["registration"].lead.company for row in response.context["rows"]} == {"Acme deal"}
    assert 'id="scope-tabs"' not in response.content.decode()


# --- reasons start empty ---------------------------------------------------------------------


@pytest.mark.parametrize("form_class", [RejectForm, LoseForm])
def test_no_reason_is_chosen_before_the_user_chooses_one(form_class):
    html = str(form_class()["reason"])
    assert "selected" not in html.replace('value="" selected', "")
    assert form_class().fields["reason"].choices[0] == ("", "Choose a reason")


def test_rejecting_without_a_reason_is_an_error_on_the_field_and_changes_nothing(
    login, partner, manager, new_lead, distributor, snapshot
):
    lead = services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)
    before = snapshot(lead)
    response = login(partner).post(reverse("leads:reject", args=[lead.pk]), {"rating": "3"})
    assert response.status_code == 400
    assert response.context["reject_form"].errors["reason"] == ["Choose a reason."]
    assert snapshot(lead) == before


def test_losing_without_a_reason_is_an_error_on_the_field_and_changes_nothing(
    login, manager, new_lead, snapshot
):
    lead = new_lead()
    before = snapshot(lead)
    response = login(manager).post(reverse("leads:lose", args=[lead.pk]), {"note": "x"})
    assert response.status_code == 400
    assert response.context["lose_form"].errors["reason"] == ["Choose a reason."]
    assert snapshot(lead) == before


@pytest.mark.parametrize(("act", "body"), [("reject", {"rating": 3}), ("lose", {})])
def test_the_api_wants_a_reason_too(
    token_client, partner, manager, new_lead, distributor, snapshot, act, body
):
    lead = services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)
    if act == "lose":
        services.lead_accept(lead=lead, by=partner)
    before = snapshot(lead)
    response = token_client(partner).post(f"{API}{lead.pk}/{act}/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["reason"] == ["Choose a reason."]
    assert snapshot(lead) == before


# --- bulk routing names what it leaves in the pool -------------------------------------------


def test_bulk_routing_names_each_lead_left_in_the_pool_and_why(
    login, manager, partner, new_lead, distributor
):
    pumps = factories.ProductLineFactory(code="pumps")
    distributor.territories.add(factories.TerritoryFactory(country="DE", region=""))
    routed = new_lead(company="Routed", country="DE")
    nowhere = new_lead(company="Nowhere", country="PT")
    no_line = new_lead(company="No line", country="DE", product_line=pumps)
    rejected = services.lead_assign(
        lead=new_lead(company="Rejected", country="DE"), distributor=distributor, by=manager
    )
    services.lead_reject(lead=rejected, by=partner, rating=2, reason="no_need")
    full = factories.DistributorFactory(code="full", lead_capacity=0)
    full.territories.add(factories.TerritoryFactory(country="AT", region=""))
    at_cap = new_lead(company="At cap", country="AT")
    ids = [routed.pk, nowhere.pk, no_line.pk, rejected.pk, at_cap.pk]
    response = login(manager).post(reverse("leads:bulk"), {"action": "route", "leads": ids})
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert "1 lead routed. 4 left in the pool (no distributor fits)." in said
    expected = {
        nowhere: "no distributor holds a territory for it",
        no_line: "no distributor of its territory carries its product line",
        rejected: "every distributor that fits rejected it or let it expire",
        at_cap: "every distributor that fits is at its lead capacity",
    }
    for lead, why in expected.items():
        assert f"Left in the pool: {lead.company} (lead {lead.pk}): {why}." in said, said
    assert not any("Routed" in note for note in said if note.startswith("Left"))
