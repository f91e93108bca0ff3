"""The funds pages, from the manager's new fund to the partner's paid claim: each act through its
form, the figures each page shows equal to the balances selector, a partner kept to its own."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from distributors.models import Investment
from funds import selectors
from funds.models import Claim, Fund, FundRequest
from identity.models import UserProfile
from tests.funds import files
from tests.funds.conftest import AFTER, END, START

pytestmark = pytest.mark.django_db

D = Decimal


def text(response):
    """The page's text without tags or runs of spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def figure(response, css):
    """The text of the first cell with class `css` (a figure of `_figures.html`)."""
    found = re.search(rf'class="[^"]*\b{css}\b[^"]*">([^<]*)<', response.content.decode())
    assert found, css
    return found.group(1).strip()


def test_a_manager_creates_a_fund_and_allocates_it(login, manager, distributor, today):
    client = login(manager)
    response = client.post(
        reverse("funds:create"),
        {
            "name": "Co-op EMEA 2026",
            "name_fr": "Coop EMEA 2026",
            "kind": "budget",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "expires_on": "2027-03-31",
            "cost_share_percent": "50",
        },
    )
    fund = Fund.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("funds:detail", args=[fund.pk])

    response = client.post(
        reverse("funds:allocate", args=[fund.pk]),
        {"distributor": distributor.code, "amount": "12000"},
    )

    assert response.status_code == 302
    page = client.get(reverse("funds:detail", args=[fund.pk]))
    assert distributor.name in text(page)
    assert figure(page, "available") == "€12,000.00"


def test_a_fund_form_refused_by_the_service_names_the_field_and_creates_nothing(login, manager):
    response = login(manager).post(
        reverse("funds:create"),
        {
            "name": "Co-op",
            "kind": "budget",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "expires_on": "2026-06-30",
            "cost_share_percent": "50",
        },
    )

    assert response.status_code == 400
    assert "The fund cannot expire before its period ends." in text(response)
    assert not Fund.objects.exists()


def test_a_partner_asks_the_manager_decides_in_part_the_partner_claims_and_is_paid(
    login, allocation, partner, manager, travel
):
    fund = allocation.fund
    partner_client = login(partner)
    form = partner_client.get(reverse("funds:request-create") + f"?fund={fund.pk}")
    assert "€10,000.00 available" in text(form)

    response = partner_client.post(
        reverse("funds:request-create"),
        {
            "fund": fund.pk,
            "activity_type": "trade_show",
            "title": "Hanover fair stand",
            "start": START.isoformat(),
            "end": END.isoformat(),
            "planned_cost": "4000",
            "expected_leads": "40",
        },
    )
    made = FundRequest.objects.get()
    assert response.url == reverse("funds:request", args=[made.pk])
    assert made.requested_amount == D("2000.00")

    manager_client = login(manager)  # the same client, now the manager's
    response = manager_client.post(
        reverse("funds:request-decide", args=[made.pk]),
        {"decision": "approve", "amount": "1500", "reason": "Half the stand only."},
    )
    assert response.status_code == 302
    page = manager_client.get(reverse("funds:request", args=[made.pk]))
    assert figure(page, "reserved") == "€1,500.00"
    assert "Half the stand only." in text(page)

    travel(AFTER)  # sessions do not last weeks: each logs in again (one client, taking turns)
    partner_client = login(partner)
    response = partner_client.post(
        reverse("funds:claim-submit", args=[made.pk]),
        {"actual_cost": "3600", "results_leads": "12", "results_revenue": "18000",
         "files": [files.pdf(), files.png()]},
    )  # fmt: skip
    assert response.url == reverse("funds:request", args=[made.pk])
    claim = Claim.objects.get()
    assert claim.claimed_amount == D("1500.00")  # half of 3,600, capped at what was approved
    page = partner_client.get(reverse("funds:request", args=[made.pk]))
    assert "invoice.pdf" in text(page) and "stand.png" in text(page)
    proof = claim.proofs.get(original_name="invoice.pdf")
    download = partner_client.get(reverse("funds:proof", args=[proof.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == files.PDF
    assert 'filename="invoice.pdf"' in download["Content-Disposition"]

    manager_client = login(manager)
    manager_client.post(
        reverse("funds:claim-decide", args=[claim.pk]), {"claim-decision": "approve"}
    )
    response = manager_client.post(
        reverse("funds:claim-pay", args=[claim.pk]),
        {"reference": "SEPA-2026-0711", "paid_on": AFTER.isoformat()},
    )
    assert response.status_code == 302
    partner_client = login(partner)
    page = partner_client.get(reverse("funds:request", args=[made.pk]))
    assert "SEPA-2026-0711" in text(page)
    assert figure(page, "paid") == "€1,500.00"
    assert figure(page, "available") == "€8,500.00"
    ledger = Investment.objects.get(distributor=allocation.distributor, date=AFTER)
    assert ledger.value == D("1500.00")


def test_a_claim_without_proof_is_refused_on_the_page_and_nothing_is_claimed(
    login, approved, partner, travel
):
    made = approved()
    travel(AFTER)

    response = login(partner).post(
        reverse("funds:claim-submit", args=[made.pk]), {"actual_cost": "3600"}
    )

    assert response.status_code == 400
    assert 'id="claim-errors"' in response.content.decode()
    assert not Claim.objects.exists()
    made.refresh_from_db()
    assert made.status == FundRequest.Status.APPROVED


def test_an_approval_above_the_balance_is_refused_on_the_form(login, submit, manager):
    made = submit()

    response = login(manager).post(
        reverse("funds:request-decide", args=[made.pk]), {"decision": "approve", "amount": "3000"}
    )

    assert response.status_code == 400
    made.refresh_from_db()
    assert made.status == FundRequest.Status.SUBMITTED


def test_every_figure_of_the_fund_page_equals_the_balances_selector(
    login, claimed, manager, allocation
):
    claimed()
    page = login(manager).get(reverse("funds:detail", args=[allocation.fund.pk]))
    row = selectors.balances(visible_to=manager, fund=allocation.fund).get()

    for name in ("allocated", "reserved", "claimed", "paid", "expired", "available"):
        assert figure(page, name) == f"€{getattr(row, name):,.2f}", name


def test_the_funds_list_totals_each_fund_from_the_balances(login, approved, manager, partner):
    made = approved()
    for user in (manager, partner):
        page = login(user).get(reverse("funds:list"))
        assert figure(page, "reserved") == "€2,000.00"
        assert figure(page, "available") == "€8,000.00"
        assert str(made.allocation.fund) in text(page)


def test_a_partner_sees_only_its_own_distributors_requests_balances_and_proofs(
    login, claimed, outsider, other_distributor, manager
):
    claim = claimed()
    made = claim.request
    client = login(outsider)

    assert client.get(reverse("funds:request", args=[made.pk])).status_code == 404
    assert client.get(reverse("funds:proof", args=[claim.proofs.get().pk])).status_code == 404
    assert made.title not in text(client.get(reverse("funds:requests")))
    page = client.get(reverse("funds:detail", args=[made.allocation.fund.pk]))
    assert page.status_code in (200, 404)
    assert made.allocation.distributor.name not in text(page)
    refused = client.post(
        reverse("funds:claim-decide", args=[claim.pk]), {"claim-decision": "reject"}
    )
    assert refused.status_code == 403


def test_a_partner_cannot_decide_and_a_manager_cannot_ask(login, submit, partner, manager):
    made = submit()

    assert (
        login(partner)
        .post(reverse("funds:request-decide", args=[made.pk]), {"decision": "approve"})
        .status_code
        == 403
    )
    assert login(manager).get(reverse("funds:request-create")).status_code == 403
    made.refresh_from_db()
    assert made.status == FundRequest.Status.SUBMITTED


def test_the_request_list_of_the_manager_lists_what_waits_for_it(login, submit, manager):
    made = submit()

    page = login(manager).get(reverse("funds:requests") + "?needs=me")

    assert page.status_code == 200
    assert made.title in text(page)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_funds_pages_read_in_the_readers_language(login, claimed, partner, language):
    made = claimed().request
    UserProfile.objects.update_or_create(user=partner, defaults={"language": language})
    client = login(partner)

    for url in (
        reverse("funds:list"),
        reverse("funds:requests"),
        reverse("funds:detail", args=[made.allocation.fund.pk]),
        reverse("funds:request", args=[made.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        word = "Fonds" if language == "fr" else "Fund"
        assert word in text(page), url
        if language == "fr":
            assert "Claimed" not in text(page) and "Available" not in text(page), url


def test_the_fund_page_charts_what_was_approved_and_paid_and_only_its_own_to_a_partner(
    login, manager, partner, outsider, claimed, fund
):
    from funds import services

    claim = claimed(actual_cost="3600.00")  # approved 2,000 in June; claimed 1,800 in July
    services.claim_approve(claim=claim, by=manager)
    services.claim_pay(claim=claim, by=manager, reference="SEPA-9", paid_on=AFTER)
    url = reverse("funds:detail", args=[fund.pk])

    chart = login(manager).get(url).context["chart"]

    assert chart["labels"] == ["2026-06", "2026-07"]
    allocated, approved, paid = (dataset["data"] for dataset in chart["datasets"])
    assert allocated == [10000.0, 10000.0]
    assert approved == [2000.0, 2000.0]
    assert paid == [0.0, 1800.0]
    assert login(partner).get(url).context["chart"]["labels"] == ["2026-06", "2026-07"]
    response = login(outsider).get(url)
    assert response.status_code == 404 or response.context["chart"] is None
