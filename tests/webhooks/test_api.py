"""The webhooks' REST API: scoped like the pages; the secret only when created or rotated."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from webhooks import services
from webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db

SUBSCRIPTIONS = "/api/v1/webhook-subscriptions/"
DELIVERIES = "/api/v1/webhook-deliveries/"


def test_a_partner_admin_subscribes_and_reads_the_secret_only_then(token_client, partner):
    client = token_client(partner)

    created = client.post(
        SUBSCRIPTIONS, {"url": "https://acme.example/h", "events": ["lead.assigned"]}, format="json"
    )
    read = client.get(f"{SUBSCRIPTIONS}{created.json()['id']}/")

    assert created.status_code == 201, created.content
    assert created.json()["secret"].startswith("whsec_")
    assert created["Cache-Control"] == "no-store"
    assert created.json()["distributor"] == "acme"
    assert "secret" not in read.json()


def test_an_unknown_event_is_a_400_naming_events(token_client, manager):
    response = token_client(manager).post(
        SUBSCRIPTIONS, {"url": "https://erp.example/h", "events": ["lead.stolen"]}, format="json"
    )

    assert response.status_code == 400
    assert "events" in response.json()["error"]["fields"]


def test_rotate_test_and_send_again(token_client, manager):
    client = token_client(manager)
    subscription = services.subscription_create(
        by=manager, url="https://erp.example/h", events=["goal.agreed"]
    )

    rotated = client.post(f"{SUBSCRIPTIONS}{subscription.pk}/rotate-secret/")
    tested = client.post(f"{SUBSCRIPTIONS}{subscription.pk}/test/")
    again = client.post(f"{DELIVERIES}{tested.json()['id']}/send-again/")

    assert rotated.status_code == 200 and rotated.json()["rotating"] is True
    assert rotated.json()["secret"] != subscription.secret
    assert tested.status_code == 202 and tested.json()["event_type"] == "webhook.test"
    assert again.status_code == 202 and again.json()["message_id"] == tested.json()["message_id"]
    assert again.json()["payload"]["type"] == "webhook.test"


def test_the_delivery_log_is_scoped_and_filtered(token_client, manager, partner, outsider):
    ours = services.subscription_create(
        by=partner, url="https://acme.example/h", events=["goal.agreed"]
    )
    theirs = services.subscription_create(
        by=outsider, url="https://rival.example/h", events=["goal.agreed"]
    )
    mine = services.subscription_test(subscription=ours, by=partner)
    services.subscription_test(subscription=theirs, by=outsider)

    listed = token_client(partner).get(DELIVERIES).json()["results"]
    filtered = token_client(partner).get(DELIVERIES, {"status": "succeeded"}).json()["results"]
    other = token_client(outsider).get(f"{DELIVERIES}{mine.pk}/")
    staff = token_client(manager).get(DELIVERIES).json()["results"]

    assert [row["id"] for row in listed] == [mine.pk]
    assert filtered == [] and other.status_code == 404 and staff == []


def test_a_partner_rep_gets_403(token_client, colleague):
    assert token_client(colleague).get(SUBSCRIPTIONS).status_code == 403
    assert token_client(colleague).get(DELIVERIES).status_code == 403


def test_the_event_types_are_listed(token_client, manager):
    names = [row["name"] for row in token_client(manager).get("/api/v1/webhook-events/").json()]

    assert "lead.assigned" in names and "fund_claim.decided" in names
    assert "webhook.test" not in names


def test_put_replaces_the_subscription_and_delete_removes_it(token_client, partner):
    client = token_client(partner)
    subscription = services.subscription_create(
        by=partner, url="https://acme.example/h", events=["goal.agreed"]
    )

    put = client.put(
        f"{SUBSCRIPTIONS}{subscription.pk}/",
        {"url": "https://acme.example/v2", "events": ["lead.accepted"], "active": False},
        format="json",
    )
    deleted = client.delete(f"{SUBSCRIPTIONS}{subscription.pk}/")

    assert put.status_code == 200 and put.json()["url"] == "https://acme.example/v2"
    assert put.json()["active"] is False
    assert deleted.status_code == 204 and not Subscription.objects.exists()
    assert not Delivery.objects.exists()


def test_the_lists_read_a_fixed_number_of_queries_whatever_their_length(
    token_client, login, manager, django_assert_max_num_queries
):
    client = token_client(manager)
    subscription = services.subscription_create(
        by=manager, url="https://erp.example/h", events=["goal.agreed"]
    )
    services.subscription_test(subscription=subscription, by=manager)
    page = f"/integrations/webhooks/{subscription.pk}/"
    client.get(DELIVERIES)  # the token and the role are read once
    with CaptureQueriesContext(connection) as one:
        client.get(DELIVERIES)
        login(manager).get(page)
    for _ in range(5):
        services.subscription_test(subscription=subscription, by=manager)

    with django_assert_max_num_queries(len(one)):
        assert len(client.get(DELIVERIES).json()["results"]) == 6
        login(manager).get(page)
