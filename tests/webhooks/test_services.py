"""The outbox, the scoping of events and the deliveries, against a real receiver on loopback."""

import datetime
import json

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from drm.events import emit
from leads import services as leads_services
from notifications.models import Notification
from tests import factories
from webhooks import services
from webhooks.models import Delivery, Message, Subscription
from webhooks.tasks import webhook_deliver

pytestmark = pytest.mark.django_db


def _assign(lead, distributor, manager):
    return leads_services.lead_assign(
        lead=lead, distributor=distributor, by=manager, override_reason=None
    )


def _attempt(delivery, *, later=0):
    """One attempt of `delivery`, `later` seconds from now (past its retry's delay)."""
    now = timezone.now() + datetime.timedelta(seconds=later)
    return services.delivery_attempt(delivery_id=delivery.pk, now=now)


def test_an_act_writes_one_message_and_a_delivery_per_subscriber_in_its_transaction(
    manager, distributor, channel_subscription, partner_subscription, outsider_subscription
):
    _assign(factories.LeadFactory(), distributor, manager)

    (message,) = Message.objects.all()
    assert message.event_type == "lead.assigned"
    assert message.distributor_id == distributor.pk
    assert set(message.deliveries.values_list("subscription_id", flat=True)) == {
        channel_subscription.pk,
        partner_subscription.pk,
    }


def test_a_rolled_back_act_publishes_nothing(manager, distributor, channel_subscription):
    lead = factories.LeadFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        _assign(lead, distributor, manager)
        raise RuntimeError("the act fails after the event")

    assert not Message.objects.exists()
    assert not Delivery.objects.exists()


def test_a_partner_subscription_never_hears_of_another_distributors_leads_in_a_bulk_route(
    manager, distributor, other_distributor, partner_subscription, channel_subscription
):
    distributor.territories.add(factories.TerritoryFactory(country="DE", region=""))
    other_distributor.territories.add(factories.TerritoryFactory(country="FR", region=""))
    german = factories.LeadFactory(country="DE")
    french = factories.LeadFactory(country="FR")

    routed, _left = leads_services.leads_route(lead_ids=[german.pk, french.pk], by=manager)

    assert routed == 2
    partner_leads = [
        d.message.data["lead_id"]
        for d in Delivery.objects.filter(subscription=partner_subscription)
    ]
    channel_leads = {
        d.message.data["lead_id"]
        for d in Delivery.objects.filter(subscription=channel_subscription)
    }
    assert partner_leads == [german.pk]
    assert channel_leads == {german.pk, french.pk}


def test_a_channel_event_goes_to_the_channel_subscriptions_only(
    manager, partner, channel_subscription, receiver
):
    partner_one = services.subscription_create(
        by=partner, url=receiver.url(), events=["scorecard.published"]
    )
    services.subscription_update(
        subscription=channel_subscription,
        by=manager,
        url=channel_subscription.url,
        events=["scorecard.published"],
    )

    emit("scorecard.published", distributor_id=None, data={"run_id": 1})

    assert list(Delivery.objects.values_list("subscription_id", flat=True)) == [
        channel_subscription.pk
    ]
    assert not partner_one.deliveries.exists()


def test_a_lead_event_carries_no_contact_details(manager, distributor, partner_subscription):
    lead = factories.LeadFactory(contact_name="Jeanne Martin", contact_email="j@x.example")
    _assign(lead, distributor, manager)

    data = Message.objects.get().data
    assert data["lead_id"] == lead.pk and data["distributor"] == "acme"
    assert data["status"] == "assigned"
    assert "Jeanne" not in json.dumps(data) and "j@x.example" not in json.dumps(data)


def test_a_delivery_is_signed_the_standard_webhooks_way(
    manager, distributor, channel_subscription, receiver
):
    _assign(factories.LeadFactory(), distributor, manager)
    delivery = Delivery.objects.get()

    delivery = _attempt(delivery)

    assert delivery.status == Delivery.Status.SUCCEEDED and delivery.status_code == 200
    assert delivery.latency_ms is not None and '"received"' in delivery.response_excerpt
    (request,) = receiver.requests
    payload = Webhook(channel_subscription.secret).verify(request["body"], request["headers"])
    assert payload["type"] == "lead.assigned"
    assert payload["data"]["distributor"] == "acme"
    assert request["headers"]["webhook-id"] == delivery.message_id
    with pytest.raises(WebhookVerificationError):
        Webhook(services.secret_new()).verify(request["body"], request["headers"])


def test_after_a_rotation_both_secrets_verify_until_the_overlap_ends(
    manager, channel_subscription, receiver
):
    old = channel_subscription.secret
    rotated = services.subscription_rotate_secret(subscription=channel_subscription, by=manager)
    delivery = services.subscription_test(subscription=rotated, by=manager)

    _attempt(delivery)

    (request,) = receiver.requests
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(request["body"], request["headers"])
    Webhook(rotated.secret).verify(request["body"], request["headers"])
    later = timezone.now() + services.ROTATION_OVERLAP + datetime.timedelta(seconds=1)
    assert rotated.secrets_valid(later) == [rotated.secret]


def test_a_500_is_retried_with_backoff_and_the_event_is_applied_once(
    manager, channel_subscription, receiver
):
    receiver.plan = ["500", "500"]
    delivery = services.subscription_test(subscription=channel_subscription, by=manager)

    failed = _attempt(delivery)
    assert failed.status == Delivery.Status.FAILED and failed.status_code == 500
    assert failed.response_excerpt == "receiver down" and failed.failure == "status"
    wait = (failed.next_attempt_at - timezone.now()).total_seconds()
    assert 4 <= wait <= 6  # 5 s ± 10 %
    assert _attempt(delivery) is None  # not due yet: nothing sent

    assert _attempt(delivery, later=6).status == Delivery.Status.FAILED
    done = _attempt(delivery, later=400)

    assert done.status == Delivery.Status.SUCCEEDED and done.attempts == 3
    assert len(receiver.requests) == 3
    assert receiver.applied == {delivery.message_id: 1}
    assert {r["headers"]["webhook-id"] for r in receiver.requests} == {delivery.message_id}


def test_a_receiver_slower_than_the_timeout_is_a_failed_attempt_retried_later(
    manager, channel_subscription, receiver
):
    receiver.plan = ["slow"]
    delivery = services.subscription_test(subscription=channel_subscription, by=manager)

    failed = _attempt(delivery)

    assert failed.status == Delivery.Status.FAILED and failed.status_code is None
    assert "within 1" in failed.error and failed.failure == "timeout"
    assert _attempt(delivery, later=6).status == Delivery.Status.SUCCEEDED


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(
    manager, channel_subscription, receiver
):
    receiver.plan = ["redirect"]
    delivery = services.subscription_test(subscription=channel_subscription, by=manager)

    failed = _attempt(delivery)

    assert failed.status == Delivery.Status.FAILED and failed.status_code == 302, failed.error
    assert "redirects are not followed" in failed.error and failed.failure == "redirect"
    assert len(receiver.requests) == 1


def test_a_delivery_gives_up_after_its_last_attempt(manager, channel_subscription, receiver):
    receiver.plan = ["500"] * 10
    delivery = services.subscription_test(subscription=channel_subscription, by=manager)

    later = 0
    for _ in range(len(services.RETRY_DELAYS) + 1):
        delivery = _attempt(delivery, later=later)
        later += 12 * 3600

    assert delivery.status == Delivery.Status.GAVE_UP and delivery.next_attempt_at is None
    assert delivery.attempts == len(services.RETRY_DELAYS) + 1
    assert _attempt(delivery, later=later) is None


def test_a_run_of_failures_disables_the_subscription_and_tells_its_owners(
    settings, partner, colleague, partner_subscription, receiver
):
    settings.WEBHOOK_DISABLE_AFTER = 3
    receiver.plan = ["500"] * 3
    first = services.subscription_test(subscription=partner_subscription, by=partner)
    second = services.subscription_test(subscription=partner_subscription, by=partner)

    _attempt(first)
    _attempt(second)
    _attempt(first, later=6)

    partner_subscription.refresh_from_db()
    assert not partner_subscription.active and partner_subscription.disabled_at is not None
    (notice,) = Notification.objects.filter(kind="webhook_disabled")
    assert notice.recipient == partner  # the partner admin, not the rep
    assert partner_subscription.url in notice.subject
    assert _attempt(second, later=6) is None  # disabled: nothing more is sent
    assert Delivery.objects.get(pk=second.pk).status == Delivery.Status.GAVE_UP
    assert len(receiver.requests) == 3

    services.subscription_update(
        subscription=partner_subscription,
        by=partner,
        url=partner_subscription.url,
        events=partner_subscription.events,
        active=True,
    )
    partner_subscription.refresh_from_db()
    assert partner_subscription.failure_streak == 0 and partner_subscription.disabled_at is None


def test_send_again_keeps_the_webhook_id_and_the_receiver_applies_the_event_once(
    manager, channel_subscription, receiver
):
    delivery = services.subscription_test(subscription=channel_subscription, by=manager)
    _attempt(delivery)

    again = services.delivery_send_again(delivery=delivery, by=manager)
    _attempt(again)

    assert again.pk != delivery.pk and again.message_id == delivery.message_id
    ids = [r["headers"]["webhook-id"] for r in receiver.requests]
    assert ids == [delivery.message_id, delivery.message_id]
    assert receiver.applied == {delivery.message_id: 1}


def test_the_sweep_queues_the_due_deliveries_whose_task_was_lost(
    manager, channel_subscription, receiver
):
    delivery = services.subscription_test(subscription=channel_subscription, by=manager)

    later = timezone.now() + datetime.timedelta(seconds=60)

    assert services.deliveries_due_sweep() == 0  # its own task is on its way
    assert services.deliveries_due_sweep(now=later) == 1  # eager in tests: sent at once
    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.SUCCEEDED
    assert services.deliveries_due_sweep(now=later) == 0


def test_subscriptions_choose_known_events_and_an_http_url(manager):
    with pytest.raises(services.ValidationFailed) as unknown:
        services.subscription_create(by=manager, url="https://example.com/h", events=["nope"])
    with pytest.raises(services.ValidationFailed) as scheme:
        services.subscription_create(by=manager, url="ftp://example.com/h", events=["goal.agreed"])
    with pytest.raises(services.ValidationFailed) as empty:
        services.subscription_create(by=manager, url="https://example.com/h", events=[])

    assert unknown.value.field == "events" and empty.value.field == "events"
    assert scheme.value.field == "url"


def test_a_partner_rep_keeps_no_subscription_and_an_outsider_cannot_touch_anothers(
    colleague, outsider, partner_subscription
):
    with pytest.raises(services.NotAllowed):
        services.subscription_create(
            by=colleague, url="https://example.com/", events=["goal.agreed"]
        )
    with pytest.raises(services.NotAllowed):
        services.subscription_rotate_secret(subscription=partner_subscription, by=outsider)
    with pytest.raises(services.NotAllowed):
        services.subscription_delete(subscription=partner_subscription, by=outsider)
    assert Subscription.objects.filter(pk=partner_subscription.pk).exists()


def test_a_subscription_gone_since_it_was_cached_never_fails_the_act(
    manager, distributor, channel_subscription
):
    assert services.subscribers("lead.assigned", distributor.pk) == [channel_subscription.pk]
    Subscription.objects.filter(pk=channel_subscription.pk).delete()  # the cache still names it

    lead = factories.LeadFactory()
    with transaction.atomic():
        _assign(lead, distributor, manager)

    assert not Delivery.objects.exists() and not Message.objects.exists()
    lead.refresh_from_db()
    assert lead.status == "assigned"


def test_the_log_forgets_settled_events_after_90_days_and_keeps_open_ones(
    manager, channel_subscription
):
    settled = services.subscription_test(subscription=channel_subscription, by=manager)
    waiting = services.subscription_test(subscription=channel_subscription, by=manager)
    Delivery.objects.filter(pk=settled.pk).update(status=Delivery.Status.SUCCEEDED)
    Delivery.objects.filter(pk=waiting.pk).update(status=Delivery.Status.FAILED)
    later = timezone.now() + datetime.timedelta(days=91)

    assert services.messages_prune() == 0
    assert services.messages_prune(now=later) == 1

    assert list(Message.objects.values_list("pk", flat=True)) == [waiting.message_id]
    assert list(Delivery.objects.values_list("pk", flat=True)) == [waiting.pk]


def test_a_task_delivered_twice_sends_its_event_once(manager, channel_subscription, receiver):
    delivery = services.subscription_test(subscription=channel_subscription, by=manager)

    assert webhook_deliver(delivery.pk) == Delivery.Status.SUCCEEDED
    assert webhook_deliver(delivery.pk) is None  # the broker delivered the message again

    assert len(receiver.requests) == 1 and receiver.applied == {delivery.message_id: 1}
