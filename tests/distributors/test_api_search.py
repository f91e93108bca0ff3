"""`?search=`: a list declares it only when it searches, says in the schema what it searches, and
then finds only the rows that hold the words; the revenue and investment lists do not search and
no longer declare it."""

import datetime
import json

import pytest

from tests import factories


@pytest.fixture
def schema(db, token_client, manager):
    response = token_client(manager).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def declaring_search(schema):
    """{path: the search parameter's description} of every operation that declares `search`."""
    return {
        path: parameter.get("description", "")
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method == "get"
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "search"
    }


def test_the_revenue_and_investment_lists_do_not_declare_a_search_they_ignore(schema):
    declared = declaring_search(schema)
    assert "/api/v1/revenue/" not in declared
    assert "/api/v1/investments/" not in declared
    assert declared["/api/v1/distributors/"].startswith("Words to find, in any case, in: code")


@pytest.mark.django_db
def test_every_list_that_declares_search_finds_only_the_rows_holding_the_words(
    schema, token_client, manager, distributor
):
    factories.TerritoryFactory(code="north", name="North")
    factories.ProductLineFactory(code="pumps", name="Pumps")
    factories.MaterialFactory(title="Pump catalogue")
    factories.RevenueRecordFactory(distributor=distributor, month=datetime.date(2026, 1, 1))
    factories.InvestmentFactory(distributor=distributor)
    client = token_client(manager)
    declared = declaring_search(schema)
    assert len(declared) >= 4
    for path in declared:
        assert client.get(path).json()["count"] > 0, path
        nothing = client.get(path, {"search": "zzzzzz"})
        assert nothing.status_code == 200 and nothing.json()["count"] == 0, path
