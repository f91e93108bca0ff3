"""/api/v1/territories/ and /api/v1/product-lines/: scoped territories, a public catalogue."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def url(basename, code=None):
    if code is None:
        return reverse(f"api:{basename}-list")
    return reverse(f"api:{basename}-detail", args=[code])


def codes(response):
    assert response.status_code == 200, response.content
    return sorted(row["code"] for row in response.json()["results"])


def list_query_count(client, address):
    with CaptureQueriesContext(connection) as context:
        response = client.get(address)
    assert response.status_code == 200
    return len(context.captured_queries)


# --- territories -----------------------------------------------------------------------------


@pytest.fixture
def territories(distributor, other_distributor):
    """bavaria is the partner's, lyon the outsider's, alps both, and nobody covers iceland."""
    bavaria = factories.TerritoryFactory(code="bavaria", name="Bavaria", country="DE")
    lyon = factories.TerritoryFactory(code="lyon", name="Lyon", country="FR")
    alps = factories.TerritoryFactory(code="alps", name="Alps", country="AT")
    factories.TerritoryFactory(code="iceland", name="Iceland", country="IS")
    distributor.territories.set([bavaria, alps])
    other_distributor.territories.set([lyon, alps])


def test_manager_lists_every_territory(token_client, manager, territories):
    assert codes(token_client(manager).get(url("territory"))) == [
        "alps",
        "bavaria",
        "iceland",
        "lyon",
    ]


@pytest.mark.parametrize("persona", ["partner", "colleague"])
def test_partner_and_colleague_list_only_their_distributors_territories_once_each(
    request, token_client, persona, territories
):
    client = token_client(request.getfixturevalue(persona))

    assert codes(client.get(url("territory"))) == ["alps", "bavaria"]


def test_outsider_never_sees_the_partners_own_territory(token_client, outsider, territories):
    client = token_client(outsider)

    assert codes(client.get(url("territory"))) == ["alps", "lyon"]
    assert client.get(url("territory", "bavaria")).status_code == 404


@pytest.mark.parametrize("persona", ["manager", "partner", "colleague"])
def test_allowed_users_read_the_partners_territory(request, token_client, persona, territories):
    response = token_client(request.getfixturevalue(persona)).get(url("territory", "bavaria"))

    assert response.status_code == 200
    body = response.json()
    assert body.pop("updated_at")
    assert body == {
        "code": "bavaria",
        "name": "Bavaria",
        "name_en": "Bavaria",
        "name_fr": "Bavaria",
        "country": "DE",
        "region": "Europe",
        "region_name": "Europe",
    }


def test_partner_gets_404_on_a_territory_no_distributor_of_its_own_covers(
    token_client, partner, territories
):
    assert token_client(partner).get(url("territory", "iceland")).status_code == 404


def test_user_without_a_role_gets_403_on_territories(token_client, nobody, territories):
    client = token_client(nobody)

    assert client.get(url("territory")).status_code == 403
    assert client.get(url("territory", "bavaria")).status_code == 403


def test_anonymous_gets_401_on_territories(api_client, territories):
    assert api_client.get(url("territory")).status_code == 401
    assert api_client.get(url("territory", "bavaria")).status_code == 401


@pytest.mark.parametrize(
    ("params", "expected"),
    [({"country": "fr"}, ["lyon"]), ({"search": "ba"}, ["bavaria"]), ({"region": "Mars"}, [])],
)
def test_territories_filter_by_country_region_and_search(
    token_client, manager, territories, params, expected
):
    assert codes(token_client(manager).get(url("territory"), params)) == expected


def test_territories_cannot_be_written_through_the_api(token_client, manager, partner, territories):
    body = {"code": "mars", "name": "Mars", "country": "MA"}

    assert token_client(manager).post(url("territory"), body, format="json").status_code == 405
    assert token_client(partner).post(url("territory"), body, format="json").status_code == 403


@pytest.mark.parametrize("persona", ["manager", "partner"])
def test_territory_list_query_count_does_not_grow_with_rows(
    request, token_client, persona, distributor
):
    client = token_client(request.getfixturevalue(persona))
    distributor.territories.set(factories.TerritoryFactory.create_batch(3))
    few = list_query_count(client, url("territory"))
    distributor.territories.add(*factories.TerritoryFactory.create_batch(27))

    assert list_query_count(client, url("territory")) == few
    assert client.get(url("territory")).json()["count"] == 30


# --- product lines ---------------------------------------------------------------------------


@pytest.fixture
def product_lines(distributor):
    pumps = factories.ProductLineFactory(code="pumps", name="Pumps")
    factories.ProductLineFactory(code="valves", name="Valves")
    factories.ProductLineFactory(code="legacy", name="Legacy fittings", is_active=False)
    distributor.product_lines.set([pumps])


@pytest.mark.parametrize("persona", ["manager", "admin_user", "partner", "colleague", "outsider"])
def test_every_portal_user_reads_the_whole_product_catalogue(
    request, token_client, persona, product_lines
):
    client = token_client(request.getfixturevalue(persona))

    assert codes(client.get(url("product-line"))) == ["legacy", "pumps", "valves"]
    body = client.get(url("product-line", "valves")).json()
    assert body.pop("updated_at")
    assert body == {
        "code": "valves",
        "name": "Valves",
        "name_en": "Valves",
        "name_fr": "Valves",
        "is_active": True,
    }


def test_user_without_a_role_gets_403_on_product_lines(token_client, nobody, product_lines):
    client = token_client(nobody)

    assert client.get(url("product-line")).status_code == 403
    assert client.get(url("product-line", "pumps")).status_code == 403


def test_anonymous_gets_401_on_product_lines(api_client, product_lines):
    assert api_client.get(url("product-line")).status_code == 401
    assert api_client.get(url("product-line", "pumps")).status_code == 401


def test_unknown_product_line_is_a_404(token_client, partner, product_lines):
    assert token_client(partner).get(url("product-line", "rockets")).status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"is_active": "false"}, ["legacy"]),
        ({"is_active": "true"}, ["pumps", "valves"]),
        ({"search": "valv"}, ["valves"]),
    ],
)
def test_product_lines_filter_by_activity_and_search(
    token_client, partner, product_lines, params, expected
):
    assert codes(token_client(partner).get(url("product-line"), params)) == expected


def test_product_lines_are_ordered_by_name_on_request(token_client, manager, product_lines):
    response = token_client(manager).get(url("product-line"), {"ordering": "-name"})

    assert [row["code"] for row in response.json()["results"]] == ["valves", "pumps", "legacy"]


def test_product_lines_cannot_be_written_through_the_api(token_client, manager, partner):
    body = {"code": "rockets", "name": "Rockets"}

    assert token_client(manager).post(url("product-line"), body, format="json").status_code == 405
    assert token_client(partner).post(url("product-line"), body, format="json").status_code == 403


def test_product_line_list_query_count_does_not_grow_with_rows(token_client, partner):
    client = token_client(partner)
    factories.ProductLineFactory.create_batch(3)
    few = list_query_count(client, url("product-line"))
    factories.ProductLineFactory.create_batch(27)

    assert list_query_count(client, url("product-line")) == few
