"""A partner cannot use filters to learn anything about a distributor it does not see."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(distributor, other_distributor):
    """Both distributors have revenue, investments, a territory and a product line each."""
    pumps = factories.ProductLineFactory(code="pumps")
    valves = factories.ProductLineFactory(code="valves")
    for owner, line, territory in (
        (distributor, pumps, "bavaria"),
        (other_distributor, valves, "ontario"),
    ):
        owner.product_lines.add(line)
        owner.territories.add(factories.TerritoryFactory(code=territory))
        factories.RevenueRecordFactory(distributor=owner, product_line=line)
        factories.InvestmentFactory(distributor=owner)


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize("basename", ["revenue", "investment"])
def test_filtering_by_another_distributors_code_lists_nothing(
    token_client, partner, figures, basename
):
    client = token_client(partner)

    assert results(client.get(reverse(f"api:{basename}-list"), {"distributor": "rival"})) == []
    own = results(client.get(reverse(f"api:{basename}-list"), {"distributor": "acme"}))
    assert {row["distributor"] for row in own} == {"acme"}


@pytest.mark.parametrize(
    "params",
    [
        {"search": "rival"},
        {"product_line": "valves"},
        {"region": "Europe"},
        {"country": "DE"},
        {"status": "active"},
        {"updated_after": "2000-01-01T00:00:00Z"},
    ],
)
def test_no_distributor_filter_reaches_beyond_the_partners_own(
    token_client, partner, figures, params
):
    rows = results(token_client(partner).get(reverse("api:distributor-list"), params))

    assert {row["code"] for row in rows} <= {"acme"}


def test_revenue_filtered_by_a_product_line_the_partner_does_not_sell_lists_nothing(
    token_client, partner, figures
):
    response = token_client(partner).get(reverse("api:revenue-list"), {"product_line": "valves"})

    assert results(response) == []


def test_another_distributors_territory_answers_exactly_like_a_territory_that_does_not_exist(
    token_client, partner, figures
):
    client = token_client(partner)

    hidden = client.get(reverse("api:distributor-list"), {"territory": "ontario"})
    missing = client.get(reverse("api:distributor-list"), {"territory": "atlantis"})

    assert hidden.status_code == missing.status_code == 400
    assert hidden.json() == missing.json()
    own = client.get(reverse("api:distributor-list"), {"territory": "bavaria"})
    assert [row["code"] for row in results(own)] == ["acme"]


def test_a_manager_may_filter_by_any_territory(token_client, manager, figures):
    response = token_client(manager).get(reverse("api:distributor-list"), {"territory": "ontario"})

    assert [row["code"] for row in results(response)] == ["rival"]
