"""/api/v1/funds/: the scoped list and its filters, one fund, creation, accrual and allocations
(the manufacturer's), each refusal naming the field and changing nothing."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from distributors.models import Region
from funds.models import Allocation, Fund
from tests import factories
from tests.funds.api import client_for, refused, results, route, unchanged
from tests.funds.factories import AccrualFundFactory, AllocationFactory, FundFactory

pytestmark = pytest.mark.django_db

D = Decimal
LIST = route("fund-list")


def body(**over):
    fields = {
        "name": "Co-op 2026",
        "name_fr": "Coop 2026",
        "kind": "budget",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "expires_on": "2027-03-31",
    }
    fields.update(over)
    return {key: value for key, value in fields.items() if value is not None}


def ids(response):
    return [item["id"] for item in results(response)]


# --- reading -----------------------------------------------------------------------------------


def test_a_manager_sees_every_fund_with_its_terms(manager):
    gold = factories.TierFactory(code="gold")
    fund = FundFactory(name="Co-op 2026", name_fr="Coop 2026", cost_share_percent=D("40"))
    fund.tiers.add(gold)
    FundFactory(name="Older", period_start=datetime.date(2025, 1, 1))

    rows = results(client_for(manager).get(LIST))

    assert [row["name"] for row in rows] == ["Co-op 2026", "Older"]
    assert rows[0]["tiers"] == ["gold"]
    assert rows[0]["cost_share_percent"] == "40.00"
    assert rows[0]["name_fr"] == "Coop 2026"
    assert rows[0]["currency"] == "EUR"
    assert rows[0]["expired"] is False


def test_a_partner_sees_the_funds_its_distributor_is_allocated_in_or_eligible_for(
    partner, colleague, distributor, other_distributor
):
    gold = factories.TierFactory(code="gold")
    allocated = FundFactory(name="Allocated")
    AllocationFactory(fund=allocated, distributor=distributor)
    open_to_all = FundFactory(name="Open to all")
    gold_only = FundFactory(name="Gold only")
    gold_only.tiers.add(gold)  # acme is not gold
    rivals = FundFactory(name="Rival's")
    rivals.tiers.add(gold)
    AllocationFactory(fund=rivals, distributor=other_distributor)

    for user in (partner, colleague):
        assert set(ids(client_for(user).get(LIST))) == {allocated.pk, open_to_all.pk}
        response = client_for(user).get(route("fund-detail", gold_only.pk))
        refused(response, 404)


def test_the_outsider_gets_nothing_of_acmes_fund(outsider, distributor, other_distributor):
    gold = factories.TierFactory(code="gold")
    fund = FundFactory()
    fund.tiers.add(gold)
    AllocationFactory(fund=fund, distributor=distributor)

    assert ids(client_for(outsider).get(LIST)) == []
    refused(client_for(outsider).get(route("fund-detail", fund.pk)), 404)


def test_nobody_without_a_role_reads_funds(nobody):
    FundFactory()
    refused(client_for(nobody).get(LIST), 403)


def test_funds_filter_by_kind_day_current_and_name(manager):
    budget = FundFactory(name="Co-op 2026", name_fr="Coopération 2026")
    accrual = AccrualFundFactory(name="Accrual Q1")
    expired = FundFactory(
        name="Old co-op",
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 6, 30),
        expires_on=datetime.date(2025, 12, 31),
    )
    client = client_for(manager)

    assert ids(client.get(LIST, {"kind": "accrual"})) == [accrual.pk]
    assert set(ids(client.get(LIST, {"active_on": "2026-05-01"}))) == {budget.pk}
    assert set(ids(client.get(LIST, {"active_on": "2026-02-01"}))) == {budget.pk, accrual.pk}
    assert set(ids(client.get(LIST, {"current": "true"}))) == {budget.pk, accrual.pk}
    assert ids(client.get(LIST, {"current": "false"})) == [expired.pk]
    assert ids(client.get(LIST, {"q": "coopération"})) == [budget.pk]
    assert ids(client.get(LIST, {"q": "OLD"})) == [expired.pk]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("kind", "grant"), ("kind", ""), ("active_on", "May"), ("current", "maybe")],
)
def test_a_malformed_filter_is_a_400_naming_it(manager, parameter, value):
    refused(client_for(manager).get(LIST, {parameter: value}), 400, parameter)


def test_the_list_query_count_does_not_grow_with_rows(manager):
    gold, silver = factories.TierFactory(code="gold"), factories.TierFactory(code="silver")
    europe = Region.objects.create(name="Europe")

    def funds(count):
        for _ in range(count):
            fund = FundFactory(created_by=manager)
            fund.tiers.add(gold, silver)
            fund.regions.add(europe)

    client = client_for(manager)
    funds(2)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        assert len(results(client.get(LIST))) == 2
    funds(8)
    with CaptureQueriesContext(connection) as many:
        assert len(results(client.get(LIST))) == 10
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_list_is_paginated(manager):
    for _ in range(3):
        FundFactory()
    page = client_for(manager).get(LIST, {"page_size": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]


# --- creating ----------------------------------------------------------------------------------


def test_a_manager_creates_a_fund_for_some_tiers_and_regions(manager):
    factories.TierFactory(code="gold")
    Region.objects.create(name="Europe")

    response = client_for(manager).post(
        LIST, body(cost_share_percent="40", tiers=["GOLD"], regions=["europe"]), format="json"
    )

    assert response.status_code == 201, response.json()
    created = response.json()
    fund = Fund.objects.get(pk=created["id"])
    assert (fund.kind, fund.cost_share_percent, fund.created_by) == ("budget", D("40"), manager)
    assert created["tiers"] == ["gold"] and created["regions"] == ["Europe"]
    assert fund.history.get().history_user == manager


def test_an_accrual_fund_is_created_with_its_rate(manager):
    response = client_for(manager).post(
        LIST, body(kind="accrual", accrual_percent="3"), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["accrual_percent"] == "3.00"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"name": "  "}, "name"),
        ({"kind": "grant"}, "kind"),
        ({"period_end": "2025-12-31"}, "period_end"),
        ({"expires_on": "2026-06-30"}, "expires_on"),
        ({"kind": "accrual"}, "accrual_percent"),
        ({"accrual_percent": "3"}, "accrual_percent"),
        ({"cost_share_percent": "0"}, "cost_share_percent"),
        ({"cost_share_percent": "120"}, "cost_share_percent"),
        ({"tiers": ["platinum"]}, "tiers"),
        ({"regions": ["Atlantis"]}, "regions"),
        ({"period_start": "soon"}, "period_start"),
        ({"name": "x" * 121}, "name"),
    ],
)
def test_a_fund_that_does_not_hold_together_is_refused_naming_the_field(manager, over, field):
    with unchanged():
        response = client_for(manager).post(LIST, body(**over), format="json")
    refused(response, 400, field)


def test_partners_cannot_create_funds(partner, colleague):
    for user in (partner, colleague):
        with unchanged():
            refused(client_for(user).post(LIST, body(), format="json"), 403)


# --- allocations -------------------------------------------------------------------------------


def test_a_manager_sets_then_changes_an_allocation_and_gets_its_balance(manager, distributor):
    fund = FundFactory()
    url = route("fund-allocation", fund.pk, "ACME")
    client = client_for(manager)

    first = client.put(url, {"amount": "10000.00"}, format="json")
    second = client.put(url, {"amount": "12500.50"}, format="json")

    assert first.status_code == 200, first.json()
    assert second.json()["allocated"] == "12500.50"
    assert second.json()["available"] == "12500.50"
    assert second.json()["distributor"] == "acme"
    allocation = Allocation.objects.get(fund=fund, distributor=distributor)
    assert allocation.amount == D("12500.50")
    assert allocation.history.count() == 2


@pytest.mark.parametrize("amount", ["-1", "lots", "1.234", None])
def test_an_allocation_must_be_an_amount_to_the_cent(manager, distributor, amount):
    fund = FundFactory()
    with unchanged():
        response = client_for(manager).put(
            route("fund-allocation", fund.pk, "acme"), {"amount": amount}, format="json"
        )
    refused(response, 400, "amount")


def test_an_allocation_below_what_is_held_or_in_an_accrual_fund_is_refused(
    manager, distributor, approved
):
    request = approved()
    accrual = AccrualFundFactory()
    client = client_for(manager)
    with unchanged():
        response = client.put(
            route("fund-allocation", request.allocation.fund_id, "acme"),
            {"amount": "100.00"},
            format="json",
        )
        refused(response, 400, "amount")
        response = client.put(
            route("fund-allocation", accrual.pk, "acme"), {"amount": "100.00"}, format="json"
        )
        refused(response, 400, "fund")


def test_an_unknown_distributor_or_fund_is_a_404(manager, distributor):
    fund = FundFactory()
    client = client_for(manager)
    with unchanged():
        refused(
            client.put(route("fund-allocation", fund.pk, "nope"), {"amount": "1"}, format="json"),
            404,
        )
        refused(
            client.put(route("fund-allocation", 999999, "acme"), {"amount": "1"}, format="json"),
            404,
        )


def test_partners_cannot_set_allocations(partner, distributor):
    fund = FundFactory()
    with unchanged():
        response = client_for(partner).put(
            route("fund-allocation", fund.pk, "acme"), {"amount": "1000"}, format="json"
        )
    refused(response, 403)


# --- accrual -----------------------------------------------------------------------------------


def test_a_manager_accrues_an_accrual_fund_from_revenue(manager, distributor):
    fund = AccrualFundFactory()
    factories.RevenueRecordFactory(
        distributor=distributor, month=datetime.date(2026, 2, 1), amount=D("10000.00")
    )

    response = client_for(manager).post(route("fund-accrue", fund.pk))

    assert response.status_code == 200, response.json()
    assert response.json() == {"changed": 1}
    assert Allocation.objects.get(fund=fund, distributor=distributor).amount == D("300.00")


def test_a_budget_fund_does_not_accrue_and_a_partner_cannot_accrue(manager, partner, distributor):
    budget, accrual = FundFactory(), AccrualFundFactory()
    with unchanged():
        refused(client_for(manager).post(route("fund-accrue", budget.pk)), 400, "fund")
        refused(client_for(partner).post(route("fund-accrue", accrual.pk)), 403)
