"""Goals in a real browser: a partner admin proposes a goal (live SMART check, landmarks proposed
by the portal), the manager counters with another target, the partner accepts, and the contract
annex PDF downloads."""

import datetime
import io
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from goals.models import Goal
from tests import factories
from tests.browser.test_portal_in_browser import expect_chart_drawn, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_partner_proposes_the_manager_counters_the_partner_accepts_and_downloads_the_annex(
    page, manager, partner, distributor
):
    line = factories.ProductLineFactory(code="pumps", name="Pumps")
    distributor.product_lines.add(line)
    today = timezone.localdate()
    start = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    due = start.replace(year=start.year + 1) - datetime.timedelta(days=1)

    log_in(page, partner)
    page.goto("/goals/new/")
    form = page.locator("#goal-form")
    form.get_by_label("Subtitle").fill("The Bavarian dealers' pumps")
    form.get_by_label("Specific description").fill("Pumps through the Bavarian dealers.")
    form.get_by_label("Metric").select_option("revenue")
    # The product line is searched as she types.
    form.get_by_role("combobox", name="Product line").press_sequentially("pum")
    page.get_by_role("option", name="Pumps").click()
    form.get_by_label("Baseline", exact=True).fill("100000")
    form.get_by_label("Baseline period from").fill(start.replace(year=start.year - 1).isoformat())
    form.get_by_label("Baseline period to").fill((start - datetime.timedelta(days=1)).isoformat())
    form.get_by_label("Target").fill("120000")
    form.get_by_label("Start").fill(start.isoformat())
    form.get_by_label("Due").fill(due.isoformat())
    form.get_by_label("Why it matters").fill("We become the pump dealer of the region.")
    expect(page.locator("#smart-feedback #smart-holds")).to_have_text("SMART: all five hold.")
    # The portal proposes the landmarks from the target and the dates: shown, not typed.
    proposed = page.locator("#landmarks-proposed")
    expect(proposed.locator("tbody tr").last).to_contain_text("€120,000")
    # Taking them in hand starts from the proposal, with the unit beside each value.
    page.locator("input[name=landmark_rule][value=manual]").check()
    expect(page.locator("#landmarks-started")).to_be_visible()
    rows = page.locator("#landmark-rows tbody tr")
    expect(rows.last.locator("input[name$=-value]")).to_have_value("120000")
    expect(rows.last.locator("[data-value-unit]")).to_have_text("€")
    # Changed her mind: the portal proposes them (and re-derives them when the target moves).
    page.locator("input[name=landmark_rule][value=linear]").check()
    expect(proposed.locator("tbody tr").last).to_contain_text("€120,000")
    bands = page.locator("#band-rows")
    bands.get_by_role("spinbutton", name="Bonus band 1 Attainment from").fill("100")
    bands.get_by_role("spinbutton", name="Bonus band 1 Payout").fill("5000")
    form.get_by_label("Why the goal stands despite the SMART warnings").fill("Agreed in May")
    page.locator("#goal-form button[type=submit]").click()
    expect(page.locator(".alert-success")).to_contain_text("Goal saved as a draft")
    expect(page.locator("h1")).to_contain_text("Pumps revenue of 120 k EUR")
    expect(page.locator("#subtitle")).to_have_text("The Bavarian dealers' pumps")
    expect_chart_drawn(page, "goal-chart")
    page.locator("#propose-goal").click()
    expect(page.locator("#goal-status")).to_have_text("Proposed")
    goal = Goal.objects.get()

    page.context.clear_cookies()
    log_in(page, manager)
    page.goto(f"/goals/{goal.pk}/")
    page.locator("#counter-goal").click()
    page.locator("#goal-form").get_by_label("Target").fill("125000")
    page.locator("#goal-form").get_by_label("Why the goal stands despite the SMART warnings").fill(
        "Agreed in May"
    )
    page.locator("#goal-form").get_by_label("Why you answer with other terms").fill(
        "The new plant doubles the pump capacity."
    )
    page.locator("#goal-form button[type=submit]").click()
    expect(page.locator("#goal-status")).to_have_text("Counter-proposed")
    expect(page.locator("h1")).to_contain_text("Pumps revenue of 125 k EUR")
    expect(page.locator("#terms")).to_contain_text("€125,000")
    expect(page.locator("#landmarks tr").last).to_contain_text("€125,000")

    page.context.clear_cookies()
    log_in(page, partner)
    page.goto(f"/goals/{goal.pk}/")
    # What changed, and why, before she answers.
    changes = page.locator("#counter-changes")
    expect(changes.locator("tr[data-term=target]")).to_contain_text("€120,000")
    expect(changes.locator("tr[data-term=target]")).to_contain_text("€125,000")
    expect(changes).to_contain_text("The new plant doubles the pump capacity.")
    page.locator("#accept-goal").click()
    expect(page.locator(".alert-success")).to_contain_text("agreed by both sides")
    with page.expect_download() as download_info:
        page.locator("#annex-link").click()
    download = download_info.value
    assert download.suggested_filename == f"annex-acme-{due.year}.pdf"
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Pumps revenue of 125 k EUR" in text and "€125,000" in text
    assert "120 k" not in text and "€120,000" not in text


def test_the_manager_shares_a_plan_from_fitted_weights_and_the_partner_gets_its_share(
    page, manager, partner, distributor
):
    """A team goal's plan page: the weights fitted on the channel's past, said in a sentence,
    each distributor's share, the button that proposes them; the partner finds its share."""
    from drm.periods import add_months, month_start

    line = factories.ProductLineFactory(code="pumps", name="Pumps")
    last = add_months(month_start(timezone.localdate()), -3)
    channel = [distributor] + [
        factories.DistributorFactory(code=f"d{k:02}", region="Europe") for k in range(11)
    ]
    for k, who in enumerate(channel):
        # Potential is 10 × revenue; the years before were off by ±30 %: potential wins the fit.
        who.market_potential = D(1_000_000 * (k + 1))
        who.save()
        who.product_lines.add(line)
        for back, luck in ((0, 1.0), (12, 1.3 if k % 2 else 0.7), (24, 1.0)):
            factories.RevenueRecordFactory(
                distributor=who,
                product_line=line,
                month=add_months(last, -back),
                amount=D(round(100_000 * (k + 1) * luck)),
            )
    start = add_months(month_start(timezone.localdate()), 1)
    plan = factories.team_plan(
        owner=manager,
        product_line=line,
        target=D("7800000.00"),
        start=start,
        due=add_months(start, 12) - datetime.timedelta(days=1),
    )

    log_in(page, manager)
    page.goto(f"/goals/{plan.pk}/")
    page.locator("#plan-goal").click()
    how = page.locator("#plan-how")
    expect(how).to_contain_text("These weights are fitted on the past year")
    expect(how).to_contain_text("between the 12 distributors with revenue in both years")
    expect(page.locator("#plan-total")).to_contain_text("€7,800,000.00")
    # Potential is 10 × revenue and ranks acme (k = 0) smallest: 1/78 of the plan.
    expect(page.locator("#plan-row-acme")).to_contain_text("€100,000.00")
    page.locator("#plan-apply button").click()
    expect(page.locator(".alert-info")).to_contain_text(
        "Proposed to 12 distributor(s) as new goals."
    )
    expect(page.locator("#plan-row-acme")).to_contain_text("Proposed")
    child = plan.children.get(distributor=distributor)
    assert child.target == D("100000.00") and child.status == "proposed"

    page.context.clear_cookies()
    log_in(page, partner)
    page.goto(f"/goals/{child.pk}/")
    expect(page.locator("#goal-status")).to_have_text("Proposed")
    expect(page.locator("#terms")).to_contain_text("€100,000")
    expect(page.locator("#accept-goal")).to_be_visible()
