"""/api/v1/distributors/<code>/annex/?year=: the contract annex as PDF, scoped to the caller.

Needs goals/annex.py (annex_pdf), written on another branch: this file runs after the merge.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests import factories

pytestmark = pytest.mark.django_db


def annex(code="acme"):
    return reverse("api:distributor-annex", args=[code])


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def agreed(distributor, partner, manager):
    goal = factories.goal_with_landmarks(
        distributor=distributor,
        status="active",
        manufacturer_accepted_by=manager,
        partner_accepted_by=partner,
    )
    factories.BonusBandFactory(goal=goal)
    return goal


def test_manager_downloads_any_distributors_annex(manager, agreed, other_distributor):
    response = client_for(manager).get(annex(), {"year": 2026})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "acme" in response["Content-Disposition"]
    assert client_for(manager).get(annex("rival"), {"year": 2026}).status_code == 200


def test_partner_downloads_its_own_annex(partner, agreed):
    response = client_for(partner).get(annex(), {"year": 2026})
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_outsider_gets_404_for_acmes_annex(outsider, agreed):
    response = client_for(outsider).get(annex(), {"year": 2026})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unknown_distributor_is_404(manager, agreed):
    assert client_for(manager).get(annex("nope"), {"year": 2026}).status_code == 404


@pytest.mark.parametrize("query", [{}, {"year": "soon"}, {"year": 1900}, {"year": ""}])
def test_missing_or_invalid_year_is_400(manager, agreed, query):
    response = client_for(manager).get(annex(), query)
    assert response.status_code == 400
    assert "year" in response.json()["error"]["fields"]


def test_user_without_role_gets_nothing(nobody, agreed):
    assert client_for(nobody).get(annex(), {"year": 2026}).status_code == 403
    assert APIClient().get(annex(), {"year": 2026}).status_code in (401, 403)
