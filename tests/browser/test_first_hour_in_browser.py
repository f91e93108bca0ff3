"""The first hour, walked in Chromium over the demo (`make run`'s data): as the manager, the
partner admin and the French partner, every page of the navbar and the first detail page each
one links to, at desktop width (1366 px) and at a phone's 390 px. No page is an error or a debug
page, none shows a raw placeholder, a French page holds no English but proper names, and nothing
is wider than the window."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from tests.english import PAGE_TEXTS_JS, english
from tests.placeholders import placeholders

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "drm-demo"
PEOPLE = (("manager", "en-GB"), ("partner", "en-GB"), ("partner-atlantique", "fr-FR"))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
# Not pages for people (the API, the Django admin), acts, and files.
LEFT_OUT = re.compile(r"logout|^/admin|^/api/|export|download|\.csv|\.xlsx|\.pdf|format=")
DEBUG_PAGE = re.compile(r"Traceback|URLconf|Request Method:|Exception Value:")
# A detail page: a path below the list's, ending in an id or a code.
DETAIL = re.compile(r"^/[\w/-]*?/[\w-]*\d[\w-]*/$|^/distributors/[a-z0-9-]+/$")


@pytest.fixture
def demo(transactional_db, settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MEDIA_ROOT = tmp_path  # the funds' proof files
    for command, *args in (
        ("demo_data",),
        ("demo_leads", "--leads", "300"),
        ("demo_goals",),
        ("demo_funds",),
        ("demo_incentives",),
        ("scoring_run",),
    ):
        call_command(command, *args, "--quiet", stdout=StringIO())


def log_in(page, username):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form:has(input[name=password]) button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def links(page, selector):
    return page.eval_on_selector_all(
        selector, "els => els.map(e => e.getAttribute('href')).filter(h => h.startsWith('/'))"
    )


def look(page, path, *, french):
    """What a person would notice on `path`, at desktop width then at the phone's."""
    page.set_viewport_size(DESKTOP)
    # goto() waits for the load event (scripts run, charts drawn); "networkidle" would add half
    # a second of silence to each of the walk's ~120 pages.
    response = page.goto(path)
    found = []
    if response is None or response.status >= 400:
        found.append(f"HTTP {response.status if response else '?'}")
    if DEBUG_PAGE.search(page.content()):
        found.append("a debug page")
    texts = page.evaluate(PAGE_TEXTS_JS)
    found += [f"raw {hit!r}" for hit in placeholders("\n".join(texts))]
    if french:
        found += [f"English {text!r}" for text in english(texts)]
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > DESKTOP["width"]:
        found.append(f"{width} px wide at {DESKTOP['width']} px")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(50)
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        found.append(f"{width} px wide on a phone")
    return found


def walk(page, *, french):
    """{path: what was noticed} over the navbar's pages and each one's first detail page; and
    the paths read."""
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    navbar = sorted({href for href in links(page, "nav a[href]") if not LEFT_OUT.search(href)})
    problems, read = {}, []
    for path in ["/", *navbar]:
        if path in read:
            continue
        read.append(path)
        found = look(page, path, french=french)
        if found:
            problems[path] = found
        detail = next(
            (
                href
                for href in links(page, "main a[href]")
                if DETAIL.match(href.split("?")[0])
                and href not in read
                and href not in navbar
                and not LEFT_OUT.search(href)
            ),
            None,
        )
        if detail:
            read.append(detail)
            found = look(page, detail, french=french)
            if found:
                problems[detail] = found
    return problems, read


def test_every_navbar_page_and_its_first_detail_reads_right(demo, browser, live_server):
    """One test for the three people: the demo is loaded once."""
    problems, read, errors = {}, {}, []
    for username, locale in PEOPLE:
        context = browser.new_context(base_url=live_server.url, locale=locale)
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on("pageerror", lambda error, who=username: errors.append(f"{who}: {error}"))
        try:
            log_in(page, username)
            found, read[username] = walk(page, french=locale.startswith("fr"))
        finally:
            context.close()
        problems.update({f"{username} {path}": what for path, what in found.items()})

    for username, paths in read.items():
        assert len(paths) >= 10, (username, paths)
        assert any(DETAIL.match(path) for path in paths), (username, paths)
    assert problems == {}
    assert errors == []


def test_the_walk_sees_english_on_a_french_page():
    assert english(["Leads to accept", "Pistes à accepter", "Northwind Traders"]) == [
        "Leads to accept"
    ]
    assert english(["No revenue reported for 3 months"]) == ["No revenue reported for 3 months"]
    assert english(["Banque de France", "3 mois sans chiffre d'affaires"]) == []
