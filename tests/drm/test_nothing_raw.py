"""Nothing raw reaches a user: over the demo (`make run`'s data: demo_data, demo_leads, demo_goals,
demo_funds, demo_incentives and a published scoring run), every page a manager, a partner admin,
a partner rep and a French partner reach from the navbar (and the detail pages, exports and PDFs
those link to), and the e-mails the portal sends them, carry no unfilled placeholder, in English
and in French."""

import datetime
import re
from collections import Counter
from io import StringIO
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.template.loader import render_to_string
from django.test import Client, TestCase
from django.urls import Resolver404, resolve
from django.utils import translation

from distributors.models import Distributor
from identity.models import UserProfile
from notifications.models import Notification
from tests.placeholders import placeholders, response_text

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "fr")
# Routes left out of the walk: not pages for people (the API and its docs, the Django admin,
# static files) or acts (log-out is a POST anyway).
SKIPPED = re.compile(r"^/(api|admin|static|media)/|^/accounts/logout/")
# Each route is visited at most this often (different objects or queries), each route with
# the same query parameters once: the walk sees every kind of page, not every row.
PER_ROUTE = 2
DEPTH = 3


@pytest.fixture(autouse=True)
def _clock():
    """The demo is built for the real today: no frozen clock here."""


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo as `make run` loads it, once for the module, rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        for command, *args in (
            ("demo_data",),
            ("demo_leads", "--leads", "1500"),
            ("demo_goals",),
            ("demo_funds",),
            ("demo_incentives",),
            ("scoring_run",),
        ):
            call_command(command, *args, "--quiet", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def speak(user, language):
    UserProfile.objects.update_or_create(user=user, defaults={"language": language})


def walk(client, language, start="/"):
    """Visit what the pages link to, breadth first from `start`: {url: problems} and the
    number of pages read."""
    problems = {}
    queue = [(start, 0)]
    seen = set()
    per_route = Counter()
    while queue:
        url, depth = queue.pop(0)
        parts = urlsplit(url)
        try:
            match = resolve(parts.path)
        except Resolver404:
            problems[url] = ["no such page"]
            continue
        query = dict(parse_qsl(parts.query))
        # A download in each of its formats (CSV and XLSX) counts as a route of its own.
        route = (match.view_name, query.get("format"))
        variant = (route, frozenset(query))
        if url in seen or variant in seen or per_route[route] >= PER_ROUTE:
            continue
        seen.update((url, variant))
        per_route[route] += 1
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        if response.status_code in (301, 302):
            queue.append((response["Location"], depth))
            continue
        if response.status_code != 200:
            problems[url] = [f"status {response.status_code}"]
            continue
        text, links = response_text(response)
        found = placeholders(text)
        if found:
            problems[url] = found
        if depth >= DEPTH:
            continue
        for link in links:
            link = link.split("#")[0]
            if link.startswith("/") and not SKIPPED.search(link):
                queue.append((link, depth + 1))
    return problems, len(seen) // 2


def personas(partner_rep):
    User = get_user_model()
    return {
        "manager": User.objects.get(username="manager"),
        "partner admin": User.objects.get(username="partner"),
        "partner rep": partner_rep,
        "French partner": User.objects.get(username="partner-atlantique"),
    }


@pytest.fixture(scope="module")
def partner_rep(demo, django_db_blocker):
    """A rep, invited by the demo partner through the page (so its invitation is read too)."""
    client = Client()
    with django_db_blocker.unblock():
        client.force_login(get_user_model().objects.get(username="partner"))
        response = client.post(
            "/partner-users/invite/",
            {"email": "rep@adriatica.example", "first_name": "Rita", "last_name": "Rossi"},
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        return get_user_model().objects.get(email="rep@adriatica.example")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("who", ["manager", "partner admin", "partner rep", "French partner"])
def test_no_page_export_or_pdf_of_the_demo_shows_a_placeholder(demo, partner_rep, who, language):
    user = personas(partner_rep)[who]
    speak(user, language)
    client = Client()
    client.force_login(user)

    problems, read = walk(client, language)

    assert read > 10, f"the walk read only {read} pages"
    assert problems == {}


def test_the_walk_finds_a_placeholder_left_in_a_page(demo):
    """The walk itself: a name that reads "{name}" on the distributor list is reported."""
    Distributor.objects.filter(code="adriatica").update(name="Adriatica %(name)s")
    client = Client()
    client.force_login(get_user_model().objects.get(username="manager"))

    problems, _read = walk(client, "en", start="/distributors/?scope=all")

    assert any("Adriatica %(name)s" in hit for hits in problems.values() for hit in hits)


def test_placeholders_are_told_from_figures_and_text():
    found = placeholders("a %(days)s b {name} c {{ x }} d {% if %} e %s f {0} g {goal.title}")
    assert len(found) == 9
    assert placeholders("45 % of 1,200 leads; 30 %, 12 d 4 h, €1,234.50, 50%, {a b}") == []


def sent_texts(messages):
    for message in messages:
        yield message.subject
        yield message.body
        for content, _kind in getattr(message, "alternatives", ()):
            yield content


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_e_mail_of_the_demo_shows_a_placeholder(demo, partner_rep, language, settings):
    """Each kind of notification the demo holds, as its e-mail and in the digest; the
    password reset and the invitation, through their pages."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    texts = []
    notices = {}
    for notice in Notification.objects.select_related("recipient").order_by("-created_at"):
        notices.setdefault(notice.kind, notice)
    assert len(notices) >= 5, sorted(notices)
    with translation.override(language):
        for notice in notices.values():
            context = {
                "user": notice.recipient,
                "notification": notice,
                "link": "https://portal.example/x/",
                "site_url": "https://portal.example",
            }
            texts += [notice.subject, notice.body]
            texts += [
                render_to_string(f"notifications/email/notification.{kind}", context)
                for kind in ("txt", "html")
            ]
        items = [(notice, "https://portal.example/x/") for notice in notices.values()]
        texts += [
            render_to_string(
                f"notifications/email/digest.{kind}",
                {"user": partner_rep, "items": items, "inbox": "https://portal.example/n/"},
            )
            for kind in ("txt", "html")
        ]

    mail.outbox.clear()
    anonymous = Client()
    anonymous.cookies["django_language"] = language
    with TestCase.captureOnCommitCallbacks(execute=True):
        anonymous.post("/accounts/password/reset/", {"email": "partner@demo.drm.example"})
        partner = Client()
        partner.force_login(get_user_model().objects.get(username="partner"))
        speak(get_user_model().objects.get(username="partner"), language)
        partner.post(
            "/partner-users/invite/",
            {"email": f"rep-{language}@adriatica.example", "first_name": "R", "last_name": "R"},
        )
    assert len(mail.outbox) == 2, [m.subject for m in mail.outbox]
    texts += list(sent_texts(mail.outbox))

    found = [hit for text in texts for hit in placeholders(str(text))]
    assert found == []


def test_the_demo_dates_read_as_the_readers_write_them(demo, partner_rep):
    """A date of the demo's own scoring run, on its run list: day first in English and French,
    month first for a US browser."""
    manager = get_user_model().objects.get(username="manager")
    client = Client()
    client.force_login(manager)
    speak(manager, "")
    as_of = datetime.date.today()
    written = {
        "en-GB,en;q=0.8": as_of.strftime("%d/%m/%Y"),
        "fr": as_of.strftime("%d/%m/%Y"),
        "en-US,en;q=0.8": as_of.strftime("%m/%d/%Y"),
    }
    for accept, day in written.items():
        page = client.get("/scoring/runs/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
        assert day in page, accept
