"""GET /api/v1/distributors/<code>/history/: who changed what and when, scoped like the rest."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from distributors import services
from tests import factories


def history_url(code):
    return reverse("api:distributor-history", args=[code])


def rows(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_history_lists_changes_newest_first_with_who_old_and_new(
    token_client, manager, distributor
):
    services.distributor_save(distributor=distributor, by=manager, changed_status="probation")
    first = rows(token_client(manager).get(history_url("acme")))[0]
    assert {k: first[k] for k in ("who", "action", "subject", "field", "old", "new")} == {
        "who": "manager-test",
        "action": "changed",
        "subject": "Acme Industrial Supply",
        "field": "Status",
        "old": "Active",
        "new": "Probation",
    }
    assert first["when"]


@pytest.mark.parametrize("persona", ["partner", "colleague"])
def test_partners_read_their_own_distributors_history(
    request, token_client, persona, manager, distributor
):
    client = token_client(request.getfixturevalue(persona))
    distributor.region = "Alps"
    services.distributor_save(distributor=distributor, by=manager)
    changes = rows(client.get(history_url("acme")))
    assert {"field": "Region", "old": "Europe", "new": "Alps"}.items() <= changes[0].items()


def test_partners_never_see_internal_fields_nor_that_they_changed(
    token_client, manager, partner, distributor
):
    distributor.market_potential = 4242
    services.distributor_save(distributor=distributor, by=manager)
    staff_view = token_client(manager).get(history_url("acme"))
    assert "Market potential" in staff_view.content.decode()
    partner_view = token_client(partner).get(history_url("acme"))
    body = partner_view.content.decode()
    assert "4242" not in body and "Market potential" not in body
    assert partner_view.json()["count"] == staff_view.json()["count"] - 1


def test_the_history_shows_partner_users_invited_and_switched_off(
    token_client, partner, colleague, distributor
):
    services.partner_user_deactivate(by=partner, user=colleague)
    changes = rows(token_client(partner).get(history_url("acme")))
    assert {
        "who": "partner-test",
        "subject": "colleague-test",
        "field": "Active",
        "old": "yes",
        "new": "no",
    }.items() <= changes[0].items()
    assert {(c["subject"], c["action"], c["field"]) for c in changes} >= {
        ("partner-test", "created", "Role"),
        ("colleague-test", "created", "Role"),
    }


def test_outsider_gets_404_on_the_partners_distributors_history(
    token_client, outsider, distributor
):
    assert token_client(outsider).get(history_url("acme")).status_code == 404


def test_user_without_a_role_gets_403_and_anonymous_401(token_client, api_client, nobody):
    factories.DistributorFactory(code="acme")
    assert token_client(nobody).get(history_url("acme")).status_code == 403
    assert api_client.get(history_url("acme")).status_code == 401


def test_the_history_is_paginated(token_client, manager, distributor):
    for number in range(7):
        distributor.region = f"Region {number}"
        services.distributor_save(distributor=distributor, by=manager)
    response = token_client(manager).get(history_url("acme") + "?page_size=3")
    assert response.json()["count"] == 8
    assert len(rows(response)) == 3
    assert response.json()["next"]


def test_the_history_is_read_only(token_client, manager, distributor):
    client = token_client(manager)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(history_url("acme"), {}).status_code == 405


def test_query_count_does_not_grow_with_the_number_of_changes(
    token_client, manager, partner, distributor
):
    client = token_client(manager)
    territories = [factories.TerritoryFactory() for _ in range(6)]

    def change(number):
        distributor.tier = factories.TierFactory(code=f"tier-{number}", rank=100 + number)
        distributor.region = f"Region {number}"
        services.distributor_save(
            distributor=distributor, by=manager, territories=territories[: number % 6]
        )
        factories.MembershipFactory(distributor=distributor, role="rep")

    change(1)
    client.get(history_url("acme"))  # warms up the token and the role
    with CaptureQueriesContext(connection) as few:
        assert rows(client.get(history_url("acme")))
    for number in range(2, 12):
        change(number)
    with CaptureQueriesContext(connection) as many:
        assert len(rows(client.get(history_url("acme")))) > 30
    assert len(many) == len(few)
