"""/api/v1/leads/: the scoped list (cursor pages, filters), one lead, creation, bulk push, acts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from leads import services
from leads.models import Lead, LeadEvent
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("api:lead-list")
BULK = reverse("api:lead-bulk")


def one(lead):
    return reverse("api:lead-detail", args=[lead.pk])


def act(name, lead):
    return reverse(f"api:lead-{name}", args=[lead.pk])


def ids(response):
    return [item["id"] for item in response.json()["results"]]


@pytest.fixture(autouse=True)
def _clock(today):
    """2026-06-15 12:00 UTC."""


@pytest.fixture
def handed(new_lead, manager, distributor):
    """A lead waiting for acme's answer."""
    return services.lead_assign(
        lead=new_lead(company="Waiting"), distributor=distributor, by=manager
    )


@pytest.fixture
def spread(new_lead, manager, partner, distributor, other_distributor, handed):
    """One lead of each kind: in the pool, with acme (waiting, accepted), with rival."""
    pool = new_lead(company="Pool")
    accepted = services.lead_assign(
        lead=new_lead(company="Ours"), distributor=distributor, by=manager
    )
    services.lead_accept(lead=accepted, by=partner)
    theirs = services.lead_assign(
        lead=new_lead(company="Theirs"), distributor=other_distributor, by=manager
    )
    return {"pool": pool, "handed": handed, "accepted": accepted, "theirs": theirs}


# --- the list -----------------------------------------------------------------------------------


def test_each_viewer_lists_only_the_leads_it_may_see(
    token_client, manager, partner, colleague, outsider, spread
):
    everything = {lead.pk for lead in spread.values()}
    assert set(ids(token_client(manager).get(LIST))) == everything
    acmes = {spread["handed"].pk, spread["accepted"].pk}
    assert set(ids(token_client(partner).get(LIST))) == acmes
    assert set(ids(token_client(colleague).get(LIST))) == acmes
    assert ids(token_client(outsider).get(LIST)) == [spread["theirs"].pk]


def test_an_outsider_naming_acme_gets_the_answer_an_unknown_code_gets(
    token_client, outsider, spread
):
    client = token_client(outsider)
    acme = client.get(LIST, {"distributor": "acme"})
    unknown = client.get(LIST, {"distributor": "nope"})
    assert acme.status_code == unknown.status_code == 400
    assert acme.json() == unknown.json()
    assert "distributor" in acme.json()["error"]["fields"]
    assert "acme" not in str(acme.json())


def test_every_item_carries_its_id_status_and_distributor_code_or_null(
    token_client, manager, spread
):
    items = {item["id"]: item for item in token_client(manager).get(LIST).json()["results"]}
    assert {(item["status"], item["distributor"]) for item in items.values()} == {
        ("mql", None),
        ("assigned", "acme"),
        ("accepted", "acme"),
        ("assigned", "rival"),
    }
    assert items[spread["pool"].pk]["distributor"] is None
    assert items[spread["theirs"].pk]["distributor"] == "rival"


def test_the_contact_is_null_and_flagged_hidden_until_the_partner_accepts(
    token_client, manager, partner, spread
):
    items = {item["id"]: item for item in token_client(partner).get(LIST).json()["results"]}
    waiting = items[spread["handed"].pk]
    assert waiting["contact_hidden"] is True
    assert (waiting["contact_name"], waiting["contact_email"], waiting["contact_phone"]) == (
        None,
        None,
        None,
    )
    accepted = items[spread["accepted"].pk]
    assert accepted["contact_hidden"] is False
    assert accepted["contact_email"] == spread["accepted"].contact_email
    single = token_client(partner).get(one(spread["handed"])).json()
    assert (single["contact_hidden"], single["contact_email"]) == (True, None)
    manager_view = token_client(manager).get(one(spread["handed"])).json()
    assert (manager_view["contact_hidden"], manager_view["contact_email"]) == (
        False,
        spread["handed"].contact_email,
    )


def test_cursor_pages_walk_every_lead_once_newest_first(
    token_client, manager, new_lead, time_machine
):
    made = []
    for minute in (0, 0, 0, 3, 3, 5, 8, 8):  # ties on created_at cross page borders
        time_machine.move_to(datetime.datetime(2026, 6, 15, 12, minute, tzinfo=datetime.UTC))
        made.append(new_lead())
    client = token_client(manager)
    seen, url, pages = [], LIST + "?page_size=3", 0
    while url:
        body = client.get(url).json()
        seen += [item["id"] for item in body["results"]]
        url, pages = body["next"], pages + 1
    assert seen == [
        lead.pk for lead in sorted(made, key=lambda x: (x.created_at, x.pk), reverse=True)
    ]
    assert pages == 3


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "assigned"}, {"handed", "theirs"}),
        ({"distributor": "rival"}, {"theirs"}),
        ({"source": "fair"}, {"pool"}),
        ({"country": "fr"}, {"pool"}),
        ({"product_line": "pumps"}, {"accepted"}),
        ({"overdue": "true"}, {"handed"}),
        ({"overdue": "false"}, {"pool", "accepted", "theirs"}),
        ({"created_after": "2026-06-16T00:00:00Z"}, {"theirs"}),
        ({"escalated": "true"}, set()),
    ],
)
def test_the_list_filters(
    token_client,
    manager,
    new_lead,
    distributor,
    other_distributor,
    partner,
    time_machine,
    params,
    expected,
):
    fair = factories.LeadSourceFactory(code="fair")
    pumps = factories.ProductLineFactory(code="pumps")
    leads = {"pool": new_lead(source=fair, country="FR")}
    leads["handed"] = services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)
    leads["accepted"] = services.lead_assign(
        lead=new_lead(product_line=pumps), distributor=distributor, by=manager
    )
    services.lead_accept(lead=leads["accepted"], by=partner)
    time_machine.shift(datetime.timedelta(hours=49))  # "handed" is overdue
    leads["theirs"] = services.lead_assign(
        lead=new_lead(), distributor=other_distributor, by=manager
    )
    response = token_client(manager).get(LIST, params)
    assert response.status_code == 200, response.json()
    assert set(ids(response)) == {leads[name].pk for name in expected}


@pytest.mark.parametrize(
    "params",
    [{"status": "sleeping"}, {"country": "XX"}, {"source": "nope"}, {"product_line": "nope"}],
)
def test_an_invalid_filter_is_a_400_naming_it(token_client, manager, spread, params):
    response = token_client(manager).get(LIST, params)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == set(params)


def test_the_outsider_gets_404_for_acmes_lead(token_client, outsider, handed):
    assert token_client(outsider).get(one(handed)).status_code == 404


def test_a_user_without_a_role_gets_nothing(token_client, nobody, handed):
    client = token_client(nobody)
    assert client.get(LIST).status_code == 403
    assert client.get(one(handed)).status_code == 403


def test_the_token_authenticates_and_a_bad_one_or_none_does_not(token_client, partner, handed):
    assert token_client(partner).get(LIST).status_code == 200
    anonymous = APIClient()
    assert anonymous.get(LIST).status_code == 401
    anonymous.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert anonymous.get(LIST).status_code == 401


def test_the_list_query_count_does_not_grow_with_the_leads(
    token_client, manager, partner, new_lead, distributor, other_distributor
):
    def add(number):
        for n in range(number):
            lead = services.lead_assign(
                lead=new_lead(
                    source=factories.LeadSourceFactory(),
                    product_line=factories.ProductLineFactory(),
                ),
                distributor=distributor if n % 2 else other_distributor,
                by=manager,
            )
            if n % 2:
                services.lead_accept(lead=lead, by=partner)

    for user in (manager, partner):
        Lead.objects.all().delete()
        client = token_client(user)
        add(2)
        with CaptureQueriesContext(connection) as few:
            assert client.get(LIST).status_code == 200
        add(12)
        with CaptureQueriesContext(connection) as many:
            assert client.get(LIST).status_code == 200
        assert len(many) == len(few), user


# --- creating ---------------------------------------------------------------------------------


def lead_input(**fields):
    return {
        "source": "web",
        "external_ref": "crm-1",
        "company": "Sägewerk Huber",
        "contact_email": "info@huber.example",
        "country": "de",
        "estimated_value": "25000.00",
        "currency": "eur",
        **fields,
    }


def test_a_manager_enters_a_lead(token_client, manager, web):
    response = token_client(manager).post(LIST, lead_input(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["distributor"], body["country"], body["currency"]) == (
        "mql",
        None,
        "DE",
        "EUR",
    )
    lead = Lead.objects.get(pk=body["id"])
    assert LeadEvent.objects.filter(lead=lead, to_status="mql").count() == 1


def test_a_manager_enters_a_lead_and_routes_it(token_client, manager, web, distributor):
    distributor.territories.add(factories.TerritoryFactory(country="DE", region=""))
    response = token_client(manager).post(LIST, lead_input(route=True), format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["status"], response.json()["distributor"]) == ("assigned", "acme")


@pytest.mark.parametrize("persona", ["partner", "colleague", "outsider", "nobody"])
def test_only_managers_enter_leads(token_client, request, web, persona):
    response = token_client(request.getfixturevalue(persona)).post(
        LIST, lead_input(), format="json"
    )
    assert response.status_code == 403
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"country": "DEU"}, "country"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": ""}, "currency"),
        ({"source": "nope"}, "source"),
        ({"company": ""}, "company"),
        ({"contact_email": "not-mail"}, "contact_email"),
        ({"estimated_value": "-1"}, "estimated_value"),
        ({"mql_score": 101}, "mql_score"),
        ({"status": "won"}, "status"),
    ],
)
def test_a_bad_lead_is_a_400_naming_the_field_and_nothing_is_created(
    token_client, manager, web, fields, field
):
    response = token_client(manager).post(LIST, lead_input(**fields), format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"], response.json()
    assert not Lead.objects.exists()
    assert not LeadEvent.objects.exists()


def test_a_reference_the_source_has_already_is_a_400_naming_it(token_client, manager, web):
    client = token_client(manager)
    assert client.post(LIST, lead_input(), format="json").status_code == 201
    response = client.post(LIST, lead_input(company="Other"), format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["external_ref"]
    assert Lead.objects.count() == 1


# --- bulk -----------------------------------------------------------------------------------


def row(reference, **fields):
    return {
        "source": "web",
        "external_ref": reference,
        "company": f"Firma {reference}",
        "country": "DE",
        **fields,
    }


def test_bulk_creates_the_rows_and_skips_known_references(token_client, manager, web, time_machine):
    client = token_client(manager)
    first = client.post(BULK, {"rows": [row("a"), row("b")]}, format="json")
    assert first.json() == {"created": 2, "skipped": 0, "routed": 0, "left": 0}
    time_machine.shift(datetime.timedelta(seconds=1))
    again = client.post(BULK, {"rows": [row("b"), row("c")]}, format="json")
    assert again.status_code == 200
    assert again.json() == {"created": 1, "skipped": 1, "routed": 0, "left": 0}
    assert sorted(Lead.objects.values_list("external_ref", flat=True)) == ["a", "b", "c"]
    assert LeadEvent.objects.filter(cause="imported").count() == 3


def test_bulk_is_all_or_nothing_and_names_the_bad_rows_by_index(token_client, manager, web):
    response = token_client(manager).post(
        BULK,
        {"rows": [row("a"), row("b", country="XX"), row("c", source="nope")]},
        format="json",
    )
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert {(d["row"], d["column"]) for d in details} == {(1, "country"), (2, "source")}
    assert not Lead.objects.exists()


def test_bulk_routes_the_new_leads_when_asked(token_client, manager, web, distributor):
    distributor.territories.add(factories.TerritoryFactory(country="DE", region=""))
    response = token_client(manager).post(
        BULK, {"rows": [row("a"), row("b"), row("c", country="PT")], "route": True}, format="json"
    )
    assert response.json() == {"created": 3, "skipped": 0, "routed": 2, "left": 1}
    assert dict(Lead.objects.values_list("external_ref", "status")) == {
        "a": "assigned",
        "b": "assigned",
        "c": "mql",
    }


@pytest.mark.parametrize("persona", ["partner", "outsider", "nobody"])
def test_only_managers_push_leads(token_client, request, web, persona):
    response = token_client(request.getfixturevalue(persona)).post(
        BULK, {"rows": [row("a")]}, format="json"
    )
    assert response.status_code == 403
    assert not Lead.objects.exists()


def test_an_empty_push_is_a_400(token_client, manager):
    response = token_client(manager).post(BULK, {"rows": []}, format="json")
    assert response.status_code == 400
    assert "rows" in response.json()["error"]["fields"]


# --- the acts -------------------------------------------------------------------------------


def test_a_manager_assigns_and_routes(token_client, manager, new_lead, distributor):
    distributor.territories.add(factories.TerritoryFactory(country="DE", region=""))
    client = token_client(manager)
    lead = new_lead()
    response = client.post(act("assign", lead), {"distributor": "acme"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["distributor"]) == ("assigned", "acme")

    other = new_lead()
    response = client.post(act("route", other), format="json")
    assert (response.json()["status"], response.json()["distributor"]) == ("assigned", "acme")


def test_assigning_to_an_unknown_distributor_is_a_400(token_client, manager, new_lead, snapshot):
    lead = new_lead()
    before = snapshot(lead)
    response = token_client(manager).post(
        act("assign", lead), {"distributor": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "distributor" in response.json()["error"]["fields"]
    assert snapshot(lead) == before


def test_routing_a_lead_that_is_not_in_the_pool_is_a_400(token_client, manager, handed, snapshot):
    before = snapshot(handed)
    response = token_client(manager).post(act("route", handed), format="json")
    assert response.status_code == 400
    assert snapshot(handed) == before


@pytest.mark.parametrize("persona", ["partner", "colleague", "outsider", "nobody"])
@pytest.mark.parametrize("name", ["assign", "route"])
def test_only_managers_assign_and_route(token_client, request, new_lead, snapshot, persona, name):
    lead = new_lead()
    before = snapshot(lead)
    response = token_client(request.getfixturevalue(persona)).post(
        act(name, lead), {"distributor": "acme"}, format="json"
    )
    assert response.status_code == 403
    assert snapshot(lead) == before


def test_the_partner_accepts_and_gets_the_contact(token_client, partner, handed):
    response = token_client(partner).post(act("accept", handed), format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["owner"], body["contact_hidden"]) == (
        "accepted",
        "partner-test",
        False,
    )
    assert body["contact_email"] == handed.contact_email


def test_the_partner_rejects_and_the_lead_leaves_it(token_client, partner, handed):
    client = token_client(partner)
    response = client.post(
        act("reject", handed), {"rating": 2, "reason": "no_budget", "text": "Frozen"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["distributor"], body["contact_email"]) == ("mql", None, None)
    assert client.get(one(handed)).status_code == 404


def test_the_partner_qualifies_converts_wins(token_client, partner, handed, criteria):
    client = token_client(partner)
    client.post(act("accept", handed), format="json")
    qualified = client.post(act("qualify", handed), {"answers": {"budget": True}}, format="json")
    assert qualified.json()["status"] == "dql", qualified.json()
    converted = client.post(
        act("convert", handed), {"value": "9000", "expected_close": "2026-09-30"}, format="json"
    )
    assert (converted.json()["status"], converted.json()["opportunity_value"]) == (
        "opportunity",
        "9000.00",
    )
    won = client.post(act("win", handed), {"value": "8500.50"}, format="json")
    assert (won.json()["status"], won.json()["won_value"]) == ("won", "8500.50")


def test_the_partner_loses_an_accepted_lead_and_a_manager_a_pool_lead(
    token_client, partner, manager, handed, new_lead
):
    token_client(partner).post(act("accept", handed), format="json")
    lost = token_client(partner).post(act("lose", handed), {"reason": "price"}, format="json")
    assert (lost.json()["status"], lost.json()["lost_reason"]) == ("lost", "price")
    pool = new_lead()
    closed = token_client(manager).post(act("lose", pool), {"reason": "no_decision"}, format="json")
    assert closed.json()["status"] == "lost"


@pytest.mark.parametrize(
    ("name", "stage", "data", "field"),
    [
        ("reject", "assigned", {"rating": 7, "reason": "spam"}, "rating"),
        ("reject", "assigned", {"rating": 3, "reason": "other"}, "text"),
        ("qualify", "accepted", {"answers": {"timing": True}}, "answers"),
        ("qualify", "accepted", {"answers": {"colour": True}}, "answers"),
        ("convert", "dql", {"value": "-1", "expected_close": "2026-09-30"}, "value"),
        ("convert", "dql", {"value": "10", "expected_close": "2020-01-01"}, "expected_close"),
        ("win", "opportunity", {"value": "lots"}, "value"),
        ("lose", "accepted", {"reason": "other"}, "note"),
        ("lose", "accepted", {"reason": "registration_declined"}, "reason"),
        ("accept", "accepted", {}, "status"),
    ],
)
def test_a_bad_act_is_a_400_naming_the_field_and_changes_nothing(
    token_client,
    partner,
    new_lead,
    distributor,
    criteria,
    advance,
    snapshot,
    name,
    stage,
    data,
    field,
):
    lead = advance(new_lead(), stage, distributor=distributor, by=partner)
    before = snapshot(lead)
    response = token_client(partner).post(act(name, lead), data, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"], response.json()
    assert snapshot(lead) == before


PARTNER_ACTS = [
    ("accept", "assigned", {}),
    ("reject", "assigned", {"rating": 2, "reason": "no_need"}),
    ("qualify", "accepted", {"answers": {"budget": True}}),
    ("convert", "dql", {"value": "10", "expected_close": "2026-09-30"}),
    ("win", "opportunity", {"value": "10"}),
    ("lose", "accepted", {"reason": "price"}),
]


@pytest.mark.parametrize(("name", "stage", "data"), PARTNER_ACTS)
def test_the_outsider_cannot_act_on_acmes_lead(
    token_client,
    outsider,
    partner,
    new_lead,
    distributor,
    criteria,
    advance,
    snapshot,
    name,
    stage,
    data,
):
    lead = advance(new_lead(), stage, distributor=distributor, by=partner)
    before = snapshot(lead)
    response = token_client(outsider).post(act(name, lead), data, format="json")
    assert response.status_code == 404
    assert snapshot(lead) == before


@pytest.mark.parametrize(("name", "stage", "data"), PARTNER_ACTS)
def test_a_manager_cannot_answer_for_the_partner(
    token_client,
    manager,
    partner,
    new_lead,
    distributor,
    criteria,
    advance,
    snapshot,
    name,
    stage,
    data,
):
    lead = advance(new_lead(), stage, distributor=distributor, by=partner)
    before = snapshot(lead)
    response = token_client(manager).post(act(name, lead), data, format="json")
    assert response.status_code == 403
    assert snapshot(lead) == before


@pytest.mark.parametrize(("name", "stage", "data"), PARTNER_ACTS)
def test_a_rep_cannot_act_on_a_lead_handed_to_another_rep(
    token_client,
    partner,
    colleague,
    new_lead,
    distributor,
    criteria,
    advance,
    snapshot,
    name,
    stage,
    data,
):
    rep = factories.MembershipFactory(distributor=distributor, role="rep").user
    lead = advance(new_lead(), stage, distributor=distributor, by=partner)
    services.lead_hand_to_rep(lead=lead, rep=rep, by=partner)
    before = snapshot(lead)
    response = token_client(colleague).post(act(name, lead), data, format="json")
    assert response.status_code == 403
    assert snapshot(lead) == before


@pytest.mark.parametrize(("name", "stage", "data"), PARTNER_ACTS)
def test_a_user_without_a_role_cannot_act(
    token_client,
    nobody,
    partner,
    new_lead,
    distributor,
    criteria,
    advance,
    snapshot,
    name,
    stage,
    data,
):
    lead = advance(new_lead(), stage, distributor=distributor, by=partner)
    before = snapshot(lead)
    response = token_client(nobody).post(act(name, lead), data, format="json")
    assert response.status_code == 403
    assert snapshot(lead) == before


@pytest.mark.parametrize(("name", "stage", "data"), PARTNER_ACTS)
def test_a_rep_acts_on_its_distributors_unclaimed_lead(
    token_client, colleague, partner, new_lead, distributor, criteria, advance, name, stage, data
):
    # The colleague answers (owns) the lead from acceptance on.
    lead = advance(new_lead(), stage, distributor=distributor, by=colleague)
    response = token_client(colleague).post(act(name, lead), data, format="json")
    assert response.status_code == 200, response.json()


def test_cursor_pages_walk_every_lead_of_a_big_push_once(token_client, manager, web):
    """A push (or a file import) creates its leads at one instant: more than the 1,000 rows
    an offset within one position may skip."""
    client = token_client(manager)
    rows = [row(f"r{n:05d}") for n in range(1600)]
    assert client.post(BULK, {"rows": rows}, format="json").json()["created"] == 1600
    seen, url = [], LIST + "?page_size=500"
    for _page in range(10):
        body = client.get(url).json()
        seen += [item["id"] for item in body["results"]]
        url = body["next"]
        if url is None:
            break
    assert url is None, "the pages never end"
    assert len(seen) == len(set(seen)) == 1600


@pytest.mark.parametrize("status", ["terminated", "onboarding"])
def test_assigning_to_a_distributor_that_takes_no_leads_is_a_400(
    token_client, manager, new_lead, other_distributor, snapshot, status
):
    other_distributor.status = status
    other_distributor.save()
    lead = new_lead()
    before = snapshot(lead)
    response = token_client(manager).post(
        act("assign", lead), {"distributor": "rival"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["distributor"]
    assert snapshot(lead) == before


def test_a_manager_assigns_a_new_lead_by_hand_as_routing_would(
    token_client, manager, new_lead, distributor
):
    distributor.territories.add(factories.TerritoryFactory(country="DE", region=""))
    lead = new_lead(status="new")
    response = token_client(manager).post(
        act("assign", lead), {"distributor": "acme"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["distributor"]) == ("assigned", "acme")
    moves = list(LeadEvent.objects.filter(lead=lead).values_list("from_status", "to_status"))
    assert moves == [("", "new"), ("new", "mql"), ("mql", "assigned")]


def test_a_manager_reads_why_a_lead_went_where_it_went_and_a_partner_never(
    token_client, manager, partner, distributor
):
    distributor.territories.add(factories.TerritoryFactory(country="DE", region=""))
    lead = factories.LeadFactory(country="DE")
    services.lead_route(lead=lead, by=manager)
    body = token_client(manager).get(f"/api/v1/leads/{lead.pk}/").json()
    assert body["routing"]["distributor"] == "acme"
    assert body["routing"]["summary"] == "acme is the only distributor left after the rules."
    assert [step["rule"] for step in body["routing"]["steps"]][:2] == ["active", "territory"]
    assert "routing" not in token_client(partner).get(f"/api/v1/leads/{lead.pk}/").json()
    listed = token_client(manager).get("/api/v1/leads/").json()["results"]
    assert "routing" not in listed[0]
