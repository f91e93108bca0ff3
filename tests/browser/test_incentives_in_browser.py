"""Incentive programmes in a real browser, from the manager's first click to the partner's
statement: the manager sets up a volume rebate with its tiers, measures it, and the partner finds
what it earned, where it stands and what the next tier takes."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_portal_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_sets_up_a_rebate_and_the_partner_sees_what_it_earned(
    page, manager, partner, distributor
):
    today = timezone.localdate()
    factories.RevenueRecordFactory(
        distributor=distributor, month=today.replace(month=1, day=1), amount=Decimal("12000")
    )

    log_in(page, manager)
    page.locator("#funds-menu").click()
    page.get_by_role("link", name="Incentive programmes").click()
    page.locator("#new-programme").click()
    form = page.locator("#programme-form")
    form.locator("[name=name]").fill("Volume rebate")
    form.locator("[name=basis]").select_option("revenue")
    form.locator("[name=period_start]").fill(today.replace(month=1, day=1).isoformat())
    form.locator("[name=period_end]").fill(today.replace(month=12, day=31).isoformat())
    form.locator("[name=tiers-0-threshold]").fill("0")
    form.locator("[name=tiers-0-rate]").fill("1")
    form.locator("[name=tiers-1-threshold]").fill("10000")
    form.locator("[name=tiers-1-rate]").fill("2")
    form.locator("[name=tiers-2-threshold]").fill("50000")
    form.locator("[name=tiers-2-rate]").fill("3")
    form.get_by_role("button", name="Create the programme").click()
    expect(page.locator("#tier-table")).to_contain_text("2%")
    page.locator("#accrue").click()
    row = page.locator("#standing-table tr[data-distributor=acme]")
    expect(row).to_contain_text("€240.00")
    expect(row).to_contain_text("€38,000")

    page.context.clear_cookies()
    log_in(page, partner)
    page.locator("#funds-menu").click()
    page.get_by_role("link", name="Our earnings").click()
    expect(page.locator("#statement-totals .earned")).to_have_text("€240.00")
    expect(page.locator("#ledger-table")).to_contain_text("Accrual")
    expect(page.locator("#earnings-chart")).to_have_attribute("data-rendered", "true")
    page.locator("#statement-programmes").get_by_role("link", name="Volume rebate").click()
    expect(page.locator("#my-standing")).to_contain_text("€38,000")
