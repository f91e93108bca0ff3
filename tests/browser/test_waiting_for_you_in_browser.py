"""The partner's day in a real browser: its home says what waits for it, each item opens the list
where it is done, and once done the item, and the notification that asked for it, are gone. The
manager's 360° record of the same distributor shows the lead accepted."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from leads import services as lead_services
from tests import factories
from tests.browser.test_portal_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_partner_goes_from_its_to_do_to_the_lead_and_back_to_nothing_waiting(
    page, manager, partner, distributor
):
    distributor.account_manager = manager
    distributor.contract_start = timezone.localdate()  # no month to report yet
    distributor.contract_end = timezone.localdate() + datetime.timedelta(days=400)
    distributor.save()
    source = factories.LeadSourceFactory(code="fair", name="Spring fair")
    lead = lead_services.lead_create(
        by=manager, source=source, external_ref="F-1", company="Brasserie du Port", country="DE"
    )
    lead_services.lead_assign(lead=lead, distributor=distributor, by=manager)

    log_in(page, partner)
    page.goto("/")  # a partner's home is its record
    todo = page.locator("[data-todo='leads_to_accept']")
    expect(todo.locator(".todo-count")).to_have_text("1")
    expect(todo).to_contain_text("Brasserie du Port")
    expect(page.locator("#notifications-unread")).to_contain_text("1")
    todo.locator("a.todo-link").click()
    expect(page).to_have_url(re.compile(r"view=to_accept"))
    page.get_by_role("link", name="Brasserie du Port").click()
    page.locator("#accept-button").click()
    expect(page.locator(".alert-success")).to_be_visible()

    page.goto("/my/")
    expect(page.locator("[data-todo='leads_to_accept']")).to_have_count(0)
    expect(page.locator("#nothing-waiting")).to_be_visible()
    expect(page.locator("#notifications-unread")).to_have_count(0)
    expect(page.locator("#section-leads #leads-accepted-month")).to_have_text("1")

    page.context.clear_cookies()
    log_in(page, manager)
    page.goto(f"/distributors/{distributor.code}/")
    expect(page.locator("#timeline")).to_contain_text("Lead accepted")
    expect(page.locator("#timeline")).to_contain_text("Brasserie du Port")
    expect(page.locator("#section-leads #leads-waiting")).to_have_text("0")
