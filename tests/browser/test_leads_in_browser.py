"""Leads in a real browser: a partner rejects a lead with a reason, the manager sees it counted
in the analytics (charts drawn by the vendored Chart.js, no other host reached)."""

import pytest
from playwright.sync_api import expect

from leads import services
from tests import factories
from tests.browser.test_portal_in_browser import expect_chart_drawn, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_partner_rejects_a_lead_with_a_reason_and_the_manager_sees_it_in_the_analytics(
    page, manager, partner, distributor, other_distributor
):
    source = factories.LeadSourceFactory(code="fair", name="Spring fair")

    def mql(ref, company, **contact):
        return services.lead_create(
            by=manager, source=source, external_ref=ref, company=company, country="DE", **contact
        )

    offered = mql("F-1", "Brasserie du Port", contact_email="chef@port.example")
    kept = mql("F-2", "Moulin Rouge SARL")
    for lead in (offered, kept):
        services.lead_assign(lead=lead, distributor=distributor, by=manager)

    log_in(page, partner)
    page.goto("/leads/inbox/")
    expect(page.locator("#waiting")).to_contain_text("2 leads wait for your answer")
    page.get_by_role("link", name="Brasserie du Port").click()
    expect(page.locator("#contact-hidden")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("chef@port.example")
    form = page.locator("#reject-form")
    form.get_by_label("2").check()
    form.get_by_label("Reason").select_option("not_in_territory")
    form.get_by_label("We contacted them").check()
    form.get_by_label("Comment").fill("Our territory ends at the Loire")
    form.get_by_role("button", name="Reject the lead").click()
    expect(page.locator(".alert-success")).to_contain_text("Lead rejected")
    expect(page.locator("#inbox-table")).not_to_contain_text("Brasserie du Port")
    page.goto("/leads/analytics/")
    expect(page.locator("#reasons-table")).to_contain_text("Not in our territory")
    expect(page.locator("body")).not_to_contain_text("rival")

    page.context.clear_cookies()
    log_in(page, manager)
    page.goto("/leads/analytics/")
    expect(page.locator("#reasons-table")).to_contain_text("Not in our territory")
    expect(page.locator("#reasons-table")).to_contain_text("100%")
    expect(page.locator(".funnel-count[data-step='mql']")).to_have_text("2")
    expect(page.locator("#yield-table")).to_contain_text("Spring fair")
    canvas = expect_chart_drawn(page, "reasons-chart")
    labels = canvas.evaluate("c => Chart.getChart(c).data.labels")
    assert labels == ["Not in our territory"]
    expect_chart_drawn(page, "funnel-chart")
    expect_chart_drawn(page, "trend-chart")
    page.goto("/leads/?escalated=&status=mql")
    expect(page.locator("#lead-table")).to_contain_text("Brasserie du Port")
    page.get_by_role("link", name="Brasserie du Port").click()
    expect(page.locator("#rejections")).to_contain_text("acme: Not in our territory")
    expect(page.locator("#rejections")).to_contain_text("Our territory ends at the Loire")
