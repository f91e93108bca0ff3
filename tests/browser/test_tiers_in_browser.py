"""Tiers in a real browser: the partner reads what it takes to reach the next tier; once it
earns it, the nightly requalification proposes the upgrade and the manager confirms it, and the
distributor's tier changes."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from distributors.models import Distributor, Tier
from drm.periods import complete_months
from partnership import services as partnership_services
from tests import factories
from tests.browser.test_portal_in_browser import log_in
from tiers import services
from tiers.requirements import next_month_end

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _revenue(distributor, line, total):
    months = complete_months(12, on=timezone.localdate()).months
    for month in months:
        factories.RevenueRecordFactory(
            distributor=distributor,
            product_line=line,
            month=month,
            amount=(Decimal(total) / len(months)).quantize(Decimal("0.01")),
        )


def test_the_partner_reads_what_it_takes_and_the_manager_confirms_the_upgrade(
    page, manager, partner, distributor
):
    old_tier = distributor.tier
    gold = Tier.objects.create(code="gold", name="Gold", rank=1001)
    silver = Tier.objects.create(code="silver", name="Silver", rank=1002)
    distributor.tier = silver
    distributor.save()
    old_tier.delete()
    services.requirement_save(by=manager, tier=gold, key="revenue_12m", threshold="100000")
    services.requirement_save(by=manager, tier=gold, key="certified_reps", threshold="1")
    services.requirement_save(by=manager, tier=silver, key="revenue_12m", threshold="10000")
    line = factories.ProductLineFactory(code="pumps", name="Pumps")
    _revenue(distributor, line, 60000)

    # The partner: silver, and what gold asks of it by the end of the month.
    log_in(page, partner)
    page.locator("#mine-menu").click()
    page.locator("#tiers-link").click()
    expect(page).to_have_url(re.compile(r"/programme/tiers/mine/$"))
    expect(page.locator("#standing-held")).to_contain_text("Your tier: Silver")
    # The last day of the running month, in the browser's English (en-GB or en-US).
    by = next_month_end(timezone.localdate())
    expect(page.locator("#next-tier-sentence")).to_have_text(
        re.compile(
            rf"^To reach Gold: 1 more certified rep and €45,000 of revenue by "
            rf"({by.day} {by:%B}|{by:%B} {by.day},) {by.year}\.$"
        )
    )
    expect(page.locator("#standing-next [data-key=certified_reps]")).to_have_attribute(
        "data-met", "false"
    )

    # It earns gold: a certified person and the revenue; the nightly run proposes the upgrade.
    _revenue(distributor, factories.ProductLineFactory(code="valves", name="Valves"), 60000)
    certification = partnership_services.certification_save(
        by=manager, code="installer", name="Certified installer", validity_months=12
    )
    course = partnership_services.course_save(
        by=manager,
        code="pumps-101",
        title="Pump installation",
        language="en",
        duration_minutes=60,
        url="https://lms.example.test/pumps-101",
        certification=certification,
    )
    partnership_services.completion_record(
        user=partner,
        course=course,
        completed_on=timezone.localdate() - datetime.timedelta(days=3),
        by=manager,
    )
    services.tiers_requalify()
    page.reload()
    expect(page.locator("#open-proposal")).to_contain_text("Gold")

    # The manager confirms it.
    page.context.clear_cookies()
    log_in(page, manager)
    page.locator("#programme-menu").click()
    page.locator("#tiers-link").click()
    expect(page.locator("#open-upgrades")).to_contain_text("1 upgrade proposed")
    page.locator("#open-upgrades").click()
    row = page.locator("tr[data-distributor=acme]")
    expect(row).to_contain_text("Silver → Gold")
    row.get_by_role("link", name="Decide").click()
    expect(page.locator("#figure-table [data-key=certified_reps]")).to_contain_text("1")
    page.locator("#decide").click()
    expect(page.locator("#decision")).to_contain_text("Tier set: Gold.")
    assert Distributor.objects.get(pk=distributor.pk).tier == gold
    page.get_by_role("link", name="Tier history").click()
    expect(page.locator("#history-table [data-status=confirmed]")).to_be_visible()
