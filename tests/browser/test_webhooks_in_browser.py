"""Webhooks in a real browser: the manager subscribes a receiver on loopback, sends a test event
and sees it delivered in the subscription's log."""

import pytest
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook

from tests.browser.test_portal_in_browser import log_in
from tests.webhooks.receiver import started, stopped
from webhooks.models import Subscription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    receiver = started()
    yield receiver
    stopped(receiver)


def test_the_manager_subscribes_sends_a_test_event_and_sees_it_delivered(page, manager, receiver):
    log_in(page, manager)
    page.locator("#setup-menu").click()
    page.locator("#webhooks-link").click()
    page.locator("#new-subscription").click()
    page.get_by_label("URL").fill(receiver.url("/from-browser"))
    page.get_by_label("Lead accepted (lead.accepted)").check()
    page.get_by_role("button", name="Create").click()

    secret = page.locator("#signing-secret").inner_text()
    assert secret == Subscription.objects.get().secret
    page.locator("#to-subscription").click()
    page.locator("#send-test").click()

    row = page.locator("#delivery-table tbody tr").first
    expect(row).to_have_attribute("data-status", "succeeded")
    expect(row).to_contain_text("webhook.test")
    expect(row).to_contain_text("200")
    (request,) = receiver.requests
    assert request["path"] == "/from-browser"
    assert Webhook(secret).verify(request["body"], request["headers"])["type"] == "webhook.test"
