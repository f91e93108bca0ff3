"""Forms a person can fill, in a real browser: landmark and bonus band rows added and removed in
the page, the SMART check that stays after a refused save, pickers that search as one types, and
pages that fit a phone (390 px) and, in French, a laptop's navbar (1366 px)."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from goals.models import Goal
from tests import factories
from tests.browser.test_portal_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _dates():
    today = timezone.localdate()
    start = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    due = start.replace(year=start.year + 1) - datetime.timedelta(days=1)
    return start, due


def fill_terms(page, *, target="120000"):
    start, due = _dates()
    form = page.locator("#goal-form")
    form.get_by_label("Subtitle").fill("The Bavarian dealers' pumps")
    form.get_by_label("Specific description").fill("Pumps through the Bavarian dealers.")
    form.get_by_label("Metric").select_option("revenue")
    form.get_by_label("Baseline", exact=True).fill("100000")
    form.get_by_label("Baseline period from").fill(start.replace(year=start.year - 1).isoformat())
    form.get_by_label("Baseline period to").fill((start - datetime.timedelta(days=1)).isoformat())
    form.get_by_label("Target").fill(target)
    form.get_by_label("Start").fill(start.isoformat())
    form.get_by_label("Due").fill(due.isoformat())
    form.get_by_label("Why it matters").fill("We become the pump dealer of the region.")
    return start, due


def test_a_partner_adds_and_removes_landmark_and_band_rows_and_proposes_the_goal(
    page, partner, distributor
):
    log_in(page, partner)
    page.goto("/goals/new/")
    start, due = fill_terms(page)
    expect(page.locator("#landmarks-proposed tbody tr").last).to_contain_text("€120,000")
    page.locator("input[name=landmark_rule][value=manual]").check()
    rows = page.locator("#landmark-rows tbody tr")
    expect(page.locator("#landmarks-started")).to_be_visible()
    proposed = rows.count()
    assert proposed >= 2
    # Remove the first proposed landmark: the others are renumbered.
    rows.first.get_by_role("button", name="Remove Landmark 1").click()
    expect(rows).to_have_count(proposed - 1)
    expect(rows.first.locator("th")).to_have_text("Landmark 1")
    # Add one in the middle of the year, with the unit beside its value.
    page.locator("#landmark-rows [data-rows-add]").click()
    expect(rows).to_have_count(proposed)
    new = rows.last
    expect(new.locator("th")).to_have_text(f"Landmark {proposed}")
    expect(new.locator("[data-value-unit]")).to_have_text("€")
    middle = start + datetime.timedelta(days=45)
    new.get_by_role("textbox", name=f"Landmark {proposed} Date").fill(middle.isoformat())
    new.get_by_role("spinbutton", name=f"Landmark {proposed} Expected value").fill("9000")
    # Two bonus bands, then one removed; the payout unit follows the kind.
    bands = page.locator("#band-rows tbody tr")
    bands.nth(0).get_by_role("spinbutton", name="Bonus band 1 Attainment from").fill("100")
    bands.nth(0).get_by_role("spinbutton", name="Bonus band 1 Payout").fill("5000")
    page.locator("#band-rows [data-rows-add]").click()
    expect(bands).to_have_count(2)
    bands.nth(1).get_by_role("spinbutton", name="Bonus band 2 Attainment from").fill("110")
    bands.nth(1).get_by_role("combobox", name="Bonus band 2 Pays").select_option("percent_above")
    expect(bands.nth(1).locator("[data-payout-unit]")).to_have_text("%")
    bands.nth(1).get_by_role("spinbutton", name="Bonus band 2 Payout").fill("3")
    page.locator("#band-rows [data-rows-add]").click()
    bands.nth(2).get_by_role("button", name="Remove Bonus band 3").click()
    bands.nth(0).get_by_role("button", name="Remove Bonus band 1").click()
    expect(bands).to_have_count(1)
    expect(bands.first.locator("th")).to_have_text("Bonus band 1")
    page.locator("#goal-form").get_by_label("Why the goal stands despite the SMART warnings").fill(
        "Agreed in May"
    )
    page.locator("#goal-submit").click()
    expect(page.locator(".alert-success")).to_contain_text("Goal saved as a draft")
    page.locator("#propose-goal").click()
    expect(page.locator("#goal-status")).to_have_text("Proposed")
    goal = Goal.objects.get()
    landmarks = [(lm.date, lm.expected) for lm in goal.landmarks.all()]
    assert (middle, 9000) in landmarks and landmarks[-1] == (due, 120000)
    assert len(landmarks) == proposed
    assert [(b.threshold, b.kind, b.amount) for b in goal.bands.all()] == [
        (110, "percent_above", 3)
    ]


def test_the_smart_check_stays_after_a_refused_save(page, manager, distributor):
    log_in(page, manager)
    page.goto("/goals/new/")
    page.locator("#goal-form").get_by_role("combobox", name="Distributor").fill("acm")
    page.get_by_role("option", name="acme · Acme Industrial Supply").click()
    fill_terms(page)
    expect(page.locator("#smart-holds")).to_have_text("SMART: all five hold.")
    page.locator("input[name=landmark_rule][value=manual]").check()
    rows = page.locator("#landmark-rows tbody tr")
    expect(rows.first).to_be_visible()
    rows.first.locator("input[name$=-date]").fill("")
    page.locator("#goal-submit").click()
    # Refused: the row is named, and the check is still there with what it found.
    expect(page.locator("#form-errors")).to_contain_text("Landmark 1: the date is missing")
    feedback = page.locator("#smart-feedback")
    expect(feedback.locator("#smart-row-errors")).to_contain_text("Landmark 1: the date is missing")
    expect(feedback.locator("#smart-holds")).to_have_count(0)
    expect(feedback.locator("#smart-waiting")).to_have_count(0)
    expect(
        page.locator("#landmark-rows tbody tr").first.locator("input[name$=-date]")
    ).to_have_attribute("aria-invalid", "true")
    assert not Goal.objects.exists()


def test_the_distributor_picker_searches_as_one_types_and_filters_the_goals(
    page, manager, distributor, other_distributor
):
    for owner, target in ((distributor, 120000), (other_distributor, 90000)):
        factories.goal_with_landmarks(distributor=owner, target=target, subtitle=owner.name)
    log_in(page, manager)
    page.goto("/goals/")
    picker = page.locator("#filter-form").get_by_role("combobox", name="Distributor")
    picker.click()
    picker.press_sequentially("riv")
    option = page.get_by_role("option", name="rival · Rival Trading")
    expect(option).to_be_visible()
    # Only what matches is offered.
    expect(page.get_by_role("option", name="acme · Acme Industrial Supply")).to_have_count(0)
    page.keyboard.press("Enter")
    expect(page.locator("#filter-form .ts-control .item")).to_contain_text("rival · Rival Trading")
    page.locator("#filter-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"[?&]distributor=rival(&|$)"))
    expect(page.locator("main")).to_contain_text("Rival Trading")
    expect(page.locator("main")).not_to_contain_text("Acme Industrial Supply")
    # The chosen distributor shows by its name after the page comes back, and can be removed.
    chip = page.locator("#filter-form .ts-control .item")
    expect(chip).to_contain_text("rival · Rival Trading")
    chip.get_by_role("button", name="Remove").click()
    expect(page.locator("#filter-form input[name=distributor]")).to_have_value("")


def test_a_partners_picker_offers_its_own_distributor_only(page, partner, other_distributor):
    log_in(page, partner)
    response = page.request.get("/pickers/distributors/?q=")
    assert [row["value"] for row in response.json()["results"]] == ["acme"]


def test_territories_are_chosen_as_chips_that_can_be_removed(page, manager, distributor):
    north = factories.TerritoryFactory(code="north", name="North")
    factories.TerritoryFactory(code="south", name="South")
    factories.TerritoryFactory(code="west", name="West")
    distributor.territories.add(north)
    log_in(page, manager)
    page.goto(f"/distributors/{distributor.code}/edit/")
    picker = page.get_by_role("combobox", name="Territories")
    chips = page.locator("#div_id_territories .ts-control .item")
    expect(chips).to_have_text(["North (DE)×"])
    picker.click()
    picker.press_sequentially("sou")
    page.get_by_role("option", name="South (DE)").click()
    expect(chips).to_have_count(2)
    # Backspace removes the last chip from the keyboard; the remove button any chip.
    picker.press("Backspace")
    expect(chips).to_have_count(1)
    picker.press_sequentially("we")
    expect(page.get_by_role("option", name="West (DE)")).to_be_visible()
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    chips.filter(has_text="North").get_by_role("button", name="Remove").click()
    expect(chips).to_have_text(["West (DE)×"])
    page.get_by_role("button", name="Save distributor").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert list(distributor.territories.values_list("code", flat=True)) == ["west"]


def _overflow(page):
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


BROKEN_FIGURES = """
() => Array.from(document.querySelectorAll('.figure, td.text-end, .kpi')).filter(el => {
  const text = el.textContent.trim();
  if (!/\\d/.test(text) || el.offsetParent === null) return false;
  const range = document.createRange();
  range.selectNodeContents(el);
  const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
  return tops.size > 1;
}).map(el => el.textContent.trim())
"""


def test_at_phone_width_pages_do_not_scroll_sideways_and_figures_hold_together(
    page, manager, distributor
):
    for index in range(3):
        factories.DistributorFactory(
            code=f"long-{index}", name=f"Distribution Industrielle du Grand Ouest {index}"
        )
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, manager)
    for path in ("/distributors/", "/goals/new/"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert _overflow(page) <= 0, path
        assert page.evaluate(BROKEN_FIGURES) == [], path
    # The distributor list keeps its first column in sight while the table scrolls.
    page.goto("/distributors/")
    first = page.locator("table thead th").first
    assert page.evaluate("el => getComputedStyle(el).position", first.element_handle()) == "sticky"


def _french(page):
    page.locator("#language-switcher button[value=fr]").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")


@pytest.mark.parametrize("persona", ["manager", "partner"])
def test_the_french_navbar_fits_on_one_line_at_1366(page, persona, request):
    user = request.getfixturevalue(persona)
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, user)
    _french(page)
    nav = page.locator("nav.navbar")
    tops = page.evaluate(
        "() => Array.from(document.querySelectorAll("
        "'nav.navbar .nav-link, nav.navbar .navbar-brand, #language-switcher button'))"
        ".map(el => Math.round(el.getBoundingClientRect().top))"
    )
    assert max(tops) - min(tops) <= 8, tops
    heights = page.evaluate(
        "() => Array.from(document.querySelectorAll('nav.navbar .nav-link'))"
        ".map(el => el.getBoundingClientRect().height)"
    )
    assert max(heights) < 48, heights  # no label on two lines
    assert nav.bounding_box()["height"] < 70
