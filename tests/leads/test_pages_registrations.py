"""Deal registration: a partner registers a deal, a manager checks it for duplicates and decides."""

import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leads import services
from leads.models import DealRegistration, Lead, LeadEvent

pytestmark = pytest.mark.django_db

REGISTER = reverse("leads:register")
LIST = reverse("leads:registrations")


def decide(registration):
    return reverse("leads:registration-decide", args=[registration.pk])


def notes(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def deal(**fields):
    return {
        "company": "Brasserie du Port",
        "contact_name": "Paul Marchand",
        "contact_email": "paul@brasserie-du-port.example",
        "contact_phone": "+33 4 91 00 00 00",
        "country": "fr",
        "region": "Provence",
        "estimated_value": "12000",
        "currency": "eur",
        **fields,
    }


def register(user, **fields):
    fields = {key: value for key, value in deal(**fields).items() if key != "estimated_value"}
    return services.deal_register(by=user, **fields)


# --- registering -------------------------------------------------------------------------------


def test_a_partner_registers_a_deal_that_waits_for_a_managers_decision(
    login, colleague, distributor
):
    response = login(colleague).post(REGISTER, deal())
    assert response.status_code == 302
    assert response["Location"] == LIST
    registration = DealRegistration.objects.get()
    lead = registration.lead
    assert (registration.status, registration.distributor, registration.registered_by) == (
        "pending",
        distributor,
        colleague,
    )
    assert (lead.status, lead.distributor, lead.country, lead.currency) == (
        "new",
        None,
        "FR",
        "EUR",
    )
    assert lead.source.kind == "partner"
    assert str(lead.estimated_value) == "12000.00"
    assert "Deal Brasserie du Port registered" in notes(response)[0]


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"company": ""}, "company", "This field is required."),
        ({"country": "XX"}, "country", "XX"),
        ({"country": ""}, "country", "This field is required."),
        ({"contact_email": "paul-at-port"}, "contact_email", "Enter a valid email address."),
        ({"currency": "EURO"}, "currency", "Ensure this value has at most 3 characters"),
        ({"currency": "XYZ"}, "currency", "XYZ"),
        ({"estimated_value": "-12000"}, "estimated_value", "is negative"),
        ({"estimated_value": "lots"}, "estimated_value", "Enter a number."),
        ({"currency": ""}, "currency", "is required with an estimated value"),
        ({"product_line": "999999"}, "product_line", "Select a valid choice."),
    ],
)
def test_a_bad_registration_shows_the_field_error_and_creates_nothing(
    login, partner, fields, field, error
):
    response = login(partner).post(REGISTER, deal(**fields))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert any(error in message for message in form.errors[field]), form.errors
    assert error in response.content.decode()
    assert not DealRegistration.objects.exists()
    assert not Lead.objects.exists()
    assert not LeadEvent.objects.exists()


def test_two_deals_registered_at_the_same_instant_are_both_kept(login, partner, today):
    client = login(partner)
    assert client.post(REGISTER, deal(company="First")).status_code == 302
    assert client.post(REGISTER, deal(company="Second")).status_code == 302
    assert sorted(r.lead.company for r in DealRegistration.objects.all()) == ["First", "Second"]


@pytest.mark.parametrize("persona", ["manager", "nobody"])
def test_only_partner_users_register_deals(login, request, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(REGISTER).status_code == 403
    assert client.post(REGISTER, deal()).status_code == 403
    assert not Lead.objects.exists()


def test_anonymous_is_sent_to_login(client):
    for url in (REGISTER, LIST):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- the manager's view: duplicates --------------------------------------------------------------


@pytest.fixture
def known(new_lead):
    """Leads the manufacturer has already."""
    return {
        "same name": new_lead(company="BRASSERIE DU PORT", contact_email="a@other.example"),
        "same domain": new_lead(
            company="Port Holding", contact_email="cfo@brasserie-du-port.example"
        ),
        "free mail": new_lead(company="Someone", contact_email="paul.m@gmail.com"),
        "unrelated": new_lead(company="Sägewerk Huber", contact_email="info@huber.example"),
    }


def duplicates_of(response, registration):
    for row in response.context["rows"]:
        if row["registration"].pk == registration.pk:
            return {lead.pk for lead in row["duplicates"]}
    raise AssertionError("registration not listed")


def test_managers_see_pending_registrations_with_their_possible_duplicates(
    login, manager, partner, known
):
    port = register(partner)
    response = login(manager).get(LIST)
    assert response.status_code == 200
    assert duplicates_of(response, port) == {known["same name"].pk, known["same domain"].pk}
    page = response.content.decode()
    assert "Port Holding" in page
    assert "Sägewerk Huber" not in page


def test_a_free_mail_domain_is_not_a_duplicate(login, manager, partner, known):
    free = register(partner, company="Chez Paul", contact_email="paul@gmail.com")
    response = login(manager).get(LIST)
    assert duplicates_of(response, free) == set()
    assert "No lead with the same company name or e-mail domain." in response.content.decode()


def test_two_pending_registrations_of_one_deal_are_each_others_duplicates(
    login, manager, partner, outsider
):
    ours = register(partner, contact_email="paul@port.example")
    theirs = register(outsider, company="brasserie du port", contact_email="chef@port2.example")
    response = login(manager).get(LIST)
    assert duplicates_of(response, ours) == {theirs.lead_id}
    assert duplicates_of(response, theirs) == {ours.lead_id}


def test_the_managers_list_shows_pending_registrations_by_default(login, manager, partner):
    pending = register(partner, company="Pending one")
    decided = register(partner, company="Decided one")
    services.deal_approve(registration=decided, by=manager)
    client = login(manager)
    assert [r["registration"].pk for r in client.get(LIST).context["rows"]] == [pending.pk]
    approved = client.get(LIST, {"status": "approved"}).context["rows"]
    assert [r["registration"].pk for r in approved] == [decided.pk]


# --- deciding ---------------------------------------------------------------------------------


def test_an_approved_deal_is_the_partners_lead_accepted_and_owned_by_who_registered_it(
    login, manager, colleague, distributor
):
    registration = register(colleague)
    response = login(manager).post(decide(registration), {"decision": "approve", "note": "Go"})
    assert response.status_code == 302
    assert "Approved: Brasserie du Port is acme's lead." in notes(response)
    registration.refresh_from_db()
    lead = Lead.objects.get(pk=registration.lead_id)
    assert registration.status == "approved"
    assert (lead.status, lead.distributor, lead.owner) == ("accepted", distributor, colleague)
    assert lead.contact_visible_to(colleague)


def test_declining_needs_a_note_and_changes_nothing_without_one(login, manager, partner):
    registration = register(partner)
    client = login(manager)
    response = client.post(decide(registration), {"decision": "decline", "note": "  "})
    assert response.status_code == 302
    assert "Tell the partner why the deal is declined." in notes(response)
    registration.refresh_from_db()
    assert registration.status == "pending"
    assert Lead.objects.get(pk=registration.lead_id).status == "new"

    client.post(decide(registration), {"decision": "decline", "note": "Known to us already"})
    registration.refresh_from_db()
    lead = Lead.objects.get(pk=registration.lead_id)
    assert (registration.status, registration.decision_note) == ("declined", "Known to us already")
    assert (lead.status, lead.lost_reason) == ("lost", "registration_declined")


def test_a_decided_registration_cannot_be_decided_again(login, manager, partner):
    registration = register(partner)
    client = login(manager)
    client.post(decide(registration), {"decision": "approve"})
    response = client.post(decide(registration), {"decision": "decline", "note": "Oops"})
    assert "This registration is already decided." in notes(response)
    registration.refresh_from_db()
    assert registration.status == "approved"


def test_an_unknown_decision_is_an_error(login, manager, partner):
    registration = register(partner)
    response = login(manager).post(decide(registration), {"decision": "maybe"})
    assert response.status_code == 302
    assert any(note.startswith("decision:") for note in notes(response))
    registration.refresh_from_db()
    assert registration.status == "pending"


@pytest.mark.parametrize("persona", ["partner", "colleague", "outsider", "nobody"])
def test_only_managers_decide(login, request, partner, persona):
    registration = register(partner)
    response = login(request.getfixturevalue(persona)).post(
        decide(registration), {"decision": "approve"}
    )
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.status == "pending"


# --- the partners' view ---------------------------------------------------------------------


def test_partners_see_only_their_own_distributors_registrations(
    login, manager, partner, colleague, outsider
):
    ours = register(colleague, company="Bäckerei Kraus")
    theirs = register(outsider, company="Fromagerie Blanc")
    for user in (partner, colleague):
        response = login(user).get(LIST)
        assert [r["registration"].pk for r in response.context["rows"]] == [ours.pk]
        assert "Fromagerie Blanc" not in response.content.decode()
    response = login(outsider).get(LIST)
    assert [r["registration"].pk for r in response.context["rows"]] == [theirs.pk]
    page = response.content.decode()
    assert "Bäckerei Kraus" not in page
    assert "acme" not in page


def test_partners_see_every_decision_on_their_registrations(login, manager, partner):
    pending = register(partner, company="Waiting")
    approved = register(partner, company="Yes")
    declined = register(partner, company="No")
    services.deal_approve(registration=approved, by=manager)
    services.deal_decline(registration=declined, by=manager, note="We know them")
    response = login(partner).get(LIST)
    assert {r["registration"].pk for r in response.context["rows"]} == {
        pending.pk,
        approved.pk,
        declined.pk,
    }
    assert "We know them" in response.content.decode()
    assert all(not r["duplicates"] for r in response.context["rows"])


def test_a_partner_is_never_sent_to_a_lead_it_cannot_open(login, manager, partner):
    register(partner, company="Waiting")
    approved = register(partner, company="Yes")
    declined = register(partner, company="No")
    services.deal_approve(registration=approved, by=manager)
    services.deal_decline(registration=declined, by=manager, note="We know them")
    client = login(partner)
    page = client.get(LIST).content.decode()
    links = set(re.findall(r'href="(/leads/\d+/)"', page))
    assert links == {reverse("leads:detail", args=[approved.lead_id])}
    for link in links:
        assert client.get(link).status_code == 200


def test_nobody_sees_no_registrations(login, nobody, partner):
    register(partner)
    assert login(nobody).get(LIST).status_code == 403


@pytest.mark.parametrize("persona", ["manager", "partner"])
def test_the_registrations_query_count_does_not_grow_with_the_registrations(
    login, request, partner, colleague, new_lead, persona
):
    client = login(request.getfixturevalue(persona))

    def add(number):
        for n in range(number):
            user = partner if n % 2 else colleague
            company = f"Deal {Lead.objects.count()}"
            new_lead(company=company, contact_email=f"x@{company.replace(' ', '')}.example")
            register(user, company=company, contact_email=f"y@{company.replace(' ', '')}.example")

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    add(10)
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).status_code == 200
    assert len(many) == len(few)


def test_every_registration_is_on_exactly_one_page(login, manager, partner, today):
    # Registered at one instant (a frozen clock): the pages must still not overlap.
    made = {register(partner, company=f"Deal {n}").pk for n in range(30)}
    client = login(manager)
    first = [r["registration"].pk for r in client.get(LIST).context["rows"]]
    second = [r["registration"].pk for r in client.get(LIST, {"page": 2}).context["rows"]]
    assert len(first) == 25
    assert sorted(first + second) == sorted(made)
