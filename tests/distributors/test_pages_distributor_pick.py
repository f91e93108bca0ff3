"""The distributor pickers' search (`/pickers/distributors/`): what is in sight, by code or
name, the exact code first, a few at most; partners find their own distributor only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from distributors import selectors
from tests import factories

pytestmark = pytest.mark.django_db
PICK = reverse("distributors:pick")


def values(response):
    assert response.status_code == 200
    return [row["value"] for row in response.json()["results"]]


def test_a_manager_finds_distributors_by_part_of_their_code_or_name(
    login, manager, distributor, other_distributor
):
    client = login(manager)
    assert values(client.get(PICK, {"q": "riv"})) == ["rival"]
    assert values(client.get(PICK, {"q": "industrial"})) == ["acme"]
    assert values(client.get(PICK, {"q": "ACME"})) == ["acme"]
    body = client.get(PICK, {"q": "acme"}).json()
    assert body["results"] == [{"value": "acme", "text": "acme · Acme Industrial Supply"}]


def test_the_exact_code_comes_first_and_the_list_is_short(login, manager):
    for index in range(selectors.PICK_LIMIT + 5):
        factories.DistributorFactory(code=f"ab-{index:02d}", name=f"Alpha Beta {index}")
    factories.DistributorFactory(code="zz-ab", name="Zulu")
    exact = factories.DistributorFactory(code="ab", name="Last By Name")
    found = values(login(manager).get(PICK, {"q": "ab"}))
    assert found[0] == exact.code and len(found) == selectors.PICK_LIMIT


def test_a_status_narrows_the_search(login, manager, distributor):
    factories.DistributorFactory(code="acme-old", status="terminated")
    client = login(manager)
    assert values(client.get(PICK, {"q": "acme"})) == ["acme", "acme-old"]
    assert values(client.get(PICK, {"q": "acme", "status": ["active", "probation"]})) == ["acme"]
    # An unknown status is no filter, never an error page.
    assert values(client.get(PICK, {"q": "acme", "status": "nonsense"})) == ["acme", "acme-old"]


def test_a_partner_finds_its_own_distributor_only(login, partner, other_distributor):
    client = login(partner)
    assert values(client.get(PICK)) == ["acme"]
    assert values(client.get(PICK, {"q": "rival"})) == []


def test_a_user_without_a_role_and_the_anonymous_find_nothing(client, nobody, distributor):
    assert client.get(PICK, {"q": "acme"}).status_code == 302
    client.force_login(nobody)
    assert client.get(PICK, {"q": "acme"}).status_code == 403


def test_the_search_costs_the_same_queries_whatever_the_channel(login, manager):
    client = login(manager)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PICK, {"q": "d-"}).status_code == 200
        return len(captured)

    factories.DistributorFactory.create_batch(5)
    few = queries()
    for index in range(60):
        factories.DistributorFactory(code=f"d-{index:02d}")
    assert queries() == few
