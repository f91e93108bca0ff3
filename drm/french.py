"""French grammar the catalogue cannot write by itself.

A translation says "Fiche de performance de %(name)s"; with the name "Atlantique Process SA"
French writes "d'Atlantique Process SA". Which of the two depends on the name, which only the
code knows: `interpolate` fills a translated text and elides "de", "le" and "la" before a name
that starts with a vowel sound (`{% load french %}` does the same for `{% blocktranslate %}`).
`day_one` writes the first day of a month as French does: "1er février".
"""

import datetime
import re
from decimal import Decimal

from .names import reads_french

VOWELS = frozenset("aeiouàâäéèêëîïôöùûüœæ")
# Words whose h is mute (l'hôtel, d'Helvetia); any other h is aspirated (de Hambourg, le Havre).
MUTE_H = (
    "habit",
    "haleine",
    "harmon",
    "hebdo",
    "hectare",
    "helv",
    "herb",
    "hérit",
    "herit",
    "heur",
    "hier",
    "hipp",
    "hist",
    "hiver",
    "homm",
    "homo",
    "honn",
    "honor",
    "hôp",
    "hop",
    "horaire",
    "horizon",
    "horloge",
    "horr",
    "hort",
    "hospi",
    "hôt",
    "hot",
    "huile",
    "huît",
    "huit",
    "humain",
    "human",
    "humid",
    "humour",
    "hydr",
    "hyg",
    "hymne",
    "hyper",
    "hypo",
    "hypn",
)
# The articles and the preposition that elide, and what they become.
ELIDED = {"de": "d'", "De": "D'", "le": "l'", "Le": "L'", "la": "l'", "La": "L'"}
# Marks where an interpolated value starts (a private-use character no text contains).
MARK = "\ue000"
_MARKED = re.compile(r"(?<!\w)(de|De|le|Le|la|La) " + MARK)
MONTHS = (
    "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|"
    "janv\\.|févr\\.|avr\\.|juil\\.|sept\\.|oct\\.|nov\\.|déc\\."
)
_DAY_ONE = re.compile(rf"(?<![\d\w])1(?=[ \u00a0\u202f](?:{MONTHS}))")


def starts_with_vowel_sound(text):
    """Whether French elides before `text`: a vowel, a mute h, or a y before a consonant
    (d'Yverdon, but de Yokohama)."""
    text = str(text).lstrip()
    if not text:
        return False
    first = text[0].lower()
    if first in VOWELS:
        return True
    if first == "y":
        return len(text) > 1 and text[1].lower() not in VOWELS and text[1].isalpha()
    if first == "h":
        return text.lower().startswith(MUTE_H)
    return False


def elide(article, name):
    """`article` ("de", "le" or "la", any case of its first letter) before `name`, as French
    writes it: elide("de", "Atlantique") is "d'Atlantique", elide("de", "Loire") "de Loire"."""
    name = str(name)
    if article in ELIDED and starts_with_vowel_sound(name):
        return ELIDED[article] + name.lstrip()
    return f"{article} {name}"


def unmark(text):
    """Elide where an article stands before a marked value, then drop the marks."""

    def replace(match):
        following = text[match.end() : match.end() + 20]
        if starts_with_vowel_sound(following):
            return ELIDED[match.group(1)]
        return match.group(1) + " "

    return _MARKED.sub(replace, text).replace(MARK, "")


# Values written with their own format (`%d`, a localized date): never read as a name.
UNMARKED = (int, float, Decimal, datetime.date, datetime.time, datetime.timedelta)


def markable(value):
    """Whether a value is read as text, such as a name (a model row, a lazy string): numbers
    and dates keep their own formatting."""
    return value is not None and not isinstance(value, UNMARKED)


def mark(value):
    return MARK + str(value) if markable(value) else value


def interpolate(template, params, language=None):
    """`template % params`, with "de %(name)s" written "d'…" in French before a vowel sound.

    `template` is the translated text (a lazy one is read in the active language)."""
    template = str(template)
    if not params:
        return template
    if not reads_french(language):
        return template % params
    marked = {key: mark(value) for key, value in params.items()}
    return unmark(template % marked)


def day_one(text, language=None):
    """ "1 février 2026" → "1er février 2026": French writes the first of a month as an ordinal.
    Other days and other languages are left as they are."""
    if not reads_french(language):
        return text
    return _DAY_ONE.sub("1er", str(text))
