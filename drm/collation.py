"""Names sorted the way the reader's language sorts them: "Ångström", "Léman", "Lombardia",
"lyon", "Zeta" (accents and case do not push a name to the end).

On Postgres an ICU collation of the reader's language orders the rows (`fr-x-icu` for French
readers, `en-x-icu` for English ones, `und-x-icu`, the root order, for any other). SQLite (the
demo) has no ICU: the same names are registered on each of its connections as collations that
compare names without accents and case first, so the same query runs on both.
"""

import functools
import unicodedata

from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models.functions import Collate
from django.utils.translation import get_language

ROOT = "und-x-icu"
BY_LANGUAGE = {"fr": "fr-x-icu", "en": "en-x-icu"}


def collation_name(language=None):
    language = (language or get_language() or "").split("-")[0].lower()
    return BY_LANGUAGE.get(language, ROOT)


def collated(field, language=None):
    """`field` (a text column) to sort in the reader's language."""
    return Collate(field, collation_name(language))


@functools.lru_cache(maxsize=4096)
def sort_key(text):
    """What the SQLite fallback compares: letters without accents, any case; then as written."""
    text = text or ""
    bare = "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).casefold()
    return (bare, text.casefold(), text)


def _compare(left, right):
    a, b = sort_key(left), sort_key(right)
    return (a > b) - (a < b)


def register_sqlite_collations(sender, connection, **kwargs):
    if connection.vendor != "sqlite":
        return
    for name in {ROOT, *BY_LANGUAGE.values()}:
        connection.connection.create_collation(name, _compare)


def connect():
    """Called from the app's ready(): every new SQLite connection learns the collations (and
    the one already open, if any)."""
    connection_created.connect(register_sqlite_collations, dispatch_uid="drm-name-collations")
    if connection.vendor == "sqlite" and connection.connection is not None:
        register_sqlite_collations(None, connection)
