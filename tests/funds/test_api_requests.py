"""/api/v1/fund-requests/: the scoped list and its filters (`needs=me` included), one request,
a partner's request, the manager's decisions and the partner's withdrawal; every refusal names
the field and changes nothing. The export of the list shares its FilterSet."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from funds import exports, selectors, services
from funds.models import FundRequest
from tests import factories
from tests.funds.api import client_for, refused, results, route, unchanged
from tests.funds.conftest import END, START
from tests.funds.factories import AllocationFactory, FundFactory

pytestmark = pytest.mark.django_db

D = Decimal
LIST = route("fund-request-list")


def body(fund_, **over):
    fields = {
        "fund": fund_.pk,
        "activity_type": "trade_show",
        "title": "Hanover fair stand",
        "description": "A stand at the fair with the new pump range.",
        "start": START.isoformat(),
        "end": END.isoformat(),
        "planned_cost": "4000.00",
        "expected_leads": 40,
        "expected_revenue": "50000.00",
    }
    fields.update(over)
    return {key: value for key, value in fields.items() if value is not None}


def ids(response):
    return [item["id"] for item in results(response)]


@pytest.fixture
def rival_request(other_distributor, outsider):
    """A request of rival's, in a fund for gold distributors only (acme is not one)."""
    gold = factories.TierFactory(code="gold")
    other_distributor.tier = gold
    other_distributor.save()
    fund = FundFactory(name="Rival's fund")
    fund.tiers.add(gold)
    AllocationFactory(fund=fund, distributor=other_distributor)
    return services.request_submit(
        by=outsider,
        fund=fund,
        activity_type="event",
        title="Rival's open day",
        start=START,
        end=END,
        planned_cost=D("1000.00"),
    )


# --- submitting --------------------------------------------------------------------------------


def test_a_partner_asks_for_the_funds_share_of_the_planned_cost(allocation, partner, manager):
    material = factories.MaterialFactory()

    response = client_for(partner).post(
        LIST, body(allocation.fund, materials=[material.pk]), format="json"
    )

    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "submitted"
    assert created["requested_amount"] == "2000.00"
    assert created["distributor"] == "acme"
    assert created["submitted_by"] == "partner-test"
    assert created["materials"] == [material.pk]
    assert created["claim"] is None
    assert created["claim_deadline"] == "2026-09-01"
    request = FundRequest.objects.get(pk=created["id"])
    assert request.allocation == allocation


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"activity_type": "party"}, "activity_type"),
        ({"title": " "}, "title"),
        ({"start": "2026-06-01"}, "start"),
        ({"end": "2026-06-30"}, "end"),
        ({"end": "2027-01-05"}, "end"),
        ({"planned_cost": "0"}, "planned_cost"),
        ({"planned_cost": "-5"}, "planned_cost"),
        ({"planned_cost": "30000.00"}, "planned_cost"),
        ({"expected_leads": -1}, "expected_leads"),
        ({"materials": [999999]}, "materials"),
        ({"fund": 999999}, "fund"),
        ({"fund": ""}, "fund"),
        ({"title": "x" * 201}, "title"),
    ],
)
def test_a_request_that_does_not_hold_together_is_refused_naming_the_field(
    allocation, partner, over, field
):
    with unchanged():
        response = client_for(partner).post(LIST, body(allocation.fund, **over), format="json")
    refused(response, 400, field)


def test_a_fund_without_an_allocation_for_acme_is_refused(allocation, partner):
    other = FundFactory(name="Not allocated")
    with unchanged():
        response = client_for(partner).post(LIST, body(other), format="json")
    refused(response, 400, "fund")


def test_the_outsider_cannot_ask_from_acmes_fund(allocation, outsider, other_distributor):
    gold = factories.TierFactory(code="gold")
    allocation.fund.tiers.add(gold)  # rival is not gold: the fund is not in its sight
    with unchanged():
        response = client_for(outsider).post(LIST, body(allocation.fund), format="json")
    refused(response, 400, "fund")


def test_the_manufacturer_does_not_ask_for_funds(allocation, manager):
    with unchanged():
        refused(client_for(manager).post(LIST, body(allocation.fund), format="json"), 403)


# --- reading -----------------------------------------------------------------------------------


def test_a_partner_sees_its_distributors_requests_only(submit, partner, colleague, rival_request):
    mine = submit()
    for user in (partner, colleague):
        assert ids(client_for(user).get(LIST)) == [mine.pk]
        refused(client_for(user).get(route("fund-request-detail", rival_request.pk)), 404)
    assert client_for(partner).get(route("fund-request-detail", mine.pk)).json()["id"] == mine.pk


def test_the_outsider_gets_nothing_of_acmes_requests(submit, outsider, rival_request):
    mine = submit()
    assert ids(client_for(outsider).get(LIST)) == [rival_request.pk]
    refused(client_for(outsider).get(route("fund-request-detail", mine.pk)), 404)
    # Another distributor's code answers like an unknown one.
    refused(client_for(outsider).get(LIST, {"distributor": "acme"}), 400, "distributor")


def test_a_partner_cannot_filter_by_another_distributor(submit, partner, rival_request):
    refused(client_for(partner).get(LIST, {"distributor": "rival"}), 400, "distributor")
    refused(client_for(partner).get(LIST, {"fund": rival_request.allocation.fund_id}), 400, "fund")


def test_requests_filter_by_status_fund_distributor_and_activity(
    submit, manager, rival_request, allocation
):
    first = submit()
    second = submit(activity_type="digital", title="Newsletter")
    services.request_approve(request=second, by=manager)
    client = client_for(manager)

    assert ids(client.get(LIST, {"status": "approved"})) == [second.pk]
    assert set(ids(client.get(LIST, {"fund": allocation.fund_id}))) == {first.pk, second.pk}
    assert ids(client.get(LIST, {"distributor": "RIVAL"})) == [rival_request.pk]
    assert ids(client.get(LIST, {"activity_type": "digital"})) == [second.pk]
    refused(client.get(LIST, {"status": "lost"}), 400, "status")
    refused(client.get(LIST, {"needs": "them"}), 400, "needs")


def test_needs_me_is_what_waits_for_the_caller(
    submit, manager, partner, colleague, rival_request, travel, other_distributor
):
    """A manager: requests and claims to decide of its distributors and of those without an
    account manager; a partner admin: approved requests to claim (a rep: its own)."""
    to_decide = submit(title="To decide")  # acme: its account manager is `manager`
    to_claim = services.request_approve(request=submit(title="To claim"), by=manager)
    by_rep = services.request_approve(request=submit(title="The rep's", by=colleague), by=manager)
    claimed = services.request_approve(request=submit(title="Claimed"), by=manager)
    travel(datetime.date(2026, 7, 10))
    from tests.funds import files

    services.claim_submit(by=partner, request=claimed, actual_cost=D("1000"), files=[files.pdf()])
    someone_else = factories.ManagerFactory(username="someone-else")
    other_distributor.account_manager = someone_else
    other_distributor.save()

    needs = {"needs": "me"}
    assert set(ids(client_for(manager).get(LIST, needs))) == {to_decide.pk, claimed.pk}
    assert set(ids(client_for(someone_else).get(LIST, needs))) == {rival_request.pk}
    assert set(ids(client_for(partner).get(LIST, needs))) == {to_claim.pk, by_rep.pk}
    assert ids(client_for(colleague).get(LIST, needs)) == [by_rep.pk]
    # Without an account manager, a distributor's requests wait for every manager.
    other_distributor.account_manager = None
    other_distributor.save()
    assert set(ids(client_for(manager).get(LIST, needs))) == {
        to_decide.pk,
        claimed.pk,
        rival_request.pk,
    }


def test_the_list_query_count_does_not_grow_with_rows(submit, manager, partner):
    materials = [factories.MaterialFactory(), factories.MaterialFactory()]

    def requests(count):
        for index in range(count):
            request = submit(title=f"Fair {index}", planned_cost=D("100"), materials=materials)
            if index % 2:
                services.request_approve(request=request, by=manager)

    for user in (manager, partner):
        FundRequest.objects.all().delete()
        client = client_for(user)
        requests(2)
        client.get(LIST)
        with CaptureQueriesContext(connection) as few:
            assert len(results(client.get(LIST))) == 2
        requests(8)
        with CaptureQueriesContext(connection) as many:
            assert len(results(client.get(LIST))) == 10
        assert len(many.captured_queries) == len(few.captured_queries)


# --- deciding ----------------------------------------------------------------------------------


def test_a_manager_approves_in_part_with_a_reason(submit, manager):
    request = submit()

    response = client_for(manager).post(
        route("fund-request-approve", request.pk),
        {"amount": "1500.00", "reason": "The stand is half the size."},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    assert response.json()["approved_amount"] == "1500.00"
    assert response.json()["decided_by"] == "manager-test"
    [row] = selectors.balances(visible_to=manager, fund=request.allocation.fund)
    assert row.reserved == D("1500.00")


def test_a_manager_approves_in_full_without_a_body(submit, manager):
    request = submit()
    response = client_for(manager).post(route("fund-request-approve", request.pk))
    assert response.status_code == 200, response.json()
    assert response.json()["approved_amount"] == "2000.00"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"amount": "1500.00"}, "reason"),
        ({"amount": "2500.00"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "many"}, "amount"),
        ({"amount": "1500", "reason": "x" * 2001}, "reason"),
    ],
)
def test_an_approval_that_the_rules_refuse_names_the_field(submit, manager, payload, field):
    request = submit()
    with unchanged():
        response = client_for(manager).post(
            route("fund-request-approve", request.pk), payload, format="json"
        )
    refused(response, 400, field)


def test_a_request_is_decided_once(approved, manager):
    request = approved()
    with unchanged():
        response = client_for(manager).post(route("fund-request-approve", request.pk))
    refused(response, 400, "status")


def test_a_manager_rejects_with_a_reason_only(submit, manager):
    request = submit()
    url = route("fund-request-reject", request.pk)
    with unchanged():
        refused(client_for(manager).post(url, {"reason": ""}, format="json"), 400, "reason")
    response = client_for(manager).post(url, {"reason": "Not in the plan."}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["decision_reason"]) == (
        "rejected",
        "Not in the plan.",
    )


def test_partners_cannot_decide_their_own_requests(submit, partner, colleague):
    request = submit()
    for user in (partner, colleague):
        with unchanged():
            client = client_for(user)
            refused(client.post(route("fund-request-approve", request.pk)), 403)
            refused(
                client.post(
                    route("fund-request-reject", request.pk), {"reason": "No"}, format="json"
                ),
                403,
            )


def test_the_outsider_cannot_touch_acmes_request(submit, outsider):
    request = submit()
    client = client_for(outsider)
    with unchanged():
        for act in ("approve", "reject", "cancel"):
            refused(client.post(route(f"fund-request-{act}", request.pk)), 404)


# --- withdrawing -------------------------------------------------------------------------------


def test_a_partner_cancels_an_approved_request_and_the_reservation_goes_back(
    approved, colleague, manager
):
    request = approved()

    response = client_for(colleague).post(route("fund-request-cancel", request.pk))

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    [row] = selectors.balances(visible_to=manager, fund=request.allocation.fund)
    assert (row.reserved, row.available) == (D("0.00"), D("10000.00"))


def test_the_manufacturer_does_not_cancel_and_nothing_final_is_cancelled(submit, manager, partner):
    request = submit()
    with unchanged():
        refused(client_for(manager).post(route("fund-request-cancel", request.pk)), 403)
    services.request_reject(request=request, by=manager, reason="No.")
    with unchanged():
        refused(client_for(partner).post(route("fund-request-cancel", request.pk)), 400, "status")


# --- export ------------------------------------------------------------------------------------


def export(user, **query):
    request = RequestFactory().get("/funds/requests/export/", query)
    request.user = user
    return exports.requests_export(request)


def test_the_export_holds_the_rows_the_filters_give(submit, manager, partner, rival_request):
    mine = submit()
    services.request_approve(request=mine, by=manager)

    response = export(partner)
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response.status_code == 200
    assert rows[0][:3] == ["Id", "Fund", "Distributor code"]
    assert [row[0] for row in rows[1:]] == [str(mine.pk)]  # never rival's
    every = list(csv.reader(io.StringIO(export(manager).content.decode())))
    assert {row[0] for row in every[1:]} == {str(mine.pk), str(rival_request.pk)}
    approved = list(csv.reader(io.StringIO(export(manager, status="approved").content.decode())))
    assert [row[0] for row in approved[1:]] == [str(mine.pk)]
    assert export(manager, format="xlsx")["Content-Type"].startswith(
        "application/vnd.openxmlformats"
    )


def test_an_invalid_filter_exports_nothing(submit, manager):
    submit()
    response = export(manager, status="lost")
    assert response.status_code == 400
    assert "status" in response.content.decode()
