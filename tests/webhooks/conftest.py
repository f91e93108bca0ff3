"""The webhooks' tests share a real receiver on 127.0.0.1 (tests/webhooks/receiver.py), started
once per module, and subscriptions pointing at it."""

import pytest

from tests import factories
from tests.webhooks.receiver import started, stopped
from webhooks import services


@pytest.fixture(scope="module")
def _receiver_server():
    receiver = started()
    yield receiver
    stopped(receiver)


@pytest.fixture
def receiver(_receiver_server):
    _receiver_server.reset()
    return _receiver_server


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on 127.0.0.1
    settings.WEBHOOK_TIMEOUT_SECONDS = 1


@pytest.fixture
def channel_subscription(manager, receiver):
    return services.subscription_create(
        by=manager, url=receiver.url("/channel"), events=["lead.assigned", "lead.accepted"]
    )


@pytest.fixture
def partner_subscription(partner, receiver):
    return services.subscription_create(
        by=partner, url=receiver.url("/acme"), events=["lead.assigned", "lead.accepted"]
    )


@pytest.fixture
def outsider_subscription(outsider, receiver):
    return services.subscription_create(
        by=outsider, url=receiver.url("/rival"), events=["lead.assigned", "lead.accepted"]
    )


@pytest.fixture
def pumps(db):
    return factories.ProductLineFactory(code="pumps", name="Pumps")
