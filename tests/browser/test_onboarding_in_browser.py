"""Onboarding in a real browser: a company applies from the log-in page, the manager approves
it, the new partner admin sends the file its journey asks for, and the first training passed
opens access: the distributor is active."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from distributors.models import Distributor
from identity.models import Membership
from partnership import services
from partnership.views import onboarding as onboarding_views
from tests import factories
from tests.browser.test_portal_in_browser import log_in
from tests.partnership.test_onboarding import PDF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def journey(manager):
    factories.TierFactory(code="entry", name="Entry", rank=9)
    journey = services.journey_save(by=manager, name="New distributor", for_applications=True)
    for title, side, days, evidence, check, opens in (
        ("Application approved", "manufacturer", 2, "check", "application_approved", False),
        ("Company registration", "partner", 10, "file", "", False),
        ("First training passed", "partner", 30, "check", "first_training_passed", True),
    ):
        services.journey_step_save(
            by=manager, journey=journey, title=title, side=side, due_days=days,
            evidence=evidence, portal_check=check, opens_access=opens,
        )  # fmt: skip
    return journey


def test_a_company_applies_is_approved_and_its_journey_opens_access(
    page, live_server, manager, journey, monkeypatch, tmp_path
):
    # A person takes seconds to fill the form in; the test need not wait for them.
    monkeypatch.setattr(onboarding_views, "APPLY_MIN_SECONDS", 0)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#apply-link").click()
    form = page.locator("#application-form")
    form.locator("[name=company]").fill("Nordic Flow AB")
    form.locator("[name=country]").select_option("SE")
    form.locator("[name=contact_name]").fill("Astrid Lind")
    form.locator("[name=email]").fill("astrid@nordicflow.example")
    form.locator("[name=message]").fill("District heating in northern Sweden.")
    form.get_by_role("button", name="Send the application").click()
    expect(page.locator("#application-sent")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Acme")

    log_in(page, manager)
    expect(page.locator("body")).to_contain_text("Applications to decide")
    page.locator("#programme-menu").click()
    page.locator("#onboarding-link").click()
    expect(page.locator("#applications-waiting")).to_contain_text("1 application to decide")
    page.locator("#applications-waiting a").click()
    page.locator("tr[data-distributor=nordic-flow-ab] a").first.click()
    decision = page.locator("#decision-form")
    decision.get_by_label("Approved").check()
    decision.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#application-decision")).to_contain_text("Approved")
    expect(page.locator("#distributor-status")).to_have_text("Onboarding")
    expect(page.locator("[data-step][data-done=yes]")).to_have_count(1)  # approved: checked

    # The invited contact sets a password (as the e-mailed link would let it) and logs in.
    admin = Membership.objects.get(distributor__code="nordic-flow-ab").user
    admin.set_password("correct horse battery")
    admin.save()
    page.context.clear_cookies()
    log_in(page, admin, password="correct horse battery")
    expect(page.locator("body")).to_contain_text("Onboarding steps to do")
    page.locator("#mine-menu").click()
    page.locator("#onboarding-link").click()
    expect(page).to_have_url(re.compile(r"/my/onboarding/$"))
    expect(page.locator("#access-gate")).to_contain_text("First training passed")
    extract = tmp_path / "registration.pdf"
    extract.write_bytes(PDF)
    step = page.locator("[data-step]", has_text="Company registration")
    step.locator("input[type=file]").set_input_files(str(extract))
    step.get_by_role("button", name="Mark done").click()
    expect(page.locator("[data-step][data-done=yes]")).to_have_count(2)
    expect(page.locator("[data-step]", has_text="Company registration")).to_contain_text(
        "registration.pdf"
    )

    # The LMS reports the first course passed: the gate opens, the distributor is active.
    certification = services.certification_save(
        by=manager, code="basics", name="Basics", passing="Knows the range", validity_months=12
    )
    course = services.course_save(
        by=manager, code="b-101", title="Basics", language="en", duration_minutes=30,
        url="https://lms.example.test/b", certification=certification,
    )  # fmt: skip
    services.completion_record(
        user=admin, course=course, completed_on=datetime.date.today(), by=manager
    )
    page.reload()
    expect(page.locator("#distributor-status")).to_have_text("Active")
    expect(page.locator("#journey-progress")).to_contain_text("complete")
    assert Distributor.objects.get(code="nordic-flow-ab").status == "active"
