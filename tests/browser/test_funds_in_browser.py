"""Market development funds in a real browser, from the partner's first click to the payment: the
partner asks before its activity, the manager approves a part with a reason, the partner claims
with an invoice uploaded, the manager approves and records the payment, and the partner's balance
says what is left."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from funds import services
from tests.browser.test_portal_in_browser import log_in
from tests.funds import files
from tests.funds.factories import FundFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_partner_asks_claims_with_proof_and_is_paid_what_the_manager_approved(
    page, manager, partner, distributor, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    distributor.account_manager = manager
    distributor.save()
    fund = FundFactory(
        name="Co-op EMEA",
        name_fr="Coop EMEA",
        period_start=today.replace(month=1, day=1),
        period_end=today.replace(month=12, day=31),
        expires_on=today.replace(month=12, day=31) + datetime.timedelta(days=90),
    )
    services.allocation_set(fund=fund, distributor=distributor, amount=Decimal("10000"), by=manager)

    log_in(page, partner)
    page.locator("#funds-menu").click()
    page.locator("#funds-link").click()
    expect(page.locator("#fund-table")).to_contain_text("Co-op EMEA")
    expect(page.locator("#fund-table .available").first).to_have_text("€10,000.00")
    page.locator("#new-request").click()
    form = page.locator("#request-form")
    form.get_by_label("Fund").select_option(label="Co-op EMEA")
    form.get_by_label("Type of activity").select_option("trade_show")
    form.get_by_label("Title").fill("Stand at the Lyon fair")
    form.get_by_label("Activity start").fill(today.isoformat())
    form.get_by_label("Activity end").fill(today.isoformat())
    form.get_by_label("Planned cost").fill("3000")
    form.get_by_role("button", name="Send the request").click()
    expect(page.locator("#request-status")).to_have_text("Submitted")
    expect(page.locator("#requested")).to_contain_text("€1,500.00")
    url = page.url

    page.context.clear_cookies()
    log_in(page, manager)
    page.goto("/funds/requests/?needs=me")
    page.get_by_role("link", name="Stand at the Lyon fair").click()
    decision = page.locator("#decision-form")
    decision.get_by_label("Approve", exact=True).check()
    decision.get_by_label("Amount approved").fill("1000")
    decision.get_by_label("Reason").fill("Half the stand this year.")
    decision.get_by_role("button", name="Save the decision").click()
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("#request-status")).to_have_text("Approved")
    expect(page.locator("#allocation-balance .reserved")).to_have_text("€1,000.00")

    page.context.clear_cookies()
    log_in(page, partner)
    page.goto(url)
    expect(page.locator("#decision-reason")).to_have_text("Half the stand this year.")
    claim = page.locator("#claim-form")
    claim.get_by_label("Actual cost").fill("2400")
    claim.get_by_label("Leads it brought").fill("9")
    invoice = tmp_path / "invoice-lyon.pdf"
    invoice.write_bytes(files.PDF)
    claim.get_by_label("Proof files").set_input_files(str(invoice))
    claim.get_by_role("button", name="Send the claim").click()
    expect(page.locator("#claim-status")).to_have_text("Submitted")
    expect(page.locator("#claimed")).to_have_text("€1,000.00")  # half of 2,400, capped
    expect(page.locator("#proofs")).to_contain_text("invoice-lyon.pdf")

    page.context.clear_cookies()
    log_in(page, manager)
    page.goto(url)
    page.locator("#claim-decision-form").get_by_label("Approve", exact=True).check()
    page.locator("#claim-decision-form").get_by_role("button", name="Save the decision").click()
    expect(page.locator("#claim-status")).to_have_text("Approved")
    payment = page.locator("#payment-form")
    payment.get_by_label("Payment reference").fill("SEPA-LYON-1")
    payment.get_by_role("button", name="Record the payment").click()
    expect(page.locator("#claim-status")).to_have_text("Paid")

    page.context.clear_cookies()
    log_in(page, partner)
    page.goto(url)
    expect(page.locator("#paid")).to_contain_text("SEPA-LYON-1")
    expect(page.locator("#allocation-balance .paid")).to_have_text("€1,000.00")
    expect(page.locator("#allocation-balance .available")).to_have_text("€9,000.00")
    page.locator("#funds-menu").click()
    page.locator("#funds-link").click()
    expect(page.locator("#fund-table .paid").first).to_have_text("€1,000.00")
