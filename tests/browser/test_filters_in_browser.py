"""A list's filter form as a person uses it: pressing Filter with every field left at "any"
sends each field empty, which a page reads as no filter (the API refuses an empty parameter);
before, these pages answered 400 and listed nothing."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_portal_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = (
    "/goals/reviews/",
    "/goals/steps/",
    "/funds/requests/",
    "/incentives/",
    "/training/",
    "/training/completions/",
    "/training/certificates/",
)


def test_filtering_with_every_field_at_any_lists_everything(page, manager):
    log_in(page, manager)
    for path in PAGES:  # one log-in for them all: a browser test costs seconds
        page.goto(path)
        with page.expect_navigation() as navigation:
            page.locator("form[method=get] button[type=submit]").first.click()
        assert navigation.value.status == 200, page.url
        expect(page.locator(".alert-danger")).to_have_count(0)
