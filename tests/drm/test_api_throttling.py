"""API rate limits: 429 + Retry-After in the one error shape, per token, user or address."""

import ast
import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

DISTRIBUTORS = "/api/v1/distributors/"
REVENUE = "/api/v1/revenue/"
LEADS = "/api/v1/leads/"


@pytest.fixture
def rates(settings):
    """Low rates for the test; every other rate stays out of the way."""

    def make(**rates):
        merged = {"anon": "1000/minute", "user_read": "1000/minute", "user_write": "1000/minute"}
        merged["bulk"] = "1000/minute"
        merged.update(rates)
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": merged}

    return make


def assert_throttled(response):
    assert response.status_code == 429
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= 60
    error = response.json()["error"]
    assert error["code"] == "throttled"
    assert f"try again in {retry_after} second" in error["message"]


def test_a_token_past_its_read_rate_gets_429_with_retry_after(token_client, manager, rates):
    rates(user_read="3/minute")
    client = token_client(manager)
    for _ in range(3):
        assert client.get(DISTRIBUTORS).status_code == 200
    assert_throttled(client.get(DISTRIBUTORS))


def test_another_token_is_not_affected_by_a_throttled_one(token_client, manager, partner, rates):
    rates(user_read="2/minute")
    throttled = token_client(manager)
    for _ in range(2):
        throttled.get(DISTRIBUTORS)
    assert throttled.get(DISTRIBUTORS).status_code == 429
    assert token_client(partner).get(DISTRIBUTORS).status_code == 200


def test_a_session_user_is_counted_per_user_across_its_sessions(manager, partner, rates):
    rates(user_read="2/minute")
    first, second = APIClient(), APIClient()
    first.force_login(manager)
    second.force_login(manager)
    assert first.get(DISTRIBUTORS).status_code == 200
    assert second.get(DISTRIBUTORS).status_code == 200
    assert_throttled(first.get(DISTRIBUTORS))
    assert_throttled(second.get(DISTRIBUTORS))
    other = APIClient()
    other.force_login(partner)
    assert other.get(DISTRIBUTORS).status_code == 200


def test_the_token_and_the_session_of_one_user_are_counted_apart(token_client, manager, rates):
    rates(user_read="1/minute")
    client = token_client(manager)
    client.get(DISTRIBUTORS)
    assert client.get(DISTRIBUTORS).status_code == 429
    session = APIClient()
    session.force_login(manager)
    assert session.get(DISTRIBUTORS).status_code == 200


def test_writes_have_their_own_lower_budget_and_reads_go_on(token_client, manager, rates):
    rates(user_read="100/minute", user_write="2/minute")
    client = token_client(manager)
    for _ in range(2):
        assert client.post(LEADS, {}, format="json").status_code == 400
    assert_throttled(client.post(LEADS, {}, format="json"))
    assert client.get(DISTRIBUTORS).status_code == 200


def test_a_bulk_push_has_a_stricter_rate_than_other_writes(token_client, manager, rates):
    rates(user_write="100/minute", bulk="1/minute")
    client = token_client(manager)
    assert client.post(REVENUE, {"rows": []}, format="json").status_code == 400
    assert_throttled(client.post(REVENUE, {"rows": []}, format="json"))
    assert_throttled(client.post(f"{LEADS}bulk/", {"rows": []}, format="json"))
    # Other writes keep the write budget.
    assert client.post(LEADS, {}, format="json").status_code == 400


def test_starting_a_scoring_run_counts_as_bulk(token_client, manager, rates):
    rates(bulk="1/minute")
    client = token_client(manager)
    client.post(REVENUE, {"rows": []}, format="json")
    assert_throttled(client.post("/api/v1/scoring-runs/", {}, format="json"))


def test_the_budget_comes_back_when_the_window_ends(token_client, manager, rates, time_machine):
    time_machine.move_to(datetime.datetime(2026, 6, 15, 12, 0, 10, tzinfo=datetime.UTC), tick=False)
    rates(user_read="1/minute")
    client = token_client(manager)
    client.get(DISTRIBUTORS)
    response = client.get(DISTRIBUTORS)
    assert response.status_code == 429
    assert response["Retry-After"] == "50"
    time_machine.move_to(datetime.datetime(2026, 6, 15, 12, 1, tzinfo=datetime.UTC), tick=False)
    assert client.get(DISTRIBUTORS).status_code == 200


def test_the_429_message_speaks_the_callers_language(token_client, manager, rates):
    rates(user_read="1/minute")
    client = token_client(manager)
    client.get(DISTRIBUTORS)
    response = client.get(DISTRIBUTORS, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert response.json()["error"]["message"]


def token_attempt(client, **headers):
    return client.post(reverse("api:token"), {"username": "nobody", "password": "wrong"}, **headers)


def test_anonymous_calls_are_counted_by_address_whatever_x_forwarded_for_says(rates):
    rates(anon="2/minute")
    client = APIClient()
    token_attempt(client, HTTP_X_FORWARDED_FOR="198.51.100.1")
    token_attempt(client, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert_throttled(token_attempt(client, HTTP_X_FORWARDED_FOR="198.51.100.3"))
    assert_throttled(token_attempt(client))


def test_behind_one_trusted_proxy_anonymous_calls_are_counted_by_the_address_it_saw(
    rates, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    rates(anon="2/minute")
    client = APIClient(REMOTE_ADDR="10.0.0.2")
    for forged in ("1.1.1.1", "2.2.2.2"):
        token_attempt(client, HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.7")
    assert_throttled(token_attempt(client, HTTP_X_FORWARDED_FOR="3.3.3.3, 203.0.113.7"))
    # Another client behind the same proxy has its own count.
    assert token_attempt(client, HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 400


def test_every_rate_is_read_from_the_environment():
    code = (
        "from django.conf import settings; print(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])"
    )
    env = {
        **os.environ,
        "API_ANON_RATE": "1/second",
        "API_READ_RATE": "2/hour",
        "API_WRITE_RATE": "3/day",
        "API_BULK_RATE": "4/minute",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert ast.literal_eval(result.stdout.strip().splitlines()[-1]) == {
        "anon": "1/second",
        "user_read": "2/hour",
        "user_write": "3/day",
        "bulk": "4/minute",
    }


def test_the_default_rates_leave_the_portal_room(settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert set(rates) == {"anon", "user_read", "user_write", "bulk"}
    assert rates["user_read"] == "1200/minute"
