"""Change history: what is recorded (services, pages, API), and the History section of the pages."""

import pytest
from django.urls import reverse

from distributors import selectors, services
from distributors.models import Distributor, Membership
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
