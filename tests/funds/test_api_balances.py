"""/api/v1/fund-balances/: one row per fund and distributor, the figures of
`funds.selectors.balances` (the one definition) whatever the state of the requests and claims;
a partner sees its distributor's rows only. The export of the list shares its FilterSet."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from funds import exports, selectors, services
from tests import factories
from tests.funds import files
from tests.funds.api import client_for, refused, results, route
from tests.funds.conftest import AFTER
from tests.funds.factories import AllocationFactory, FundFactory

pytestmark = pytest.mark.django_db

D = Decimal
LIST = route("fund-balance-list")
FIGURES = ("allocated", "reserved", "claimed", "paid", "expired", "available")


def as_api(row):
    """A selector row as the API writes it."""
    return {
        "fund": row.fund_id,
        "fund_name": row.fund.display_name,
        "distributor": row.distributor.code,
        "distributor_name": row.distributor.name,
        **{name: f"{getattr(row, name):.2f}" for name in FIGURES},
        "currency": "EUR",
    }


@pytest.fixture
def busy(submit, manager, partner, travel, other_distributor):
    """acme's allocation with a request in each state that counts, and rival's allocation."""
    waiting = submit(planned_cost=D("2000"), title="Waits for its claim's decision")
    part = submit(planned_cost=D("3000"), title="Claim approved in part")
    paid = submit(planned_cost=D("1000"), title="Paid")
    kept = submit(planned_cost=D("600"), title="Reserved")
    submit(planned_cost=D("800"), title="Not decided")
    for request in (waiting, part, paid, kept):
        services.request_approve(request=request, by=manager)
    travel(AFTER)

    def claim(request, cost):
        return services.claim_submit(
            by=partner, request=request, actual_cost=cost, files=[files.pdf()]
        )

    claim(waiting, D("2000"))
    services.claim_approve(
        claim=claim(part, D("2000")), by=manager, amount="800", reason="No receipt for 200."
    )
    settled = claim(paid, D("1000"))
    services.claim_approve(claim=settled, by=manager)
    services.claim_pay(claim=settled, by=manager, reference="SEPA-7", paid_on=AFTER)
    rivals = FundFactory(name="Rival's fund")
    AllocationFactory(fund=rivals, distributor=other_distributor, amount=D("5000"))
    return waiting.allocation


def test_the_figures_are_the_selectors_row_for_row(busy, manager, partner):
    expected = [as_api(row) for row in selectors.balances(visible_to=manager)]
    assert results(client_for(manager).get(LIST)) == expected
    [acme] = [row for row in expected if row["distributor"] == "acme"]
    assert {name: acme[name] for name in FIGURES} == {
        "allocated": "10000.00",
        "reserved": "1300.00",  # 1,000 whose claim waits + 300 not claimed yet
        "claimed": "800.00",
        "paid": "500.00",
        "expired": "0.00",
        "available": "7400.00",
    }
    assert results(client_for(partner).get(LIST)) == [
        as_api(row) for row in selectors.balances(visible_to=partner)
    ]


def test_an_expired_fund_shows_what_expired(busy, manager, travel):
    travel(datetime.date(2027, 4, 1))
    [row] = results(client_for(manager).get(LIST, {"distributor": "acme"}))
    assert (row["expired"], row["available"]) == ("7400.00", "0.00")
    [selected] = selectors.balances(visible_to=manager, distributor=busy.distributor)
    assert row == as_api(selected)


def test_a_partner_sees_its_own_balances_and_the_outsider_nothing_of_acmes(
    busy, partner, colleague, outsider
):
    for user in (partner, colleague):
        assert [row["distributor"] for row in results(client_for(user).get(LIST))] == ["acme"]
    assert [row["distributor"] for row in results(client_for(outsider).get(LIST))] == ["rival"]
    refused(client_for(outsider).get(LIST, {"distributor": "acme"}), 400, "distributor")
    # The fund is open to every distributor: rival sees it, not acme's allocation in it.
    assert results(client_for(outsider).get(LIST, {"fund": busy.fund_id})) == []


def test_balances_filter_by_fund_and_distributor(busy, manager, other_distributor):
    second = FundFactory(name="Second")
    AllocationFactory(fund=second, distributor=busy.distributor, amount=D("100"))
    client = client_for(manager)

    def found(**query):
        return [(row["fund"], row["distributor"]) for row in results(client.get(LIST, query))]

    assert sorted(found(distributor="acme")) == sorted(
        [(busy.fund_id, "acme"), (second.pk, "acme")]
    )
    assert found(fund=second.pk) == [(second.pk, "acme")]
    assert found(fund=busy.fund_id, distributor="ACME") == [(busy.fund_id, "acme")]
    refused(client.get(LIST, {"fund": "first"}), 400, "fund")
    refused(client.get(LIST, {"fund": 999999}), 400, "fund")


def test_nobody_without_a_role_gets_balances(busy, nobody):
    refused(client_for(nobody).get(LIST), 403)


def test_the_list_query_count_does_not_grow_with_rows(manager):
    fund = FundFactory()

    def allocations(count):
        for _ in range(count):
            AllocationFactory(fund=fund, distributor=factories.DistributorFactory())

    client = client_for(manager)
    allocations(2)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        assert len(results(client.get(LIST))) == 2
    allocations(8)
    with CaptureQueriesContext(connection) as many:
        assert len(results(client.get(LIST))) == 10
    assert len(many.captured_queries) == len(few.captured_queries)


# --- export ------------------------------------------------------------------------------------


def export(user, **query):
    request = RequestFactory().get("/funds/balances/export/", query)
    request.user = user
    return exports.balances_export(request)


def test_the_export_writes_the_selectors_figures_for_the_callers_rows(busy, manager, partner):
    rows = list(csv.reader(io.StringIO(export(partner).content.decode())))
    assert rows[0] == [
        "Fund",
        "Distributor code",
        "Distributor",
        *[f"{name.capitalize()} (EUR)" for name in FIGURES],
    ]
    [row] = selectors.balances(visible_to=partner)
    assert rows[1:] == [
        [
            row.fund.display_name,
            "acme",
            row.distributor.name,
            *[str(getattr(row, name)) for name in FIGURES],
        ]
    ]
    every = list(csv.reader(io.StringIO(export(manager, distributor="rival").content.decode())))
    assert [line[1] for line in every[1:]] == ["rival"]
    assert export(manager, format="xlsx")["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )
    assert export(partner, distributor="rival").status_code == 400


@pytest.mark.parametrize("value", ["9" * 40, "9223372036854775808", "2.5", "NaN", "-1", "1e3"])
def test_a_fund_id_no_column_holds_is_a_400_naming_it(manager, value):
    refused(client_for(manager).get(LIST, {"fund": value}), 400, "fund")
