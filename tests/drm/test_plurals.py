"""Counts and their nouns agree in French for 0, 1 and 2 (French takes the singular for 0 and 1):
"1 non lue", "2 non lues"; never "(s)"."""

import re

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import ngettext

from distributors.models import ImportBatch
from identity.models import UserProfile
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def french_partner(partner):
    UserProfile.objects.update_or_create(user=partner, defaults={"language": "fr"})
    return partner


@pytest.mark.parametrize(("count", "said"), [(1, "non lue"), (2, "non lues")])
def test_the_unread_badge_says_its_count_in_french(login, french_partner, count, said):
    for _ in range(count):
        factories.NotificationFactory(recipient=french_partner)
    text = login(french_partner).get("/notifications/").content.decode()
    badge = re.search(
        r'id="notifications-unread">(\d+)<span class="visually-hidden"> ([^<]+)<', text
    )
    assert badge.groups() == (str(count), said)
    # Each unread notice of the inbox is one: "non lue".
    assert text.count("· non lue<") == count


def test_no_badge_for_nothing_unread(login, french_partner):
    assert (
        'id="notifications-unread"'
        not in login(french_partner).get("/notifications/").content.decode()
    )


@pytest.mark.parametrize(
    ("count", "said"),
    [
        (0, "0 notification marquée comme lue."),
        (1, "1 notification marquée comme lue."),
        (2, "2 notifications marquées comme lues."),
    ],
)
def test_marking_all_read_says_how_many_in_french(login, french_partner, count, said):
    for _ in range(count):
        factories.NotificationFactory(recipient=french_partner)
    response = login(french_partner).post("/notifications/read-all/")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [said]


@pytest.mark.parametrize(
    ("total", "said"), [(0, "0 / 0 ligne"), (1, "1 / 1 ligne"), (2, "2 / 2 lignes")]
)
def test_the_import_progress_counts_rows_in_french(total, said):
    batch = ImportBatch(total_rows=total, processed_rows=total, status="validated")
    with translation.override("fr"):
        text = render_to_string(
            "distributors/imports/_status.html",
            {"batch": batch, "done": total, "total": total, "percent": 100},
        )
    assert said in text


@pytest.mark.parametrize(
    ("singular", "plural", "params", "expected"),
    [
        (
            "Commit %(counter)s row",
            "Commit %(counter)s rows",
            {},
            ("Valider 0 ligne", "Valider 1 ligne", "Valider 2 lignes"),
        ),
        (
            "%(routed)d lead routed.",
            "%(routed)d leads routed.",
            {},
            ("0 lead routé.", "1 lead routé.", "2 leads routés."),
        ),
        (
            "missing column: %(names)s",
            "missing columns: %(names)s",
            {"names": "x"},
            (
                "colonne manquante\u00a0: x",
                "colonne manquante\u00a0: x",
                "colonnes manquantes\u00a0: x",
            ),
        ),
        (
            "Best acceptance of %(counter)s distributor with 5 leads or more",
            "Best acceptance of %(counter)s distributors with 5 leads or more",
            {},
            (
                "Meilleure acceptation parmi 0 distributeur ayant 5 leads ou plus",
                "Meilleure acceptation parmi 1 distributeur ayant 5 leads ou plus",
                "Meilleure acceptation parmi 2 distributeurs ayant 5 leads ou plus",
            ),
        ),
    ],
)
def test_the_catalogue_writes_0_1_and_2_as_french_does(singular, plural, params, expected):
    with translation.override("fr"):
        written = tuple(
            ngettext(singular, plural, n) % {"counter": n, "routed": n, **params} for n in (0, 1, 2)
        )
    assert written == expected
