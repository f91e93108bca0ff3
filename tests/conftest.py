"""Personas, the clock and service switches shared by every test."""

import datetime
import email
import email.policy
import os
import socket
import time

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def services_available():
    return os.environ.get("DRM_SERVICES") == "1"


def chromium_path():
    return os.environ.get("DRM_CHROMIUM", "")


@pytest.fixture(autouse=True)
def _service_markers(request):
    if request.node.get_closest_marker("services") and not services_available():
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1 but Postgres/Redis are not configured (use make test)")
        pytest.skip("needs Postgres and Redis (run `make test` with them reachable)")
    if request.node.get_closest_marker("browser") and not chromium_path():
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1 but Chromium was not found")
        pytest.skip("needs Chromium")


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """PBKDF2 is slow on purpose; tests hash hundreds of passwords."""
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()


@pytest.fixture(autouse=True, scope="session")
def _compiled_queries_checked():
    """Every query drm.compiled runs from its frozen SQL is also built afresh and compared: a
    value a build bakes in where it should be a parameter fails the test that meets it."""
    from django.conf import settings

    settings.COMPILED_QUERIES_CHECK = True


@pytest.fixture(autouse=True, scope="session")
def _flush_by_delete():
    """A transactional test ends by emptying every table (Django's flush). On Postgres that is
    one TRUNCATE of 110-odd tables: half a second to two, as it gives each table new files;
    DELETE of their few rows takes 20 ms. Foreign keys are deferrable (Django makes them so),
    so the order of the deletes does not matter within the flush's transaction. A flush that
    resets sequences keeps Django's own statement."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [
            "SET CONSTRAINTS ALL DEFERRED",
            # Table names from Django's own list of its tables, quoted.
            *(f"DELETE FROM {self.quote_name(table)}" for table in tables),  # noqa: S608
        ]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = truncate


def fresh_cache():
    """Nothing cached: the shared cache and the in-process memos (a flush deletes rows without
    the signals that would make them forget)."""
    from django.core.cache import cache

    from distributors import regions

    cache.clear()
    regions.forget()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with nothing cached."""
    fresh_cache()
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request served in French (LocaleMiddleware
    activates the language for the thread and leaves it) must not make the next test French."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def today(time_machine):
    """Freeze the clock the code reads (`timezone.localdate()`) mid-month and return that day.

    Tests that build "this month" data share one clock with the code and never straddle a month
    end. Not for browser tests: the browser keeps real time.
    """
    time_machine.move_to(datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC), tick=False)
    return timezone.localdate()


@pytest.fixture
def distributor(db):
    return factories.DistributorFactory(code="acme", name="Acme Industrial Supply")


@pytest.fixture
def other_distributor(db):
    return factories.DistributorFactory(code="rival", name="Rival Trading")


@pytest.fixture
def manager(db):
    return factories.ManagerFactory(username="manager-test")


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(username="admin-test", is_staff=True, is_superuser=True)


@pytest.fixture
def partner(db, distributor):
    return factories.MembershipFactory(
        user=factories.UserFactory(username="partner-test"), distributor=distributor, role="admin"
    ).user


@pytest.fixture
def colleague(db, distributor):
    return factories.MembershipFactory(
        user=factories.UserFactory(username="colleague-test"), distributor=distributor, role="rep"
    ).user


@pytest.fixture
def outsider(db, other_distributor):
    return factories.MembershipFactory(
        user=factories.UserFactory(username="outsider-test"),
        distributor=other_distributor,
        role="admin",
    ).user


@pytest.fixture
def nobody(db):
    """Logged in, but neither manufacturer staff nor a partner."""
    return factories.UserFactory(username="nobody-test")


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def token_client():
    """An API client that authenticates with the user's DRF token, as a BI tool would."""

    def make(user):
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def login(client):
    def make(user):
        client.force_login(user)
        return client

    return make


class SmtpInbox:
    """An aiosmtpd handler that keeps what it receives and can refuse the next few messages."""

    def __init__(self):
        self.messages = []
        self.attempts = 0
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message.envelope_recipients = list(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"

    def wait_for(self, count=1, timeout=30):
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"{len(self.messages)} message(s) after {timeout}s"
        return self.messages


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1; Django's SMTP backend sends to it."""
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = controller.hostname
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.SITE_URL = "https://drm.example.com"
    inbox.port = controller.port
    try:
        yield inbox
    finally:
        controller.stop()


def parts(message):
    """(plain text, HTML) of a multipart/alternative message."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html
