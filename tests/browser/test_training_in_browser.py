"""Training in a real browser, from the manager's first click to the partner's certificates: the
manager defines a certification and a course that gives it, the partner admin records that one
of its reps passed it, and the certificate shows on the team's certificates and on the record."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories
from tests.browser.test_portal_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_course_is_defined_passed_and_certifies_the_rep(page, manager, partner, distributor):
    factories.MembershipFactory(
        user=factories.UserFactory(username="rita", first_name="Rita", last_name="Rep"),
        distributor=distributor,
        role="rep",
    )
    today = timezone.localdate()

    log_in(page, manager)
    page.locator("#programme-menu").click()
    page.locator("#training-link").click()
    page.locator("#training-tabs").get_by_role("link", name="Certifications").click()
    page.locator("#new-certification").click()
    form = page.locator("#certification-form")
    form.locator("[name=code]").fill("installer")
    form.locator("[name=name]").fill("Certified installer")
    form.locator("[name=validity_months]").fill("12")
    form.get_by_role("button", name="Save the certification").click()
    expect(page.locator("#certification-table")).to_contain_text("12 months")

    page.locator("#training-tabs").get_by_role("link", name="Courses").click()
    page.locator("#new-course").click()
    form = page.locator("#course-form")
    form.locator("[name=code]").fill("pumps-101")
    form.locator("[name=title]").fill("Pump installation")
    form.locator("[name=duration_minutes]").fill("90")
    form.locator("[name=url]").fill("https://lms.example.test/pumps-101")
    form.locator("[name=certification]").select_option(label="Certified installer")
    form.get_by_role("button", name="Save the course").click()
    expect(page.locator("#course-certification")).to_have_text("Certified installer")

    page.context.clear_cookies()
    log_in(page, partner)
    page.locator("#mine-menu").click()
    page.locator("#training-link").click()
    page.get_by_role("link", name="Pump installation").click()
    page.locator("#record-completion").click()
    form = page.locator("#completion-form")
    form.locator("[name=user]").select_option(label="Rita Rep")
    form.locator("[name=completed_on]").fill(today.isoformat())
    form.locator("[name=score]").fill("88")
    form.get_by_role("button", name="Record it").click()
    expect(page.locator("#completion-table")).to_contain_text("Rita Rep")

    page.locator("#training-tabs").get_by_role("link", name="Certificates").click()
    row = page.locator("#certificate-table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Certified installer")
    expect(row).to_have_attribute("data-status", "valid")

    page.locator("#mine-menu").click()
    page.locator("#mine-link").click()
    expect(page.locator("#record-certified")).to_contain_text("1 person certified today")
