"""`manage.py demo_webhooks`: a channel subscription and adriatica's, with a short delivery log
(delivered, retried, given up with the answer's excerpt, sent again), written through the
services without one request sent; the webhooks pages show them; a second run does nothing."""

import io

import pytest
from django.core.management import call_command

from distributors.models import Distributor
from tests import factories
from webhooks import transport
from webhooks.demo import CHANNEL_URL, PARTNER_URL
from webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_logins(db):
    adriatica = factories.DistributorFactory(code="adriatica", name="Adriatica Forniture S.p.A.")
    manager = factories.ManagerFactory(username="manager")
    partner = factories.MembershipFactory(
        user=factories.UserFactory(username="partner"), distributor=adriatica, role="admin"
    ).user
    return manager, partner


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the demo sent a request")

    monkeypatch.setattr(transport, "post", refuse)
    monkeypatch.setattr(transport.socket, "getaddrinfo", refuse)


def log(url):
    return list(
        Delivery.objects.filter(subscription__url=url)
        .order_by("created_at")
        .values_list("status", "attempts", "status_code", "resent_from_id")
    )


def test_the_demo_writes_two_subscriptions_and_their_log_without_sending_anything(
    demo_logins, no_network, client
):
    manager, partner = demo_logins
    call_command("demo_webhooks", stdout=io.StringIO())

    channel = Subscription.objects.get(url=CHANNEL_URL)
    ours = Subscription.objects.get(url=PARTNER_URL)
    assert channel.distributor is None and channel.created_by == manager
    assert ours.distributor == Distributor.objects.get(code="adriatica")
    assert log(CHANNEL_URL) == [("succeeded", 1, 200, None), ("succeeded", 2, 200, None)]
    (delivered, refused, again) = log(PARTNER_URL)
    assert delivered == ("succeeded", 1, 200, None)
    assert refused[:3] == ("gave_up", 8, 500)
    assert again[0] == "succeeded" and again[3] is not None
    given_up = Delivery.objects.get(subscription=ours, status=Delivery.Status.GAVE_UP)
    assert "mapping_missing" in given_up.response_excerpt
    # Nothing left for the worker to send, and the subscriptions still on.
    assert not Delivery.objects.filter(status__in=["pending", "failed"]).exists()
    assert Subscription.objects.filter(active=True, failure_streak=0).count() == 2

    client.force_login(manager)
    assert CHANNEL_URL in client.get("/integrations/webhooks/").content.decode()
    assert client.get(f"/integrations/webhooks/{channel.pk}/").status_code == 200
    client.force_login(partner)
    assert PARTNER_URL in client.get("/my/webhooks/").content.decode()
    assert "mapping_missing" in client.get(f"/my/webhooks/{ours.pk}/").content.decode()

    call_command("demo_webhooks", stdout=io.StringIO())
    assert Subscription.objects.count() == 2 and Delivery.objects.count() == 5
