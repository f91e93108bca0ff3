"""Two-factor authentication in a real browser: set up an app from the page's key, then log in
with a code after the password."""

import base64
import re
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(secret, *, steps_ahead=0):
    """What an authenticator app holding `secret` (base32, as the page shows it) displays."""
    key = secret.replace(" ", "")
    totp = TOTP(base64.b32decode(key + "=" * (-len(key) % 8)))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def log_in(page, user):
    page.goto("/accounts/login/")
    form = page.locator("#login-form")
    form.get_by_label("Username").fill(user.username)
    form.get_by_label("Password").fill(factories.PASSWORD)
    form.get_by_role("button", name="Log in").click()


def test_manager_sets_up_an_app_and_logs_in_with_a_code(page, live_server):
    manager = factories.ManagerFactory(username="manager-2fa")
    log_in(page, manager)
    expect(page).to_have_url(re.compile(r"/dashboard/$"))

    page.get_by_role("button", name="manager-2fa").click()
    page.get_by_role("link", name="Two-factor authentication").click()
    expect(page.locator("#two-factor-qr svg")).to_be_visible()
    secret = page.locator("#two-factor-key").inner_text()
    setup = page.locator("#two-factor-setup-form")
    setup.get_by_label("Code from your authenticator app").fill(app_code(secret))
    setup.get_by_role("button", name="Switch on two-factor authentication").click()
    expect(page.get_by_text("Two-factor authentication is on.")).to_be_visible()

    page.get_by_role("button", name="manager-2fa").click()
    page.get_by_role("button", name="Log out").click()
    log_in(page, manager)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/verify/\?next=%2F$"))
    verify = page.locator("#two-factor-verify-form")
    verify.get_by_label("Code from your authenticator app").fill("000000")
    verify.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("That code is not right.")).to_be_visible()

    time.sleep(1.1)  # the wait after one wrong code
    # The set-up used this period's code, and a code is good once: the app's next one is taken.
    verify.get_by_label("Code from your authenticator app").fill(app_code(secret, steps_ahead=1))
    verify.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
