"""Outbound HTTP for webhooks, guarded against server-side request forgery.

- Only http and https URLs.
- The host is resolved when the connection opens, every address it resolves to is checked,
  and the connection goes to the very address checked (a DNS answer that changes between the
  check and the connection cannot send it elsewhere). Private, loopback, link-local (the cloud
  metadata address 169.254.169.254 among them), multicast, reserved and unspecified addresses
  are refused unless settings.WEBHOOK_ALLOW_PRIVATE (off by default; the tests turn it on for
  their receiver on 127.0.0.1).
- Redirects are never followed (a 3xx is a failed attempt); no proxy from the environment.
- Timeouts (settings.WEBHOOK_TIMEOUT_SECONDS for connecting, for each read, and for the whole
  answer), and at most settings.WEBHOOK_MAX_RESPONSE_BYTES of the answer are read.
"""

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

SCHEMES = ("http", "https")
CHUNK = 8192


class AddressRefused(Exception):
    """The URL may not be called: a scheme other than http(s), or a non-public address."""


def address_allowed(ip):
    """A public unicast address, or any address when WEBHOOK_ALLOW_PRIVATE is on."""
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return True
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def resolve_checked(host, port):
    """The addresses `host` resolves to, each checked; AddressRefused when any is refused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise AddressRefused(f"{host} does not resolve: {exc}") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for ip in addresses:
        if not address_allowed(ip):
            raise AddressRefused(f"{host} resolves to {ip}, a non-public address")
    return [(info[0], info[4]) for info in infos]


def url_check(url):
    """Refuse a URL that can never be called (scheme, no host, a literal non-public address)
    before it is saved; names resolve only when a delivery is sent."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError as exc:
        raise AddressRefused(f"not a valid URL: {exc}") from exc
    if parts.scheme not in SCHEMES:
        raise AddressRefused("only http and https URLs")
    if not host:
        raise AddressRefused("the URL has no host")
    if parts.username or parts.password:
        raise AddressRefused("the URL may not carry a user name or password")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        name = host.rstrip(".").lower()
        local = name in ("localhost", "localhost.localdomain") or name.endswith(".localhost")
        if local and not settings.WEBHOOK_ALLOW_PRIVATE:
            raise AddressRefused("localhost is not a public address") from None
        return
    if not address_allowed(str(ip)):
        raise AddressRefused(f"{ip} is not a public address")


class _GuardedConnectionMixin:
    def _new_conn(self):
        # Resolve and check here, then connect to the address checked: no second lookup.
        last = None
        for family, sockaddr in resolve_checked(self._dns_host, self.port):
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                if isinstance(self.timeout, int | float):
                    sock.settimeout(self.timeout)
                sock.connect(sockaddr)
                return sock
            except OSError as exc:
                sock.close()
                last = exc
        from urllib3.exceptions import NewConnectionError

        raise NewConnectionError(self, f"could not connect to {self._dns_host}: {last}")


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _GuardedHTTPPool,
            "https": _GuardedHTTPSPool,
        }


@dataclass
class Answer:
    status_code: int | None = None
    excerpt: str = ""
    error: str = ""  # the technical detail (English, for the receiver's developers)
    failure: str = ""  # refused, timeout, redirect, connection, status (Delivery.Failure)
    latency_ms: int = 0

    @property
    def ok(self):
        return self.status_code is not None and 200 <= self.status_code < 300


def session_new():
    session = requests.Session()
    session.trust_env = False  # no proxy, no .netrc from the environment
    adapter = GuardedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def post(url, *, body, headers):
    """POST `body` to `url` through the guard; never raises: the outcome is an Answer."""
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    limit = settings.WEBHOOK_MAX_RESPONSE_BYTES
    started = time.monotonic()
    answer = Answer()
    try:
        url_check(url)
        with session_new() as session:
            response = session.post(
                url,
                data=body,
                headers=headers,
                timeout=(timeout, timeout),
                allow_redirects=False,
                stream=True,
            )
            try:
                answer.status_code = response.status_code
                received = bytearray()
                for chunk in response.iter_content(CHUNK):
                    received += chunk
                    if len(received) >= limit or time.monotonic() - started > 2 * timeout:
                        break
                text = bytes(received[:limit]).decode("utf-8", errors="replace")
                answer.excerpt = text[:1024]
                if 300 <= response.status_code < 400:
                    where = response.headers.get("Location", "?")
                    answer.error = f"redirects are not followed (to {where})"
                    answer.failure = "redirect"
                elif not 200 <= response.status_code < 300:
                    answer.failure = "status"
            finally:
                response.close()
    except AddressRefused as exc:
        answer.error, answer.failure = f"refused: {exc}", "refused"
    except requests.Timeout:
        answer.error, answer.failure = f"no answer within {timeout} s", "timeout"
    except (requests.RequestException, OSError) as exc:
        answer.error, answer.failure = f"{type(exc).__name__}: {exc}"[:500], "connection"
    answer.latency_ms = int((time.monotonic() - started) * 1000)
    return answer
