"""The webhooks' pages: the channel's for the manufacturer, a partner admin's for its own
distributor; a rep gets 403, another distributor's subscription is a 404."""

import pytest
from django.urls import reverse

from webhooks import services
from webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db


def test_a_manager_creates_a_channel_subscription_and_sees_its_secret_once(login, manager):
    client = login(manager)

    response = client.post(
        reverse("webhooks:new"),
        {
            "url": "https://erp.example/hooks",
            "events": ["lead.accepted", "goal.agreed"],
            "active": "on",
        },
    )

    subscription = Subscription.objects.get()
    assert response.status_code == 200
    assert subscription.distributor is None and subscription.created_by == manager
    assert subscription.events == ["goal.agreed", "lead.accepted"]
    assert subscription.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    detail = client.get(reverse("webhooks:detail", args=[subscription.pk])).content.decode()
    assert subscription.secret not in detail


def test_the_form_lists_each_event_with_its_label_and_refuses_a_private_address(
    settings, login, manager
):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    client = login(manager)
    page = client.get(reverse("webhooks:new")).content.decode()

    response = client.post(
        reverse("webhooks:new"), {"url": "http://10.1.2.3/hook", "events": ["goal.agreed"]}
    )

    assert "Lead accepted (lead.accepted)" in page and "webhook.test" not in page
    assert response.status_code == 400 and not Subscription.objects.exists()
    assert "public address" in response.content.decode()


def test_the_delivery_log_filters_and_sends_again(login, manager, receiver):
    subscription = services.subscription_create(
        by=manager, url=receiver.url(), events=["goal.agreed"]
    )
    delivery = services.subscription_test(subscription=subscription, by=manager)
    services.delivery_attempt(delivery_id=delivery.pk)
    client = login(manager)
    url = reverse("webhooks:detail", args=[subscription.pk])

    shown = client.get(url).content.decode()
    none = client.get(url, {"status": "gave_up"}).content.decode()
    again = client.post(reverse("webhooks:send-again", args=[delivery.pk]))

    assert "webhook.test" in shown and "Delivered" in shown and "200" in shown
    assert 'id="no-deliveries"' in none
    assert again.status_code == 302
    assert Delivery.objects.filter(message_id=delivery.message_id).count() == 2


def test_a_partner_admin_keeps_its_own_distributors_subscriptions(login, partner, distributor):
    client = login(partner)

    client.post(
        reverse("webhooks:mine-new"), {"url": "https://acme.example/h", "events": ["goal.agreed"]}
    )
    listed = client.get(reverse("webhooks:mine-list")).content.decode()

    assert Subscription.objects.get().distributor == distributor
    assert "https://acme.example/h" in listed


def test_a_partner_rep_gets_403_and_an_outsider_404(login, colleague, outsider, partner):
    subscription = services.subscription_create(
        by=partner, url="https://acme.example/h", events=["goal.agreed"]
    )

    rep = login(colleague).get(reverse("webhooks:mine-list"))
    other = login(outsider).get(reverse("webhooks:mine-detail", args=[subscription.pk]))
    rotate = login(outsider).post(reverse("webhooks:mine-rotate", args=[subscription.pk]))

    assert rep.status_code == 403
    assert other.status_code == 404 and rotate.status_code == 404
    assert Subscription.objects.get().secret == subscription.secret


def test_the_manager_never_sees_a_partners_subscription_and_a_partner_not_the_channels(
    login, manager, partner
):
    mine = services.subscription_create(
        by=partner, url="https://acme.example/h", events=["goal.agreed"]
    )
    channel = services.subscription_create(
        by=manager, url="https://erp.example/h", events=["goal.agreed"]
    )

    assert login(manager).get(reverse("webhooks:detail", args=[mine.pk])).status_code == 404
    assert login(partner).get(reverse("webhooks:detail", args=[channel.pk])).status_code == 403
    assert login(partner).get(reverse("webhooks:mine-detail", args=[channel.pk])).status_code == 404


def test_the_setup_menu_links_to_the_webhooks_of_each_side(login, manager, partner, colleague):
    assert reverse("webhooks:list") in login(manager).get(reverse("webhooks:list")).content.decode()
    assert (
        reverse("webhooks:mine-list")
        in login(partner).get(reverse("webhooks:mine-list")).content.decode()
    )
    assert (
        "webhooks-link" not in login(colleague).get(reverse("distributors:mine")).content.decode()
    )
