"""The guard against server-side request forgery: only http(s) to public addresses, the address
checked is the address connected to, no redirects followed."""

import socket

import pytest

from webhooks import transport
from webhooks.transport import AddressRefused, address_allowed, post, url_check


@pytest.fixture
def private_refused(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False


@pytest.mark.parametrize(
    "ip",
    [
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.10",
        "127.0.0.1",
        "169.254.169.254",  # the cloud metadata service
        "0.0.0.0",  # noqa: S104 - an address refused, not one listened on
        "224.0.0.1",
        "240.0.0.1",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
    ],
)
def test_non_public_addresses_are_refused(private_refused, ip):
    assert not address_allowed(ip)


def test_a_public_address_is_allowed(private_refused):
    assert address_allowed("93.184.215.14")
    assert address_allowed("2606:2800:21f:cb07:6820:80da:af6b:8b2c")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "gopher://example.com/",
        "http://127.0.0.1:8000/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://localhost/hook",
        "http://user:secret@example.com/hook",
        "http://[not-an-address/hook",
    ],
)
def test_urls_that_can_never_be_called_are_refused_before_they_are_saved(private_refused, url):
    with pytest.raises(AddressRefused):
        url_check(url)


def test_a_name_resolving_to_loopback_is_refused_when_it_is_called(
    private_refused, monkeypatch, receiver
):
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "hooks.example.com":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(transport.socket, "getaddrinfo", resolve)
    url_check(f"http://hooks.example.com:{receiver.port}/hook")  # a name: checked when called

    answer = post(f"http://hooks.example.com:{receiver.port}/hook", body=b"{}", headers={})

    assert not answer.ok and answer.status_code is None
    assert "127.0.0.1" in answer.error and "refused" in answer.error
    assert receiver.requests == []


def test_the_loopback_receiver_is_reached_only_with_private_addresses_allowed(settings, receiver):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    refused = post(receiver.url(), body=b"{}", headers={})
    settings.WEBHOOK_ALLOW_PRIVATE = True
    allowed = post(receiver.url(), body=b"{}", headers={})

    assert refused.status_code is None and "refused" in refused.error
    assert allowed.ok and len(receiver.requests) == 1


def test_a_redirect_to_the_metadata_address_is_not_followed(receiver):
    receiver.plan = ["redirect"]

    answer = post(receiver.url(), body=b"{}", headers={})

    assert answer.status_code == 302 and not answer.ok
    assert "redirects are not followed" in answer.error
    assert len(receiver.requests) == 1


def test_at_most_the_size_limit_of_an_answer_is_read_and_a_kilobyte_kept(settings, receiver):
    settings.WEBHOOK_MAX_RESPONSE_BYTES = 10
    answer = post(receiver.url(), body=b"{}", headers={"webhook-id": "msg_x" * 400})

    assert answer.ok and len(answer.excerpt) <= 10
