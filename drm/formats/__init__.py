"""Dates as the reader writes them: one style per kind of date, everywhere a person reads one.

The kinds, written by the format modules of this package (FORMAT_MODULE_PATH), one per locale:

| kind        | helper / filter | en (Europe)        | en-us               | fr                  |
| ----------- | --------------- | ------------------ | ------------------- | ------------------- |
| short date  | `short_date`    | 31/12/2026         | 12/31/2026          | 31/12/2026          |
| long date   | `long_date`     | 1 February 2026    | February 1, 2026    | 1er février 2026    |
| date-time   | `date_time`     | 31/12/2026 14:05   | 12/31/2026 2:05 PM  | 31/12/2026 14:05    |
| month       | `year_month`    | March 2026         | March 2026          | mars 2026           |

Short dates go in tables and lists, long dates in sentences, documents and e-mails. Which
locale: the active language ("en" is the European channel's English, day first; "en-us" is
chosen in the profile, for a distributor's documents, or by a browser that asks for US English:
`regional_variant`). Machines get ISO 8601 instead: the API, CSV files (meant for re-import and
scripts), URLs, and values a person types into a file (import messages name the file's own
format). XLSX files carry real date cells shown in the reader's short date.

The template filters (`drm.formats.tags`) are built in: every template may use them.
"""

import datetime

from django import forms
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation.trans_real import parse_accept_lang_header

from drm.french import day_one

SHORT_DATE = "SHORT_DATE_FORMAT"
LONG_DATE = "DATE_FORMAT"
DATE_TIME = "SHORT_DATETIME_FORMAT"
YEAR_MONTH = "YEAR_MONTH_FORMAT"


def _local(value):
    """An aware date-time in the portal's time zone; a date as it is."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _day(value):
    value = _local(value)
    return value.date() if isinstance(value, datetime.datetime) else value


def short_date(value):
    """31/12/2026 (en, fr), 12/31/2026 (en-us); "" for no date."""
    if value in (None, ""):
        return ""
    return formats.date_format(_day(value), SHORT_DATE)


def long_date(value):
    """31 December 2026, December 31, 2026, 31 décembre 2026; in French the first of a month
    is "1er" (1er février 2026), which no date format can write."""
    if value in (None, ""):
        return ""
    return day_one(formats.date_format(_day(value), LONG_DATE))


def date_time(value):
    """31/12/2026 14:05, 12/31/2026 2:05 PM: in the portal's time zone."""
    if value in (None, ""):
        return ""
    if not isinstance(value, datetime.datetime):
        return short_date(value)
    return formats.date_format(_local(value), DATE_TIME)


def year_month(value):
    """A month: March 2026, mars 2026."""
    if value in (None, ""):
        return ""
    return formats.date_format(_day(value), YEAR_MONTH)


def month_range(first, last):
    """Whole months from `first` to `last`: "April 2025 – March 2026"; one month alone."""
    if (first.year, first.month) == (last.year, last.month):
        return year_month(first)
    return f"{year_month(first)} – {year_month(last)}"


def _language():
    return get_language() or settings.LANGUAGE_CODE


def cldr_locale(language=None):
    """The CLDR locale of the reader's dates ("en_GB" for "en", "en_US", "fr_FR"), for babel."""
    for module in formats.get_format_modules(language or _language()):
        if hasattr(module, "CLDR_LOCALE"):
            return module.CLDR_LOCALE
    return (language or _language()).replace("-", "_")


def format_locale(language=None):
    """The same as a BCP 47 tag ("en-GB"), for the browser's Intl (the charts)."""
    return cldr_locale(language).replace("_", "-")


def regional_variant(language, accept_language=""):
    """`language` with the browser's region when the portal knows it: "en" becomes "en-us" for a
    browser that asks for US English before any other English; "en-GB" keeps "en". A language
    chosen with its region already ("en-us") stays as it is."""
    if not language or "-" in language:
        return language
    known = {code.lower() for code, _name in settings.LANGUAGES}
    for code, _quality in parse_accept_lang_header(accept_language or ""):
        if code.split("-")[0] == language:
            return code if code in known else language
    return language


# --- spreadsheets ----------------------------------------------------------------------------

# Django date format characters → the spreadsheet's (Excel/LibreOffice number formats).
_SPREADSHEET = {
    "d": "dd",
    "j": "d",
    "m": "mm",
    "n": "m",
    "Y": "yyyy",
    "y": "yy",
    "H": "hh",
    "G": "h",
    "i": "mm",
    "s": "ss",
    "g": "h",
    "A": "AM/PM",
}


def spreadsheet_format(kind=SHORT_DATE):
    """The reader's date format as a spreadsheet number format: "dd/mm/yyyy", "mm/dd/yyyy"."""
    written = []
    for char in formats.get_format(kind):
        written.append(_SPREADSHEET.get(char, char if not char.isalpha() else ""))
    return "".join(written).strip()


# --- forms ----------------------------------------------------------------------------------


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is ISO 8601 whatever the language (the picker shows
    it in the reader's locale): Django's own DateInput writes the locale's first input format
    ("31/12/2027" in French), which a date input cannot read, so it shows empty."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")
