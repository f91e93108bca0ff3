"""The API's token authentication: the caller's membership read with its token, and every
revocation seen on the very next request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token

from identity.models import Membership

URL = reverse("api:distributor-list")


def _queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL)
    assert response.status_code == 200, response.content
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.django_db
def test_a_partners_membership_comes_with_its_token(token_client, partner):
    queries = _queries(token_client(partner))
    assert "distributors_membership" in queries[0] and "authtoken_token" in queries[0]
    # No second read of the membership: the role check used the one read with the token.
    assert not any(q.startswith('SELECT "distributors_membership"') for q in queries[1:])
    assert not any("auth_group" in q for q in queries[1:])


@pytest.mark.django_db
def test_a_managers_groups_come_with_its_token(token_client, manager):
    queries = _queries(token_client(manager))
    assert "auth_group" in queries[0] and "authtoken_token" in queries[0]
    assert sum("auth_group" in q for q in queries) == 1


@pytest.mark.django_db
def test_a_manager_removed_from_its_group_is_refused_on_the_next_request(token_client, manager):
    client = token_client(manager)
    assert client.get(URL).status_code == 200
    manager.groups.clear()
    assert client.get(URL).status_code == 403


@pytest.mark.django_db
def test_an_unknown_token_is_refused_in_french_too(client):
    response = client.get(URL, HTTP_AUTHORIZATION="Token nope", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Jeton non valide."


@pytest.mark.django_db
@pytest.mark.parametrize("revoke", ["deactivate", "delete token", "remove membership"])
def test_a_revocation_is_seen_on_the_next_request(token_client, partner, distributor, revoke):
    client = token_client(partner)
    assert [d["code"] for d in client.get(URL).json()["results"]] == [distributor.code]
    if revoke == "deactivate":
        partner.is_active = False
        partner.save(update_fields=["is_active"])
        expected = 401
    elif revoke == "delete token":
        Token.objects.filter(user=partner).delete()
        expected = 401
    else:
        Membership.objects.filter(user=partner).delete()
        expected = 403  # still logged in, no role left in the portal
    assert client.get(URL).status_code == expected
