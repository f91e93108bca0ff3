"""Distributor list and export filters: region, territory, product line; invalid → an error."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(distributor, other_distributor):
    """acme: Europe, bavaria, pumps. rival: Americas, ontario, valves. spare: neither."""
    bavaria = factories.TerritoryFactory(code="bavaria", country="DE")
    ontario = factories.TerritoryFactory(code="ontario", country="CA")
    pumps = factories.ProductLineFactory(code="pumps")
    valves = factories.ProductLineFactory(code="valves")
    distributor.territories.add(bavaria)
    distributor.product_lines.add(pumps)
    other_distributor.region = "Americas"
    other_distributor.save()
    other_distributor.territories.add(ontario)
    other_distributor.product_lines.add(pumps, valves)
    factories.DistributorFactory(code="spare", region="Europe")


def listed(client, **params):
    response = client.get(reverse("distributors:list"), params)
    assert response.status_code == 200
    return [d.code for d in response.context["page"].object_list]


def exported(client, **params):
    response = client.get(reverse("distributors:export"), {"format": "csv", **params})
    assert response.status_code == 200, response.content
    return sorted(row[0] for row in list(csv.reader(io.StringIO(response.content.decode())))[1:])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"region": "europe"}, ["acme", "spare"]),
        ({"region": "Americas"}, ["rival"]),
        ({"territory": "bavaria"}, ["acme"]),
        ({"territory": "ontario"}, ["rival"]),
        ({"product_line": "pumps"}, ["acme", "rival"]),
        ({"product_line": "valves"}, ["rival"]),
        ({"product_line": "pumps", "region": "Europe"}, ["acme"]),
    ],
)
def test_list_and_export_filter_by_region_territory_and_product_line(
    login, manager, channel, params, expected
):
    client = login(manager)

    assert sorted(listed(client, **params)) == expected
    assert exported(client, **params) == expected


def test_a_distributor_with_two_matching_product_lines_is_listed_once(login, manager, channel):
    assert listed(login(manager), product_line="pumps", sort="code") == ["acme", "rival"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("territory", "atlantis"),
        ("product_line", "warp-drives"),
        ("tier", "unobtainium"),
        ("status", "asleep"),
        ("country", "XX"),
        ("country", "DEU"),
        ("manager", "nobody-at-all"),
        ("sort", "shoe_size"),
    ],
)
def test_an_invalid_filter_is_a_form_error_and_lists_nothing(login, manager, channel, field, value):
    response = login(manager).get(reverse("distributors:list"), {field: value})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert list(response.context["page"].object_list) == []
    assert b'id="filter-errors"' in response.content


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
@pytest.mark.parametrize(
    ("field", "value"),
    [("territory", "atlantis"), ("product_line", "nope"), ("tier", "nope"), ("status", "x")],
)
def test_an_invalid_filter_makes_the_export_a_400_naming_it(
    login, manager, channel, export_format, field, value
):
    response = login(manager).get(
        reverse("distributors:export"), {"format": export_format, field: value}
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert f"{field}: " in response.content.decode()
    assert b"acme" not in response.content


def test_a_valid_filter_beside_an_invalid_one_does_not_export_anything(login, manager, channel):
    response = login(manager).get(
        reverse("distributors:export"), {"format": "csv", "region": "Europe", "tier": "nope"}
    )

    assert response.status_code == 400


def test_xlsx_export_follows_the_new_filters(login, manager, channel):
    response = login(manager).get(
        reverse("distributors:export"), {"format": "xlsx", "territory": "ontario"}
    )

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["rival"]


def test_the_filter_form_offers_territories_and_product_lines(login, manager, channel):
    response = login(manager).get(reverse("distributors:list"))

    assert b'name="territory"' in response.content
    assert b'name="product_line"' in response.content
    assert b'name="region"' in response.content
    assert b'value="bavaria"' in response.content
