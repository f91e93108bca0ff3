"""A real Celery worker delivers an event once its act commits, and never one rolled back."""

import time

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook

from leads import services as leads_services
from tests import factories
from tests.workers import celery_worker
from webhooks import services
from webhooks.models import Delivery, Message

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(settings):
    with celery_worker(settings, "webhooks-test", WEBHOOK_ALLOW_PRIVATE="1") as process:
        yield process


def test_the_worker_delivers_after_commit_and_nothing_of_a_rolled_back_act(
    worker, receiver, manager, distributor
):
    subscription = services.subscription_create(
        by=manager, url=receiver.url(), events=["lead.assigned"]
    )
    kept, undone = factories.LeadFactory(), factories.LeadFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        leads_services.lead_assign(lead=undone, distributor=distributor, by=manager)
        raise RuntimeError("the act fails")
    with transaction.atomic():
        leads_services.lead_assign(lead=kept, distributor=distributor, by=manager)
        time.sleep(1)
        assert receiver.requests == []  # not before the commit
    (request,) = receiver.wait_for(1, timeout=60)

    payload = Webhook(subscription.secret).verify(request["body"], request["headers"])
    assert payload["data"]["lead_id"] == kept.pk
    (message,) = Message.objects.all()
    deadline = time.monotonic() + 10
    while Delivery.objects.get().status != "succeeded" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert Delivery.objects.get().status == "succeeded"
    assert request["headers"]["webhook-id"] == message.pk
    time.sleep(0.5)
    assert len(receiver.requests) == 1
    assert worker.poll() is None, "the worker died"
