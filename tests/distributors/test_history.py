"""Change history: what is recorded (services, pages, API), and the History section of the pages."""

import pytest
from django.urls import reverse

from distributors import selectors, services
from distributors.models import Distributor
from identity.models import Membership
from tests import factories

from .test_pages_distributors import form_data

SITE = "https://drm.example.com/"


def history(distributor, viewer):
    return selectors.distributor_history(distributor=distributor, viewer=viewer)


def lines(changes):
    """(who, action, field, old, new) for each change, newest first."""
    return [
        (c.who.username if c.who else None, c.action, str(c.field), c.old, c.new) for c in changes
    ]


def test_creating_a_distributor_records_who_created_it(login, manager, distributor):
    data = form_data(distributor, code="newco", name="NewCo", status="onboarding")
    assert login(manager).post(reverse("distributors:create"), data).status_code == 302
    created = Distributor.objects.get(code="newco")
    assert lines(history(created, manager)) == [("manager-test", "created", "", None, None)]


def test_editing_a_distributor_on_the_page_records_old_and_new_values(login, manager, distributor):
    data = form_data(distributor, name="Acme Renamed", region="Nordics")
    url = reverse("distributors:edit", args=[distributor.code])
    assert login(manager).post(url, data).status_code == 302
    changes = history(distributor, manager)
    assert ("manager-test", "changed", "Name", "Acme Industrial Supply", "Acme Renamed") in lines(
        changes
    )
    assert ("manager-test", "changed", "Region", "Europe", "Nordics") in lines(changes)


def test_editing_a_distributor_through_the_api_records_the_api_user(
    token_client, manager, distributor
):
    url = reverse("api:distributor-detail", args=[distributor.code])
    response = token_client(manager).patch(url, {"name": "Acme API"}, format="json")
    assert response.status_code == 200, response.content
    assert lines(history(distributor, manager))[0] == (
        "manager-test",
        "changed",
        "Name",
        "Acme Industrial Supply",
        "Acme API",
    )


def test_a_status_change_shows_the_status_labels(manager, distributor):
    services.distributor_save(distributor=distributor, by=manager, changed_status="probation")
    assert lines(history(distributor, manager))[0] == (
        "manager-test",
        "changed",
        "Status",
        "Active",
        "Probation",
    )


def test_a_territory_change_is_one_change_with_the_territories_before_and_after(
    manager, distributor
):
    north = factories.TerritoryFactory(name="North")
    south = factories.TerritoryFactory(name="South")
    services.distributor_save(distributor=distributor, by=manager, territories=[north])
    services.distributor_save(distributor=distributor, by=manager, territories=[north, south])
    territory_lines = [line for line in lines(history(distributor, manager)) if line[2]]
    assert territory_lines == [
        ("manager-test", "changed", "Territories", "North (DE)", "North (DE), South (DE)"),
        ("manager-test", "changed", "Territories", None, "North (DE)"),
    ]


def test_a_tier_change_names_the_tiers(manager, distributor):
    platinum = factories.TierFactory(code="platinum", name="Platinum", rank=99)
    old = distributor.tier.name
    distributor.tier = platinum
    services.distributor_save(distributor=distributor, by=manager)
    assert lines(history(distributor, manager))[0] == (
        "manager-test",
        "changed",
        "Tier",
        old,
        "Platinum",
    )


def test_a_save_that_changes_nothing_adds_no_line(manager, distributor):
    services.distributor_save(distributor=distributor, by=manager)
    assert lines(history(distributor, manager)) == [(None, "created", "", None, None)]


def test_inviting_a_partner_user_records_the_role_it_got(
    manager, distributor, django_capture_on_commit_callbacks
):
    services.partner_user_invite(
        by=manager,
        email="new@acme.example",
        first_name="New",
        last_name="User",
        site_url=SITE,
        distributor=distributor,
        role="rep",
    )
    change = history(distributor, manager)[0]
    assert (change.subject, change.who, change.action, str(change.field), change.new) == (
        "new@acme.example",
        manager,
        "created",
        "Role",
        "Partner rep",
    )


def test_a_role_change_records_old_and_new_role(manager, colleague, distributor):
    services.membership_role_set(by=manager, membership=colleague.membership, role="admin")
    change = history(distributor, manager)[0]
    assert (change.subject, change.who, str(change.field), change.old, change.new) == (
        "colleague-test",
        manager,
        "Role",
        "Partner rep",
        "Partner admin",
    )


def test_only_the_manufacturer_changes_a_role(partner, colleague):
    with pytest.raises(services.NotAllowed):
        services.membership_role_set(by=partner, membership=colleague.membership, role="admin")
    assert Membership.objects.get(user=colleague).role == "rep"


def test_deactivating_a_partner_user_records_who_switched_it_off(partner, colleague, distributor):
    services.partner_user_deactivate(by=partner, user=colleague)
    change = history(distributor, partner)[0]
    assert (change.subject, change.who, str(change.field), change.old, change.new) == (
        "colleague-test",
        partner,
        "Active",
        "yes",
        "no",
    )


def test_partners_never_learn_that_an_internal_field_changed(manager, partner, distributor):
    distributor.market_potential = 123
    services.distributor_save(distributor=distributor, by=manager)
    assert lines(history(distributor, manager))[0] == (
        "manager-test",
        "changed",
        "Market potential",
        "€1,000,000.00",
        "€123.00",
    )
    # What the partner sees: the distributor created, its own membership; nothing else.
    assert sorted(line[2] for line in lines(history(distributor, partner))) == ["", "Role"]


# --- the History section of the pages -------------------------------------------------------


def test_the_distributor_page_shows_its_history(login, manager, distributor):
    distributor.name = "Acme Renamed"
    services.distributor_save(distributor=distributor, by=manager)
    response = login(manager).get(reverse("distributors:detail", args=[distributor.code]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="history"' in body
    assert "Acme Renamed" in body and "Acme Industrial Supply" in body
    assert body.count('class="history-change"') == 2


def test_the_partners_page_shows_its_history_without_internal_fields(
    login, manager, partner, distributor
):
    distributor.market_potential = 4242
    distributor.region = "Alps"
    services.distributor_save(distributor=distributor, by=manager)
    body = login(partner).get(reverse("distributors:mine")).content.decode()
    assert "Alps" in body
    assert "4242" not in body and "Market potential" not in body


def test_the_outsider_gets_404_for_the_partners_distributor_page(login, outsider, distributor):
    response = login(outsider).get(reverse("distributors:detail", args=[distributor.code]))
    assert response.status_code == 404


# --- values written for people ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "old_end", "new_end", "potential"),
    [
        ("en", "31/12/2027", "30/06/2028", "€250,000.00"),
        ("en-us", "12/31/2027", "06/30/2028", "€250,000.00"),
        ("fr", "31/12/2027", "30/06/2028", "250\u202f000,00\u00a0€"),
    ],
)
def test_history_writes_dates_and_amounts_as_the_reader_does(
    manager, distributor, language, old_end, new_end, potential
):
    import datetime

    from django.utils import translation

    distributor.contract_end = datetime.date(2028, 6, 30)
    distributor.market_potential = 250000
    services.distributor_save(distributor=distributor, by=manager)
    with translation.override(language):
        changes = {str(c.field): c for c in history(distributor, manager)}
        end, potential_label = (
            str(Distributor._meta.get_field(name).verbose_name).capitalize()
            for name in ("contract_end", "market_potential")
        )
    assert (changes[end].old, changes[end].new) == (old_end, new_end)
    assert changes[end].new_value == "2028-06-30"
    assert changes[potential_label].new == potential
    assert changes[potential_label].new_value == "250000.00"


def test_the_api_history_gives_the_text_and_the_iso_value(token_client, manager, distributor):
    import datetime

    distributor.contract_end = datetime.date(2028, 6, 30)
    services.distributor_save(distributor=distributor, by=manager)
    url = reverse("api:distributor-history", args=[distributor.code])
    first = token_client(manager).get(url, HTTP_ACCEPT_LANGUAGE="fr").json()["results"][0]
    assert (first["old"], first["new"]) == ("31/12/2027", "30/06/2028")
    assert (first["old_value"], first["new_value"]) == ("2027-12-31", "2028-06-30")


def test_a_leads_history_writes_its_amounts_in_its_currency(manager, distributor):
    from django.utils import translation

    from leads.selectors import lead_history

    lead = factories.LeadFactory(estimated_value=72000, currency="EUR")
    lead.estimated_value = 80000
    lead.save()
    with translation.override("fr"):
        change = next(c for c in lead_history(lead=lead, viewer=manager) if c.field)
    assert (change.old, change.new) == ("72\u202f000,00\u00a0€", "80\u202f000,00\u00a0€")
    assert "72000" not in f"{change.old}{change.new}"
