"""One lead's page: what each viewer sees of it (contact, timeline, history, routing) and the
acts each may take on it."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from leads import services
from leads.models import Lead
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(today):
    """2026-06-15: the dates posted below are in the future."""


def detail(lead):
    return reverse("leads:detail", args=[lead.pk])


def act(name, lead):
    return reverse(f"leads:{name}", args=[lead.pk])


def mentions_rival(page):
    return re.search(r"\brival\b|Rival Trading", page, flags=re.IGNORECASE) is not None


@pytest.fixture
def handed(new_lead, manager, distributor):
    """A lead waiting for acme's answer."""
    return services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)


@pytest.fixture
def rep(distributor):
    """A second rep of acme."""
    return factories.MembershipFactory(
        user=factories.UserFactory(username="rep-two", first_name="Rita", last_name="Two"),
        distributor=distributor,
        role="rep",
    ).user


# --- the contact ------------------------------------------------------------------------------


def test_the_partner_sees_the_hint_not_the_contact_until_it_accepts(login, partner, handed):
    client = login(partner)
    page = client.get(detail(handed)).content.decode()
    assert 'id="contact-hidden"' in page
    for value in (handed.contact_name, handed.contact_email, handed.contact_phone):
        assert value not in page

    response = client.post(act("accept", handed))
    assert response.status_code == 302
    page = client.get(detail(handed)).content.decode()
    assert 'id="contact-hidden"' not in page
    for value in (handed.contact_name, handed.contact_email, handed.contact_phone):
        assert value in page


def test_the_manager_always_sees_the_contact(login, manager, handed):
    page = login(manager).get(detail(handed)).content.decode()
    assert handed.contact_email in page
    assert 'id="contact-hidden"' not in page


# --- the outsider, the rep, nobody ------------------------------------------------------------

VALID = {
    "accept": {},
    "reject": {"rating": "2", "reason": "no_need"},
    "qualify": {"c_budget": "on"},
    "convert": {"value": "5000", "expected_close": "2026-09-30"},
    "win": {"value": "5000"},
    "lose": {"reason": "price"},
}


def test_the_outsider_gets_404_for_acmes_lead(login, outsider, handed):
    assert login(outsider).get(detail(handed)).status_code == 404


@pytest.mark.parametrize(
    ("stage", "published"),
    [("assigned", False), ("accepted", False), ("accepted", True), ("opportunity", True)],
)
@pytest.mark.parametrize("name", [*VALID, "hand"])
def test_the_outsider_cannot_act_on_acmes_lead(
    login,
    outsider,
    partner,
    new_lead,
    distributor,
    advance,
    snapshot,
    request,
    stage,
    published,
    name,
):
    # Without published criteria too: the qualify act must not answer an outsider otherwise.
    if published:
        request.getfixturevalue("criteria")
    lead = advance(new_lead(), stage, distributor=distributor, by=partner)
    before = snapshot(lead)
    data = {**VALID.get(name, {}), "owner": partner.pk}
    response = login(outsider).post(act(name, lead), data)
    assert response.status_code == 404
    assert snapshot(lead) == before


@pytest.mark.parametrize("name", [*VALID, "hand"])
def test_a_user_without_a_role_cannot_act(login, nobody, handed, snapshot, name):
    before = snapshot(handed)
    assert login(nobody).get(detail(handed)).status_code == 403
    assert login(nobody).post(act(name, handed), VALID.get(name, {})).status_code == 403
    assert snapshot(handed) == before


def test_anonymous_is_sent_to_login(client, handed):
    response = client.get(detail(handed))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_partner_admin_hands_an_accepted_lead_to_a_rep(login, partner, colleague, handed):
    services.lead_accept(lead=handed, by=partner)
    client = login(partner)
    assert 'id="hand-form"' in client.get(detail(handed)).content.decode()
    response = client.post(act("hand", handed), {"owner": colleague.pk})
    assert response.status_code == 302
    assert Lead.objects.get(pk=handed.pk).owner == colleague


def test_a_rep_cannot_hand_a_lead_to_a_rep(login, partner, colleague, rep, handed, snapshot):
    client = login(colleague)
    assert 'id="hand-form"' not in client.get(detail(handed)).content.decode()
    before = snapshot(handed)
    response = client.post(act("hand", handed), {"owner": rep.pk})
    assert response.status_code == 403
    assert snapshot(handed) == before


@pytest.mark.parametrize("name", ["accept", "reject", "lose"])
def test_a_rep_cannot_act_on_a_lead_handed_to_another_rep(
    login, partner, colleague, rep, handed, snapshot, name
):
    services.lead_hand_to_rep(lead=handed, rep=rep, by=partner)
    client = login(colleague)
    page = client.get(detail(handed)).content.decode()
    assert "Another rep of your distributor works this lead." in page
    assert 'id="accept-button"' not in page
    before = snapshot(handed)
    response = client.post(act(name, handed), VALID[name])
    assert response.status_code == 403
    assert snapshot(handed) == before


def test_the_rep_the_lead_is_handed_to_accepts_it(login, partner, rep, handed):
    services.lead_hand_to_rep(lead=handed, rep=rep, by=partner)
    response = login(rep).post(act("accept", handed))
    assert response.status_code == 302
    lead = Lead.objects.get(pk=handed.pk)
    assert (lead.status, lead.owner) == ("accepted", rep)


def test_a_manager_cannot_answer_for_the_partner(login, manager, handed, snapshot):
    before = snapshot(handed)
    assert login(manager).post(act("accept", handed)).status_code == 403
    assert snapshot(handed) == before


def test_a_partner_cannot_assign_or_route(login, partner, handed, snapshot):
    before = snapshot(handed)
    client = login(partner)
    assert client.post(act("assign", handed), {"distributor": "acme"}).status_code == 403
    assert client.post(act("route", handed)).status_code == 403
    assert snapshot(handed) == before


# --- form errors --------------------------------------------------------------------------------

ERRORS = [
    # (act, stage the lead is at, posted data, text the page shows)
    ("reject", "assigned", {"reason": "spam"}, "This field is required."),
    ("reject", "assigned", {"rating": "9", "reason": "spam"}, "Select a valid choice."),
    (
        "reject",
        "assigned",
        {"rating": "3", "reason": "other"},
        "Say why in the comment when the reason is Other.",
    ),
    (
        "convert",
        "dql",
        {"value": "-5", "expected_close": "2026-09-30"},
        "Ensure this value is greater than or equal to 0.",
    ),
    (
        "convert",
        "dql",
        {"value": "5000", "expected_close": "2020-01-31"},
        "The expected close date is in the past.",
    ),
    ("convert", "dql", {"value": "5000"}, "This field is required."),
    ("win", "opportunity", {"value": "lots"}, "Enter a number."),
    (
        "lose",
        "accepted",
        {"reason": "other", "note": "  "},
        "Say why in the note when the reason is Other.",
    ),
    ("lose", "accepted", {"reason": "registration_declined"}, "Select a valid choice."),
    ("hand", "accepted", {"owner": "outsider"}, "Select a valid choice."),
]


@pytest.mark.parametrize(("name", "stage", "data", "error"), ERRORS)
def test_a_partners_bad_form_is_shown_with_its_error_and_changes_nothing(
    login,
    partner,
    outsider,
    new_lead,
    distributor,
    criteria,
    advance,
    snapshot,
    name,
    stage,
    data,
    error,
):
    lead = advance(new_lead(), stage, distributor=distributor, by=partner)
    if data.get("owner") == "outsider":
        data = {"owner": outsider.pk}
    before = snapshot(lead)
    response = login(partner).post(act(name, lead), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert error in page
    assert f'id="{name}-form"' in page
    assert snapshot(lead) == before


def test_a_qualification_that_misses_a_required_item_is_refused_and_said(
    login, partner, handed, criteria, snapshot
):
    services.lead_accept(lead=handed, by=partner)
    before = snapshot(handed)
    response = login(partner).post(act("qualify", handed), {"c_timing": "on"}, follow=True)
    assert "Not distributor-qualified: Budget confirmed must hold." in response.content.decode()
    assert snapshot(handed) == before


def test_qualifying_before_any_criteria_are_published_is_refused_and_said(
    login, partner, handed, snapshot
):
    services.lead_accept(lead=handed, by=partner)
    before = snapshot(handed)
    response = login(partner).post(act("qualify", handed), {"c_budget": "on"}, follow=True)
    assert "No qualification criteria are published yet." in response.content.decode()
    assert snapshot(handed) == before


def test_a_managers_bad_assignment_is_shown_and_changes_nothing(login, manager, new_lead, snapshot):
    lead = new_lead()
    before = snapshot(lead)
    response = login(manager).post(act("assign", lead), {"distributor": "nope"})
    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    assert snapshot(lead) == before


def test_assigning_to_a_distributor_that_rejected_the_lead_is_refused_on_the_form(
    login, manager, partner, handed, snapshot
):
    services.lead_reject(lead=handed, by=partner, rating=1, reason="spam")
    before = snapshot(handed)
    response = login(manager).post(act("assign", handed), {"distributor": "acme"})
    assert response.status_code == 400
    assert "acme rejected this lead or let it expire" in response.content.decode()
    assert snapshot(handed) == before


def test_an_act_the_lead_has_moved_past_is_refused_with_a_message(login, partner, handed, snapshot):
    services.lead_accept(lead=handed, by=partner)
    before = snapshot(handed)
    response = login(partner).post(act("accept", handed), follow=True)
    assert "A lead cannot go from Accepted to Accepted." in response.content.decode()
    assert snapshot(handed) == before


def test_a_partner_that_rejects_a_lead_is_sent_back_to_its_inbox(login, partner, handed):
    response = login(partner).post(act("reject", handed), VALID["reject"])
    assert response.status_code == 302
    assert response["Location"] == reverse("leads:inbox")
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == ["Lead rejected; thank you for the feedback."]


def test_the_whole_life_of_a_lead_through_the_page(login, partner, handed, criteria):
    client = login(partner)
    for name, data in (
        ("accept", {}),
        ("qualify", {"c_budget": "on"}),
        ("convert", {"value": "8000", "expected_close": "2026-09-30"}),
        ("win", {"value": "7500.50"}),
    ):
        response = client.post(act(name, handed), data)
        assert response.status_code == 302, (name, response.content.decode()[:2000])
    lead = Lead.objects.get(pk=handed.pk)
    assert (lead.status, str(lead.won_value), str(lead.opportunity_value)) == (
        "won",
        "7500.50",
        "8000.00",
    )
    assert "This lead is closed." in client.get(detail(lead)).content.decode()


# --- never another distributor ------------------------------------------------------------------


@pytest.fixture
def offered_to_rival_first(time_machine, new_lead, manager, outsider, distributor, request):
    """A lead rival had (and, when asked, rejected with a comment naming itself), then acme."""

    def make(rejected):
        time_machine.move_to(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC), tick=False)
        lead = new_lead(company="Sägewerk Huber")
        rival = request.getfixturevalue("other_distributor")
        services.lead_assign(lead=lead, distributor=rival, by=manager, note="")
        time_machine.shift(datetime.timedelta(hours=2))
        if rejected:
            services.lead_reject(
                lead=lead,
                by=outsider,
                rating=2,
                reason="not_in_territory",
                text="Rival Trading has no team in Bavaria",
            )
            time_machine.shift(datetime.timedelta(hours=2))
        services.lead_assign(lead=lead, distributor=distributor, by=manager)
        time_machine.shift(datetime.timedelta(hours=1))
        return Lead.objects.get(pk=lead.pk)

    return make


@pytest.mark.parametrize("rejected", [True, False], ids=["rejected", "withdrawn"])
def test_a_partners_page_never_names_the_distributors_the_lead_was_offered_to_before(
    login, partner, manager, offered_to_rival_first, rejected
):
    lead = offered_to_rival_first(rejected)
    manager_page = login(manager).get(detail(lead)).content.decode()
    assert mentions_rival(manager_page)  # the manager's timeline names it
    client = login(partner)
    page = client.get(detail(lead)).content.decode()
    assert not mentions_rival(page)
    assert "outsider-test" not in page
    assert "Bavaria" not in page
    client.post(act("accept", lead))
    page = client.get(detail(lead)).content.decode()
    assert not mentions_rival(page)
    assert "outsider-test" not in page


def test_the_partners_timeline_starts_when_the_lead_reached_it(
    login, partner, offered_to_rival_first
):
    lead = offered_to_rival_first(True)
    response = login(partner).get(detail(lead))
    timeline = response.context["timeline"]
    assert [(event.from_status, event.to_status) for event in timeline] == [("mql", "assigned")]


def test_the_partners_history_never_shows_the_distributor_field(
    login, partner, manager, offered_to_rival_first
):
    lead = offered_to_rival_first(False)
    services.lead_accept(lead=lead, by=partner)
    manager_history = login(manager).get(detail(lead)).context["history"]
    assert any(change.field == "Distributor" for change in manager_history)
    partner_history = login(partner).get(detail(lead)).context["history"]
    assert partner_history  # it sees its own changes (the acceptance)
    assert all(change.field != "Distributor" for change in partner_history)


def test_the_routing_explanation_is_shown_to_managers_only(
    login, manager, partner, new_lead, distributor, other_distributor
):
    germany = factories.TerritoryFactory(country="DE", region="")
    distributor.territories.add(germany)
    other_distributor.territories.add(germany)
    lead = services.lead_route(lead=new_lead(), by=manager)
    assert lead.distributor == distributor
    manager_page = login(manager).get(detail(lead)).content.decode()
    assert 'id="routing"' in manager_page
    assert "Why this distributor" in manager_page
    assert mentions_rival(manager_page)  # rival was the other candidate
    partner_page = login(partner).get(detail(lead)).content.decode()
    assert 'id="routing"' not in partner_page
    assert "Why this distributor" not in partner_page
    assert not mentions_rival(partner_page)


def test_a_new_lead_offers_the_manager_an_assignment_that_works(
    login, manager, new_lead, distributor
):
    distributor.territories.add(factories.TerritoryFactory(country="DE", region=""))
    lead = new_lead(status="new")
    client = login(manager)
    assert 'id="assign-form"' in client.get(detail(lead)).content.decode()
    response = client.post(act("assign", lead), {"distributor": "acme"})
    assert response.status_code == 302
    lead.refresh_from_db()
    assert (lead.status, lead.distributor) == ("assigned", distributor)
