"""The French catalogue: complete, not fuzzy, compiled from its source, covering the code."""

import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def entries(catalogue):
    return {
        (entry.msgctxt, entry.msgid): (entry.msgstr, tuple(sorted(entry.msgstr_plural.items())))
        for entry in catalogue
        if entry.msgid and not entry.obsolete
    }


def test_every_french_entry_is_translated_and_none_is_fuzzy():
    catalogue = polib.pofile(str(PO))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"fuzzy entries: {fuzzy[:5]}"


def test_the_compiled_catalogue_is_compiled_from_the_current_source():
    """A fresh clone runs in French from the committed .mo: it must say what the .po says."""
    assert MO.exists(), "locale/fr/LC_MESSAGES/django.mo is missing: run make messages"
    assert entries(polib.mofile(str(MO))) == entries(polib.pofile(str(PO))), (
        "django.mo is older than django.po: run make messages"
    )


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs GNU gettext's xgettext")
def test_the_catalogue_holds_every_translatable_string_of_the_code(tmp_path, monkeypatch):
    """makemessages over a copy of the code (it would write into the real catalogue otherwise)."""
    skip = {".venv", ".git", "tests", "bench", "staticfiles", "locale", "node_modules"}
    source = tmp_path / "src"
    source.mkdir()
    for item in ROOT.iterdir():
        if item.is_dir() and item.name not in skip and not item.name.startswith("."):
            shutil.copytree(item, source / item.name, ignore=shutil.ignore_patterns("__pycache__"))
    (source / "locale" / "fr" / "LC_MESSAGES").mkdir(parents=True)
    monkeypatch.chdir(source)
    with override_settings(LOCALE_PATHS=[str(source / "locale")]):
        call_command("makemessages", locale=["fr"], verbosity=0)
    fresh = polib.pofile(str(source / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    committed = polib.pofile(str(PO))
    missing = sorted(set(entries(fresh)) - set(entries(committed)), key=str)
    assert not missing, f"{len(missing)} strings not in the catalogue: {missing}"
