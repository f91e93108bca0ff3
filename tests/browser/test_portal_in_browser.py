"""The portal in a real browser: log-in, Bootstrap and Chart.js served locally, scoping, imports."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from distributors.models import RevenueRecord
from drm.periods import add_months
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOOTSTRAP_PRIMARY = "rgb(13, 110, 253)"
BOOTSTRAP_DARK = "rgb(33, 37, 41)"
DETAIL_SCREENSHOT = "/tmp/drm-detail.png"


def log_in(page, user, password=factories.PASSWORD):
    page.goto("/accounts/login/")
    form = page.locator("#login-form")
    form.get_by_label("Username").fill(user.username)
    form.get_by_label("Password").fill(password)
    form.get_by_role("button", name="Log in").click()


def path_is(live_server, path):
    return re.compile(re.escape(live_server.url + path) + "$")


def given_revenue(distributor):
    """Revenue in two product lines over recent months, a third line without any, one investment."""
    # Not frozen: the browser keeps real time, and frozen session cookies would look expired.
    today = timezone.localdate()
    pumps = factories.ProductLineFactory(code="pumps", name="Pumps")
    valves = factories.ProductLineFactory(code="valves", name="Valves")
    seals = factories.ProductLineFactory(code="seals", name="Seals")
    distributor.product_lines.add(pumps, valves, seals)
    for months_ago, line, amount in ((3, pumps, 1200), (2, pumps, 1500), (2, valves, 800)):
        factories.RevenueRecordFactory(
            distributor=distributor,
            product_line=line,
            month=add_months(today, -months_ago),
            amount=amount,
        )
    factories.InvestmentFactory(distributor=distributor, date=add_months(today, -2))


def expect_chart_drawn(page, canvas_id):
    canvas = page.locator(f"#{canvas_id}")
    expect(canvas).to_have_attribute("data-rendered", "true")
    box = canvas.bounding_box()
    assert box["width"] > 0
    assert box["height"] > 0
    return canvas


def dataset_labels(canvas):
    return canvas.evaluate("canvas => Chart.getChart(canvas).data.datasets.map(d => d.label)")


def revenue_csv(*rows):
    lines = ["distributor,month,product_line,amount,units", *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


def upload(page, filename, content):
    page.goto("/imports/new/")
    page.get_by_label("What the file holds").select_option("revenue")
    page.locator("input[type=file]").set_input_files(
        files=[{"name": filename, "mimeType": "text/csv", "buffer": content}]
    )
    page.get_by_role("button", name="Upload and check").click()


def test_manager_logs_in_and_sees_styled_list_and_drawn_revenue_chart(
    page, live_server, manager, distributor, other_distributor
):
    given_revenue(distributor)

    log_in(page, manager)

    expect(page).to_have_url(path_is(live_server, "/dashboard/"))
    page.goto(f"{live_server.url}/distributors/")
    expect(page).to_have_url(path_is(live_server, "/distributors/"))
    rows = page.locator("#distributor-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Acme Industrial Supply")).to_have_count(1)
    expect(rows.filter(has_text="Rival Trading")).to_have_count(1)
    expect(page.locator("nav.navbar")).to_have_css("background-color", BOOTSTRAP_DARK)
    expect(page.get_by_role("link", name="New distributor")).to_have_css(
        "background-color", BOOTSTRAP_PRIMARY
    )
    top_chart = expect_chart_drawn(page, "top-revenue-chart")
    assert top_chart.evaluate("canvas => Chart.version").startswith("4.")
    assert top_chart.evaluate("canvas => Chart.getChart(canvas).data.labels") == ["acme", "rival"]

    page.locator("#distributor-table").get_by_role("link", name="acme", exact=True).click()

    expect(page).to_have_url(path_is(live_server, "/distributors/acme/"))
    expect(page.get_by_role("heading", name="Acme Industrial Supply")).to_be_visible()
    revenue_chart = expect_chart_drawn(page, "revenue-chart")
    # One stacked dataset per product line with revenue; "Seals" has none.
    assert dataset_labels(revenue_chart) == ["Pumps", "Valves"]
    assert revenue_chart.evaluate("canvas => Chart.getChart(canvas).data.labels.length") == 24
    investment_chart = expect_chart_drawn(page, "investment-chart")
    assert dataset_labels(investment_chart) == ["Value"]
    page.screenshot(path=DETAIL_SCREENSHOT, full_page=True)


def test_partner_lands_on_own_distributor_and_gets_404_for_another(
    page, live_server, partner, distributor, other_distributor
):
    given_revenue(distributor)

    log_in(page, partner)

    expect(page).to_have_url(path_is(live_server, "/my/"))
    expect(page.get_by_role("heading", name="Acme Industrial Supply")).to_be_visible()
    assert dataset_labels(expect_chart_drawn(page, "revenue-chart")) == ["Pumps", "Valves"]

    response = page.goto(f"/distributors/{other_distributor.code}/")

    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_text("Rival Trading")).to_have_count(0)


def test_partner_uploads_checks_and_commits_revenue_then_sees_row_errors(
    page, live_server, partner, distributor
):
    factories.ProductLineFactory(code="pumps", name="Pumps")
    log_in(page, partner)
    expect(page).to_have_url(path_is(live_server, "/my/"))

    upload(
        page,
        "revenue-good.csv",
        revenue_csv(
            ["acme", "2026-09", "pumps", "1250.00", "10"], ["acme", "2026-10", "pumps", "980", "8"]
        ),
    )

    expect(page).to_have_url(re.compile(r"/imports/\d+/$"))
    preview = page.locator("#import-preview tbody tr")
    expect(preview).to_have_count(2)
    expect(preview.first).to_contain_text("September 2026")
    page.locator("#commit-button").click()
    expect(page.locator("#import-message")).to_contain_text(
        "Imported 2 rows: 2 new, 0 replaced, 0 unchanged."
    )
    expect(page.locator("#import-status-label")).to_have_text("Committed")
    expect(page.locator("#commit-button")).to_have_count(0)
    assert RevenueRecord.objects.filter(distributor=distributor).count() == 2

    upload(
        page,
        "revenue-bad.csv",
        revenue_csv(
            ["acme", "2026-11", "pumps", "700", "5"], ["acme", "2026-11", "pumps", "lots", "5"]
        ),
    )

    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(1)
    cells = errors.first.locator("td")
    expect(cells).to_have_text(["3", "amount", "'lots' is not a number"])
    expect(page.locator("#import-preview")).to_have_count(0)
    expect(page.locator("#commit-button")).to_have_count(0)
    assert RevenueRecord.objects.filter(distributor=distributor).count() == 2


def test_wrong_password_shows_an_error_and_five_failures_lock_the_account_out(
    page, live_server, manager
):
    log_in(page, manager, password="not-the-password")

    expect(page.locator("#login-form")).to_contain_text(
        "Please enter a correct username and password"
    )
    expect(page).to_have_url(path_is(live_server, "/accounts/login/"))

    for _ in range(4):
        log_in(page, manager, password="not-the-password")
    expect(page.get_by_role("heading", name="Too many failed log-ins")).to_be_visible()

    log_in(page, manager)
    expect(page.get_by_role("heading", name="Too many failed log-ins")).to_be_visible()


FRENCH_MONTH = re.compile(
    r"^(janv\.|févr\.|mars|avr\.|mai|juin|juil\.|août|sept\.|oct\.|nov\.|déc\.) \d{4}$"
)


def test_a_french_partner_sees_french_pages_numbers_and_chart(
    page, live_server, partner, distributor
):
    from identity.models import UserProfile

    UserProfile.objects.create(user=partner, language="fr")
    given_revenue(distributor)

    log_in(page, partner)

    expect(page).to_have_url(path_is(live_server, "/my/"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Chiffre d'affaires par mois")).to_be_visible()
    # 1,200 + 1,500 + 800 in the last 12 complete months, written the French way.
    expect(page.locator("#kpi-revenue")).to_contain_text("3\u202f500\u00a0€")
    canvas = expect_chart_drawn(page, "revenue-chart")
    ticks = canvas.evaluate("canvas => Chart.getChart(canvas).scales.x.ticks.map(t => t.label)")
    assert ticks and all(FRENCH_MONTH.match(tick) for tick in ticks), ticks[:3]
