"""The log-in lockout (django-axes) holds against forged X-Forwarded-For and username tricks."""

import pytest
from django.test import Client
from django.urls import reverse

from drm.proxies import client_address
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client, username, password="wrong", **headers):  # noqa: S107
    return client.post(reverse("login"), {"username": username, "password": password}, **headers)


def lock_out(client, username, settings, **headers):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, username, **headers)


def assert_locked(response, client):
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_forged_x_forwarded_for_does_not_lift_the_lockout(client, manager, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0
    lock_out(client, manager.username, settings)
    for forged in ("203.0.113.9", "203.0.113.9, 198.51.100.4", "::1"):
        response = log_in(client, manager.username, PASSWORD, HTTP_X_FORWARDED_FOR=forged)
        assert_locked(response, client)


def test_failures_under_changing_forged_addresses_add_up_to_a_lockout(client, manager, settings):
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, manager.username, HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
    assert_locked(log_in(client, manager.username, PASSWORD), client)


def test_changing_the_case_of_the_username_does_not_reset_the_count(client, manager, settings):
    spellings = [manager.username.upper(), manager.username.title(), f" {manager.username} "]
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, spellings[number % len(spellings)])
    assert_locked(log_in(client, manager.username, PASSWORD), client)


def test_behind_one_trusted_proxy_a_forged_leftmost_address_cannot_escape(manager, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR="10.0.0.2")  # the proxy
    lock_out(client, manager.username, settings, HTTP_X_FORWARDED_FOR="203.0.113.7")
    # The proxy appends the real address; whatever the client wrote stays on the left.
    response = log_in(
        client, manager.username, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7"
    )
    assert_locked(response, client)


def test_behind_one_trusted_proxy_another_client_is_not_locked_out(manager, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR="10.0.0.2")
    lock_out(attacker, manager.username, settings, HTTP_X_FORWARDED_FOR="203.0.113.7")
    user = Client(REMOTE_ADDR="10.0.0.2")
    response = log_in(user, manager.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert response.status_code == 302
    assert "_auth_user_id" in user.session


class Request:
    def __init__(self, remote, forwarded=None):
        self.META = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "1.1.1.1", "10.0.0.2"),
        (1, None, "10.0.0.2"),
        (1, "1.1.1.1, 203.0.113.7", "203.0.113.7"),
        (2, "1.1.1.1, 203.0.113.7, 10.0.0.1", "203.0.113.7"),
        # Fewer entries than proxies: the request did not come through them all.
        (2, "203.0.113.7", "10.0.0.2"),
        # Not an address (a header injected past a lax proxy): never stored.
        (1, "1.1.1.1, not-an-address", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_reads_only_what_trusted_proxies_wrote(
    settings, count, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_address(Request("10.0.0.2", forwarded)) == expected
