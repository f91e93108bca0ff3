"""French grammar the catalogue cannot write: elision before a name, the 1st of a month, and
`{% blocktranslate %}` eliding in templates that load `french`."""

import datetime

import pytest
from django.template import engines
from django.utils import translation
from django.utils.formats import date_format
from hypothesis import given
from hypothesis import strategies as st

from drm.french import day_one, elide, interpolate, starts_with_vowel_sound

# Names as the portal meets them: distributors, product lines, regions, people, in any script.
LETTERS = "abcdefghijklmnopqrstuvwxyzàâäéèêëîïôöùûüçœ"
names = st.text(
    alphabet=LETTERS + LETTERS.upper() + " -'&.0123456789ÅßØ漢",
    min_size=1,
    max_size=30,
).filter(lambda name: not name[0].isspace())
vowel_names = st.builds(lambda first, rest: first + rest, st.sampled_from("AaEeIiOoUuÉéÎÔŒ"), names)
consonant_names = st.builds(
    lambda first, rest: first + rest, st.sampled_from("BbCcDdFfGgLlMmPpRrSsTtVvWwXxZzÇ"), names
)


def french(template, **params):
    with translation.override("fr"):
        return interpolate(template, params)


@given(vowel_names)
def test_de_before_a_vowel_is_elided_and_the_name_is_kept_whole(name):
    text = french("Fiche de performance de %(name)s", name=name)
    assert text == f"Fiche de performance d'{name}"
    assert f"de {name}" not in text


@given(consonant_names)
def test_de_before_a_consonant_stays(name):
    assert french("Fiche de performance de %(name)s", name=name) == (
        f"Fiche de performance de {name}"
    )


@given(names)
def test_the_name_always_ends_the_text_unchanged_and_only_the_article_changes(name):
    text = french("Le contrat de %(name)s", name=name)
    assert text.endswith(name)
    assert text[: -len(name)] in ("Le contrat de ", "Le contrat d'")
    assert (text[: -len(name)] == "Le contrat d'") == starts_with_vowel_sound(name)


@given(names)
def test_english_is_never_touched(name):
    with translation.override("en"):
        assert interpolate("Scorecard of %(name)s", {"name": name}) == f"Scorecard of {name}"


@given(names, st.sampled_from(["de", "De", "le", "Le", "la", "La"]))
def test_elide_and_interpolate_agree(name, article):
    assert french(f"x {article} %(name)s", name=name) == f"x {elide(article, name)}"


@pytest.mark.parametrize(
    ("article", "name", "written"),
    [
        ("de", "Atlantique Process SA", "d'Atlantique Process SA"),
        ("de", "Loire Équipements SAS", "de Loire Équipements SAS"),
        ("de", "Écosse", "d'Écosse"),
        ("De", "Yverdon", "D'Yverdon"),
        ("de", "Yokohama", "de Yokohama"),
        ("de", "Helvetia Präzision AG", "d'Helvetia Präzision AG"),
        ("de", "Hambourg", "de Hambourg"),
        ("le", "Ouest de la France", "l'Ouest de la France"),
        ("la", "Île-de-France", "l'Île-de-France"),
        ("de", "1er lot", "de 1er lot"),
    ],
)
def test_elision_of_known_names(article, name, written):
    assert elide(article, name) == written


def test_only_the_articles_before_a_name_elide_not_the_words_around_it():
    text = french(
        "Chiffre d'affaires auprès de %(category)s de %(amount)s %(period)s",
        category="Installateurs et entreprises",
        amount="1,2 M EUR",
        period="en 2026",
    )
    assert text == "Chiffre d'affaires auprès d'Installateurs et entreprises de 1,2 M EUR en 2026"
    # A "de" inside a name is the name's own: never rewritten.
    assert french("Le contrat de %(name)s", name="Banco de Oro") == "Le contrat de Banco de Oro"
    # Numbers keep their format (%d) and never elide.
    assert french("%(count)d de %(name)s", count=8, name="Orange") == "8 d'Orange"


@pytest.mark.parametrize(
    ("day", "written"),
    [
        (datetime.date(2026, 2, 1), "1er février 2026"),
        (datetime.date(2026, 2, 11), "11 février 2026"),
        (datetime.date(2026, 2, 21), "21 février 2026"),
        (datetime.date(2026, 8, 1), "1er août 2026"),
    ],
)
def test_the_first_of_a_month_is_written_1er_in_french(day, written):
    with translation.override("fr"):
        assert day_one(date_format(day, "DATE_FORMAT")) == written
    with translation.override("en"):
        assert day_one("1 February 2026") == "1 February 2026"


def test_day_one_reads_abbreviated_months_and_leaves_other_numbers():
    with translation.override("fr"):
        assert day_one("1 févr. 2026") == "1er févr. 2026"
        assert day_one("du 1 janv. au 31 déc. 2026") == "du 1er janv. au 31 déc. 2026"
        assert day_one("1 ligne, 21 mars") == "1 ligne, 21 mars"


def render(source, language, **context):
    with translation.override(language):
        return engines["django"].from_string(source).render(context)


TAG = (
    "{% load i18n french %}"
    "{% blocktranslate with name=distributor %}Scorecard of {{ name }}{% endblocktranslate %}"
)


def test_blocktranslate_of_the_french_library_elides_in_french_only():
    assert render(TAG, "fr", distributor="Atlantique Process SA") == (
        "Fiche de performance d'Atlantique Process SA"
    )
    assert render(TAG, "fr", distributor="Loire SA") == "Fiche de performance de Loire SA"
    assert render(TAG, "en", distributor="Atlantique Process SA") == (
        "Scorecard of Atlantique Process SA"
    )


def test_blocktranslate_of_the_french_library_still_escapes_and_stores_asvar():
    source = (
        "{% load i18n french %}{% blocktranslate asvar title %}Scorecard of {{ name }}"
        "{% endblocktranslate %}[{{ title }}]"
    )
    assert render(source, "fr", name="Orne <SA>") == "[Fiche de performance d'Orne &lt;SA&gt;]"


@given(names)
def test_the_template_and_python_elide_alike(name):
    from django.utils.html import escape

    # The template escapes the name, not the apostrophe the elision writes.
    assert render(TAG, "fr", distributor=name) == french(
        "Fiche de performance de %(name)s", name=escape(name)
    )
