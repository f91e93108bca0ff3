"""/api/v1/distributors/ filters by region, territory and product line; bad values are a 400."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(distributor, other_distributor):
    """acme: Europe, bavaria, pumps. rival: Americas, ontario, pumps and valves."""
    bavaria = factories.TerritoryFactory(code="bavaria", country="DE")
    ontario = factories.TerritoryFactory(code="ontario", country="CA")
    pumps = factories.ProductLineFactory(code="pumps")
    valves = factories.ProductLineFactory(code="valves")
    distributor.territories.add(bavaria)
    distributor.product_lines.add(pumps)
    other_distributor.region = "Americas"
    other_distributor.country = "CA"
    other_distributor.save()
    other_distributor.territories.add(ontario)
    other_distributor.product_lines.add(pumps, valves)


def codes(response):
    assert response.status_code == 200, response.content
    return sorted(row["code"] for row in response.json()["results"])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "europe"}, ["acme"]),
        ({"territory": "ontario"}, ["rival"]),
        ({"product_line": "pumps"}, ["acme", "rival"]),
        ({"product_line": "valves"}, ["rival"]),
        ({"product_line": "pumps", "country": "ca"}, ["rival"]),
    ],
)
def test_distributors_filter_by_region_territory_and_product_line(
    token_client, manager, channel, params, expected
):
    response = token_client(manager).get(reverse("api:distributor-list"), params)

    assert codes(response) == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tier", "unobtainium"),
        ("territory", "atlantis"),
        ("product_line", "warp-drives"),
        ("country", "XX"),
        ("country", "DEU"),
        ("status", "asleep"),
    ],
)
def test_an_unknown_filter_value_is_a_400_naming_the_parameter(
    token_client, manager, channel, field, value
):
    response = token_client(manager).get(reverse("api:distributor-list"), {field: value})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]


def test_an_unknown_territory_country_is_a_400(token_client, manager):
    response = token_client(manager).get(reverse("api:territory-list"), {"country": "XX"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["country"]
