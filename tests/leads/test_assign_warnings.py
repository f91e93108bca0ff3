"""Assigning a lead by hand against routing's rules: each warning named, the assignment refused
without an override reason and kept with it (page and API)."""

import pytest
from django.urls import reverse

from leads import services
from leads.models import Lead, LeadEvent, RoutingDecision
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def pumps(db):
    return factories.ProductLineFactory(code="pumps", name="Pumps")


@pytest.fixture
def fitting(distributor, pumps):
    """acme as routing would pick it for a DE pumps lead: active, a DE territory, pumps, room."""
    distributor.territories.add(factories.TerritoryFactory(country="DE", region=""))
    distributor.product_lines.add(pumps)
    return distributor


def make_unfit(distributor, warning, *, manager, new_lead):
    """Break exactly one of the rules a hand assignment is checked against."""
    if warning == "inactive":
        distributor.status = "probation"
        distributor.save()
    elif warning == "territory":
        distributor.territories.clear()
        distributor.territories.add(factories.TerritoryFactory(country="FR", region=""))
    elif warning == "product_line":
        distributor.product_lines.clear()
    elif warning == "capacity":
        distributor.lead_capacity = 1
        distributor.save()
        services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)


WARNINGS = {
    "inactive": "acme is not active (Probation)",
    "territory": "acme has no territory in DE",
    "product_line": "acme does not carry the product line",
    "capacity": "acme is at its cap (1 of 1 open leads)",
}


def page_post(client, lead, **data):
    return client.post(reverse("leads:assign", args=[lead.pk]), {"distributor": "acme", **data})


def api_post(client, lead, **data):
    return client.post(
        f"/api/v1/leads/{lead.pk}/assign/", {"distributor": "acme", **data}, format="json"
    )


def test_a_distributor_that_fits_is_assigned_without_a_reason(
    login, token_client, manager, new_lead, fitting, pumps
):
    lead = new_lead(product_line=pumps)
    assert page_post(login(manager), lead).status_code == 302
    assert Lead.objects.get(pk=lead.pk).distributor == fitting
    other = new_lead(product_line=pumps)
    assert api_post(token_client(manager), other).status_code == 200
    assert RoutingDecision.objects.filter(lead=other).get().override_reason == ""


@pytest.mark.parametrize("warning", WARNINGS)
def test_the_page_names_the_warning_and_assigns_nothing_without_a_reason(
    login, manager, new_lead, fitting, pumps, snapshot, warning
):
    make_unfit(fitting, warning, manager=manager, new_lead=new_lead)
    lead = new_lead(product_line=pumps)
    before = snapshot(lead)
    response = page_post(login(manager), lead)
    assert response.status_code == 400
    page = response.content.decode()
    assert WARNINGS[warning] in page
    assert "Give a reason to assign the lead to acme anyway" in page
    assert response.context["assign_form"].errors["override_reason"]
    assert snapshot(lead) == before
    for other, text in WARNINGS.items():
        if other != warning:
            assert text not in page


@pytest.mark.parametrize("warning", WARNINGS)
def test_the_page_assigns_with_a_reason_and_the_history_keeps_it(
    login, manager, new_lead, fitting, pumps, warning
):
    make_unfit(fitting, warning, manager=manager, new_lead=new_lead)
    lead = new_lead(product_line=pumps)
    client = login(manager)
    response = page_post(client, lead, override_reason="The customer asked for acme")
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.distributor) == ("assigned", fitting)
    decision = RoutingDecision.objects.filter(lead=lead).get()
    assert decision.override_reason == "The customer asked for acme"
    assert [w["code"] for w in decision.explanation["warnings"]] == [warning]
    event = LeadEvent.objects.get(lead=lead, to_status="assigned")
    assert event.override_reason == "The customer asked for acme"
    page = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert "Assigned despite the warnings: The customer asked for acme" in page
    assert WARNINGS[warning] in page  # the routing card lists what was overridden


@pytest.mark.parametrize("warning", WARNINGS)
def test_the_api_answers_400_listing_the_warning_by_name_without_a_reason(
    token_client, manager, new_lead, fitting, pumps, snapshot, warning
):
    make_unfit(fitting, warning, manager=manager, new_lead=new_lead)
    lead = new_lead(product_line=pumps)
    before = snapshot(lead)
    response = api_post(token_client(manager), lead)
    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == ["override_reason"]
    assert error["details"] == [{"code": warning, "message": WARNINGS[warning]}]
    assert snapshot(lead) == before


@pytest.mark.parametrize("warning", WARNINGS)
def test_the_api_assigns_with_a_reason_and_shows_it_in_the_routing(
    token_client, manager, new_lead, fitting, pumps, warning
):
    make_unfit(fitting, warning, manager=manager, new_lead=new_lead)
    lead = new_lead(product_line=pumps)
    client = token_client(manager)
    response = api_post(client, lead, override_reason="Key account")
    assert response.status_code == 200, response.json()
    routing = client.get(f"/api/v1/leads/{lead.pk}/").json()["routing"]
    assert routing["override_reason"] == "Key account"
    assert routing["warnings"] == [WARNINGS[warning]]


def test_every_warning_is_listed_at_once(token_client, manager, new_lead, distributor, pumps):
    distributor.status = "probation"
    distributor.save()
    lead = new_lead(product_line=pumps)
    response = api_post(token_client(manager), lead, override_reason="   ")
    assert response.status_code == 400
    codes = [item["code"] for item in response.json()["error"]["details"]]
    assert codes == ["inactive", "territory", "product_line"]


def test_a_blank_reason_is_no_reason_and_a_terminated_distributor_is_refused_outright(
    token_client, manager, new_lead, distributor, snapshot
):
    distributor.status = "terminated"
    distributor.save()
    lead = new_lead()
    before = snapshot(lead)
    response = api_post(token_client(manager), lead, override_reason="Because")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["distributor"]
    assert snapshot(lead) == before


def test_partners_cannot_assign_even_with_a_reason(
    login, token_client, partner, outsider, new_lead, fitting, snapshot
):
    lead = new_lead()
    before = snapshot(lead)
    for user in (partner, outsider):
        assert page_post(login(user), lead, override_reason="x").status_code == 403
        assert api_post(token_client(user), lead, override_reason="x").status_code in (403, 404)
    assert snapshot(lead) == before


def bulk_post(client, *leads, **data):
    return client.post(
        reverse("leads:bulk"),
        {"action": "assign", "distributor": "acme", "leads": [lead.pk for lead in leads], **data},
        follow=True,
    )


def test_a_bulk_assignment_skips_and_names_the_leads_the_rules_object_to(
    login, manager, new_lead, fitting, pumps
):
    fits = new_lead(product_line=pumps)
    outside = new_lead(product_line=pumps, country="FR")
    response = bulk_post(login(manager), fits, outside)
    said = [str(message) for message in response.context["messages"]]
    assert Lead.objects.get(pk=fits.pk).distributor == fitting
    assert Lead.objects.get(pk=outside.pk).distributor is None
    assert any(f"Lead {outside.pk} skipped" in m and "no territory in FR" in m for m in said)


def test_a_bulk_assignment_with_a_reason_goes_through_and_keeps_it(
    login, manager, new_lead, fitting, pumps
):
    outside = new_lead(product_line=pumps, country="FR")
    bulk_post(login(manager), outside, override_reason="The French dealer asked for it")
    assert Lead.objects.get(pk=outside.pk).distributor == fitting
    event = LeadEvent.objects.filter(lead=outside, to_status="assigned").get()
    assert event.override_reason == "The French dealer asked for it"
    decision = RoutingDecision.objects.filter(lead=outside).get()
    assert decision.override_reason == "The French dealer asked for it"
    assert [w["code"] for w in decision.explanation["warnings"]] == ["territory"]
