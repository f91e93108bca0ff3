"""Provisioning in a real browser: the partner admin makes a SCIM token, a SCIM client creates a
user with it over the live server's socket, and the admin finds the user in its users page."""

import httpx2
import pytest
from playwright.sync_api import expect
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import Email, Name, User

from scim.models import Token
from tests.browser.test_portal_in_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_partner_admin_makes_a_token_a_directory_creates_a_user_the_admin_sees_it(
    page, live_server, partner
):
    log_in(page, partner)
    page.locator("#setup-menu").click()
    page.locator("#provisioning-link").click()
    page.get_by_label("Description").fill("Okta")
    page.locator("#create-token").click()
    secret = page.locator("#scim-token").inner_text().strip()
    endpoint = page.locator("#scim-endpoint").inner_text().strip()
    assert endpoint == live_server.url + "/scim/v2/"
    assert Token.objects.get().prefix == secret[:12]

    http = httpx2.Client(
        base_url=endpoint, headers={"Authorization": f"Bearer {secret}"}, trust_env=False
    )
    with http:
        client = SyncSCIMClient(http)
        client.discover()
        created = client.create(
            User(
                user_name="grace@acme.example",
                name=Name(given_name="Grace", family_name="Hopper"),
                emails=[Email(value="grace@acme.example", primary=True)],
                active=True,
            )
        )
    assert created.id

    page.goto("/partner-users/")
    row = page.locator("#user-table tbody tr", has_text="grace@acme.example")
    expect(row).to_contain_text("Grace Hopper")
    page.locator("#setup-menu").click()
    page.locator("#provisioning-link").click()
    expect(page.locator("#activity-table")).to_contain_text("User created")
    expect(page.locator("#token-table")).not_to_contain_text("Never")
