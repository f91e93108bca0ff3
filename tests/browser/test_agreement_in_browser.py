"""The partner agreement in a real browser: the manager publishes its terms, the partner admin
finds it waiting on its home and accepts it, and the manager sees who accepted it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_portal_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_manager_publishes_the_agreement_and_the_partner_admin_accepts_it(
    page, manager, partner, distributor
):
    partner.first_name, partner.last_name = "Paula", "Partner"
    partner.save(update_fields=["first_name", "last_name"])

    log_in(page, manager)
    page.locator("#programme-menu").click()
    page.locator("#agreement-link").click()
    page.locator("#publish-agreement").click()
    form = page.locator("#agreement-form")
    form.locator("[name=title]").fill("Distribution agreement")
    form.locator("[name=body]").fill("The distributor sells the pumps in its territory.")
    form.locator("[name=summary]").fill("The first version")
    form.get_by_role("button", name="Publish").click()
    expect(page.locator("#agreement-terms")).to_contain_text("Distribution agreement")
    expect(page.locator("#accepted-count")).to_have_text("0 / 1")

    page.context.clear_cookies()
    log_in(page, partner)
    expect(page).to_have_url(re.compile(r"/my/$"))
    expect(page.locator("body")).to_contain_text("Partner agreement to accept")
    page.locator("#mine-menu").click()
    page.locator("#agreement-link").click()
    expect(page.locator("#agreement-pending")).to_be_visible()
    form = page.locator("#accept-form")
    form.locator("#id_confirm").check()
    form.get_by_role("button", name="Accept the agreement").click()
    expect(page.locator("#agreement-accepted")).to_contain_text("Paula Partner")
    expect(page.locator("#accept-form")).to_have_count(0)

    page.context.clear_cookies()
    log_in(page, manager)
    page.locator("#programme-menu").click()
    page.locator("#agreement-link").click()
    expect(page).to_have_url(re.compile(r"/agreement/$"))
    # Only `acme` exists, and it is not terminated: the one distributor asked has accepted.
    expect(page.locator("#accepted-count")).to_have_text("1 / 1")
    expect(page.locator("tr[data-distributor=acme]")).to_contain_text("Paula Partner")
