"""/api/v1/fund-claims/ and POST /api/v1/fund-requests/{id}/claim/: the whole flow through the
API, a claim with its proof files (multipart), the manager's decision and payment, the proof
downloads, and a partner never seeing another distributor's claims or files."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from distributors.models import Investment
from funds import services
from funds.models import Claim, FundRequest
from tests import factories
from tests.funds import files
from tests.funds.api import client_for, refused, results, route, unchanged
from tests.funds.conftest import AFTER, END, START
from tests.funds.factories import AllocationFactory, FundFactory

pytestmark = pytest.mark.django_db

D = Decimal
LIST = route("fund-claim-list")


def claim_body(**over):
    fields = {
        "actual_cost": "3600.00",
        "results_leads": "12",
        "results_revenue": "18000.00",
        "files": [files.pdf(), files.png()],
    }
    fields.update(over)
    return {key: value for key, value in fields.items() if value is not None}


def claim_via_api(user, request, **over):
    return client_for(user).post(
        route("fund-request-claim", request.pk), claim_body(**over), format="multipart"
    )


def download(response):
    return b"".join(response.streaming_content)


@pytest.fixture
def rival_claim(other_distributor, outsider, manager, travel, today):
    """A claim of rival's; the clock goes back to today once it is made."""
    fund = FundFactory(name="Rival's fund")
    AllocationFactory(fund=fund, distributor=other_distributor)
    request = services.request_submit(
        by=outsider,
        fund=fund,
        activity_type="event",
        title="Rival's open day",
        start=START,
        end=END,
        planned_cost=D("1000.00"),
    )
    services.request_approve(request=request, by=manager)
    travel(AFTER)
    claim = services.claim_submit(
        by=outsider, request=request, actual_cost=D("1000"), files=[files.pdf("rival.pdf")]
    )
    travel(today)
    return claim


# --- the whole flow ----------------------------------------------------------------------------


def test_the_whole_flow_through_the_api_reaches_the_ledger_and_the_balances(
    manager, partner, distributor, travel
):
    """A fund and an allocation, a request approved in part, a claim with a PDF, approved and
    paid: the investments ledger gets the payment, the balances follow each step."""
    boss, acme = client_for(manager), client_for(partner)
    created = boss.post(
        route("fund-list"),
        {
            "name": "Co-op 2026",
            "kind": "budget",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "expires_on": "2027-03-31",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    fund = created.json()["id"]
    allocated = boss.put(route("fund-allocation", fund, "acme"), {"amount": "10000"}, format="json")
    assert allocated.json()["available"] == "10000.00"

    asked = acme.post(
        route("fund-request-list"),
        {
            "fund": fund,
            "activity_type": "trade_show",
            "title": "Hanover fair stand",
            "start": START.isoformat(),
            "end": END.isoformat(),
            "planned_cost": "4000.00",
        },
        format="json",
    )
    assert asked.status_code == 201, asked.json()
    request_id = asked.json()["id"]
    approved = boss.post(
        route("fund-request-approve", request_id),
        {"amount": "1500.00", "reason": "Half the stand."},
        format="json",
    )
    assert approved.json()["approved_amount"] == "1500.00"

    def balance():
        [row] = results(acme.get(route("fund-balance-list"), {"fund": fund}))
        return {key: row[key] for key in ("reserved", "claimed", "paid", "available")}

    assert balance() == {
        "reserved": "1500.00",
        "claimed": "0.00",
        "paid": "0.00",
        "available": "8500.00",
    }

    travel(AFTER)
    claimed = acme.post(
        route("fund-request-claim", request_id),
        {"actual_cost": "3600.00", "results_leads": "12", "files": [files.pdf()]},
        format="multipart",
    )
    assert claimed.status_code == 201, claimed.json()
    claim = claimed.json()
    assert claim["claimed_amount"] == "1500.00"  # half of 3,600, at most the 1,500 approved
    assert [proof["name"] for proof in claim["proofs"]] == ["invoice.pdf"]
    assert acme.get(route("fund-request-detail", request_id)).json()["claim"] == claim["id"]

    decided = boss.post(route("fund-claim-approve", claim["id"]))
    assert decided.json()["status"] == "approved"
    assert balance()["claimed"] == "1500.00"
    paid = boss.post(
        route("fund-claim-pay", claim["id"]),
        {"reference": "SEPA-2026-07", "paid_on": AFTER.isoformat()},
        format="json",
    )

    assert paid.status_code == 200, paid.json()
    assert paid.json()["status"] == "paid"
    investment = Investment.objects.get(pk=paid.json()["investment"])
    assert (investment.distributor, investment.kind, investment.amount) == (
        distributor,
        "market_funds",
        D("1500.00"),
    )
    assert balance() == {
        "reserved": "0.00",
        "claimed": "0.00",
        "paid": "1500.00",
        "available": "8500.00",
    }
    assert acme.get(route("fund-request-detail", request_id)).json()["status"] == "closed"


# --- claiming ----------------------------------------------------------------------------------


def test_a_partner_claims_with_proofs_named_files_or_files_brackets(approved, colleague, travel):
    request = approved()
    travel(AFTER)
    response = client_for(colleague).post(
        route("fund-request-claim", request.pk),
        {"actual_cost": "3600.00", "files[]": [files.pdf(), files.csv()]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert sorted(proof["name"] for proof in response.json()["proofs"]) == [
        "attendees.csv",
        "invoice.pdf",
    ]
    assert response.json()["submitted_by"] == "colleague-test"


def test_a_claim_names_its_lead_source(approved, partner, travel):
    factories.LeadSourceFactory(code="fair")
    request = approved()
    travel(AFTER)
    response = claim_via_api(partner, request, lead_source="FAIR")
    assert response.status_code == 201, response.json()
    assert response.json()["lead_source"] == "fair"


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"actual_cost": "0"}, "actual_cost"),
        ({"actual_cost": "ten"}, "actual_cost"),
        ({"results_leads": "-2"}, "results_leads"),
        ({"results_revenue": "-1"}, "results_revenue"),
        ({"lead_source": "nowhere"}, "lead_source"),
        ({"files": None}, "files"),
        ({"files": [files.upload("virus.exe", b"MZ\x90\x00")]}, "files"),
        ({"files": [files.upload("fake.pdf", b"not a pdf at all")]}, "files"),
        ({"files": [files.upload("empty.pdf", b"")]}, "files"),
    ],
)
def test_a_claim_that_does_not_hold_together_is_refused_naming_the_field(
    approved, partner, travel, over, field
):
    request = approved()
    travel(AFTER)
    with unchanged():
        response = claim_via_api(partner, request, **over)
    refused(response, 400, field)


def test_a_claim_before_the_activity_is_over_is_refused(approved, partner):
    request = approved()
    with unchanged():
        refused(claim_via_api(partner, request), 400, "request")


def test_a_claim_sent_as_json_is_refused(approved, partner, travel):
    request = approved()
    travel(AFTER)
    with unchanged():
        response = client_for(partner).post(
            route("fund-request-claim", request.pk), {"actual_cost": "10"}, format="json"
        )
    refused(response, 415)


def test_only_the_distributors_partners_claim(approved, manager, outsider, travel):
    request = approved()
    travel(AFTER)
    with unchanged():
        refused(claim_via_api(manager, request), 403)
        refused(claim_via_api(outsider, request), 404)


# --- reading -----------------------------------------------------------------------------------


def test_a_partner_sees_its_claims_only_and_the_outsider_nothing_of_acmes(
    claimed, partner, colleague, outsider, rival_claim
):
    mine = claimed()
    for user in (partner, colleague):
        assert [row["id"] for row in results(client_for(user).get(LIST))] == [mine.pk]
        refused(client_for(user).get(route("fund-claim-detail", rival_claim.pk)), 404)
    assert [row["id"] for row in results(client_for(outsider).get(LIST))] == [rival_claim.pk]
    refused(client_for(outsider).get(route("fund-claim-detail", mine.pk)), 404)


def test_claims_filter_by_status_fund_and_distributor(claimed, manager, rival_claim):
    mine = claimed()
    services.claim_approve(claim=mine, by=manager)
    client = client_for(manager)

    def found(**query):
        return [row["id"] for row in results(client.get(LIST, query))]

    assert found(status="approved") == [mine.pk]
    assert found(distributor="rival") == [rival_claim.pk]
    assert found(fund=mine.request.allocation.fund_id) == [mine.pk]
    refused(client.get(LIST, {"status": "lost"}), 400, "status")


def test_the_list_query_count_does_not_grow_with_rows(approved, manager, partner, travel):
    factories.LeadSourceFactory(code="fair")
    requests = [approved(title=f"Fair {n}", planned_cost=D("100")) for n in range(10)]
    travel(AFTER)

    def claims(batch):
        for request in batch:
            services.claim_submit(
                by=partner,
                request=FundRequest.objects.get(pk=request.pk),
                actual_cost=D("100"),
                files=[files.pdf(), files.png()],
            )

    for user in (manager, partner):
        Claim.objects.all().delete()
        FundRequest.objects.update(status="approved")
        client = client_for(user)
        claims(requests[:2])
        client.get(LIST)
        with CaptureQueriesContext(connection) as few:
            assert len(results(client.get(LIST))) == 2
        claims(requests[2:])
        with CaptureQueriesContext(connection) as many:
            assert len(results(client.get(LIST))) == 10
        assert len(many.captured_queries) == len(few.captured_queries)


# --- deciding and paying -----------------------------------------------------------------------


def test_a_manager_approves_a_claim_in_part_with_a_reason(claimed, manager):
    claim = claimed()
    url = route("fund-claim-approve", claim.pk)
    with unchanged():
        refused(client_for(manager).post(url, {"amount": "1000"}, format="json"), 400, "reason")
        refused(client_for(manager).post(url, {"amount": "5000"}, format="json"), 400, "amount")
    response = client_for(manager).post(
        url, {"amount": "1000", "reason": "No receipt for the rest."}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["approved_amount"], response.json()["status"]) == (
        "1000.00",
        "approved",
    )


def test_a_manager_rejects_a_claim_with_a_reason_and_the_request_closes(claimed, manager):
    claim = claimed()
    url = route("fund-claim-reject", claim.pk)
    with unchanged():
        refused(client_for(manager).post(url), 400, "reason")
    response = client_for(manager).post(url, {"reason": "No proof of the stand."}, format="json")
    assert response.json()["status"] == "rejected"
    assert FundRequest.objects.get(pk=claim.request_id).status == "closed"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"paid_on": "2026-07-10"}, "reference"),
        ({"reference": "SEPA-1"}, "paid_on"),
        ({"reference": "SEPA-1", "paid_on": "2026-12-24"}, "paid_on"),
        ({"reference": "x" * 101, "paid_on": "2026-07-10"}, "reference"),
    ],
)
def test_a_payment_that_the_rules_refuse_names_the_field(claimed, manager, payload, field):
    claim = claimed()
    services.claim_approve(claim=claim, by=manager)
    with unchanged():
        response = client_for(manager).post(
            route("fund-claim-pay", claim.pk), payload, format="json"
        )
    refused(response, 400, field)


def test_a_claim_not_approved_is_not_paid(claimed, manager):
    claim = claimed()
    with unchanged():
        response = client_for(manager).post(
            route("fund-claim-pay", claim.pk),
            {"reference": "SEPA-1", "paid_on": "2026-07-10"},
            format="json",
        )
    refused(response, 400, "status")


def test_partners_cannot_decide_or_pay_claims_and_the_outsider_cannot_find_them(
    claimed, partner, outsider
):
    claim = claimed()
    for user, code in ((partner, 403), (outsider, 404)):
        client = client_for(user)
        with unchanged():
            refused(client.post(route("fund-claim-approve", claim.pk)), code)
            refused(
                client.post(route("fund-claim-reject", claim.pk), {"reason": "x"}, format="json"),
                code,
            )
            refused(
                client.post(
                    route("fund-claim-pay", claim.pk),
                    {"reference": "x", "paid_on": "2026-07-10"},
                    format="json",
                ),
                code,
            )


# --- proof files -------------------------------------------------------------------------------


def test_the_owner_and_the_manufacturer_download_a_proof_under_its_original_name(
    claimed, partner, colleague, manager
):
    claim = claimed(files_=[files.pdf("Facture été 2026.pdf")])
    proof = claim.proofs.get()
    url = route("fund-claim-proof", claim.pk, proof.pk)
    assert (
        client_for(partner)
        .get(route("fund-claim-detail", claim.pk))
        .json()["proofs"][0]["download"]
        == url
    )

    for user in (partner, colleague, manager):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert (
            "filename*=utf-8''Facture%20%C3%A9t%C3%A9%202026.pdf"
            in (response["Content-Disposition"])
        )
        assert response["Cache-Control"] == "private, no-store"
        assert download(response) == files.PDF


def test_the_outsider_gets_a_404_for_acmes_proof_and_nobody_a_public_url(
    claimed, outsider, rival_claim, partner
):
    claim = claimed()
    proof = claim.proofs.get()
    refused(client_for(outsider).get(route("fund-claim-proof", claim.pk, proof.pk)), 404)
    # A proof of another claim, named under one's own claim, is no proof of it.
    rival_proof = rival_claim.proofs.get()
    refused(client_for(partner).get(route("fund-claim-proof", claim.pk, rival_proof.pk)), 404)
    refused(client_for(outsider).get(route("fund-claim-proof", claim.pk, rival_proof.pk)), 404)
    body = client_for(partner).get(route("fund-claim-detail", claim.pk)).json()
    assert "funds/proofs/" not in str(body)  # where storage keeps it is nobody's business


def test_a_proof_missing_from_storage_is_a_404(claimed, partner):
    claim = claimed()
    proof = claim.proofs.get()
    proof.file.storage.delete(proof.file.name)
    refused(client_for(partner).get(route("fund-claim-proof", claim.pk, proof.pk)), 404)
