"""Vectorised checks of text columns: every function takes a Series of stripped strings.

Each check returns the parsed values (NA where the value is refused) and records refusals in a
`RowErrors`, naming row and column. No loop over rows: a check costs a few pandas operations per
chunk whatever its length.
"""

import datetime

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# What each check accepts, in words for the import pages' help (Column.format).
CODE_FORMAT = gettext_lazy("A code from the list, in any case.")
DECIMAL_FORMAT = gettext_lazy(
    "A number, not negative, with at most 2 decimals: 1234.50, 1,234.50 or 1 234,50 "
    "(the separators as chosen on upload, or detected)."
)
INTEGER_FORMAT = gettext_lazy("A whole number, not negative: 12 or 1,200.")
MONTH_FORMAT = gettext_lazy("A month: 2026-03, 03/2026 or 2026-03-01; not a month to come.")
DAY_FORMAT = gettext_lazy("A day: 2026-03-15 or 15/03/2026; not a day to come.")
TEXT_FORMAT = gettext_lazy("Text, up to %(count)d characters.")

# XLSX numeric cells come through with this prefix and a canonical value ("1234.5"): they are
# numbers already, so no separator convention applies to them (see readers.xlsx_chunks).
TYPED_NUMBER = "\x01"

POINT, COMMA = "point", "comma"
EXAMPLES = {POINT: "1,234.56", COMMA: "1.234,56"}

_GROUPS = r"\d{1,3}(?:{sep}\d{{3}})+|\d{{1,3}}(?: \d{{3}})+|\d{{1,3}}(?:'\d{{3}})+|\d+"
PATTERNS = {
    POINT: r"^\+?(?:" + _GROUPS.replace("{sep}", ",") + r")(?:\.\d+)?$",
    COMMA: r"^\+?(?:" + _GROUPS.replace("{sep}", r"\.") + r")(?:,\d+)?$",
}
PATTERNS = {key: value.replace("{{", "{").replace("}}", "}") for key, value in PATTERNS.items()}


class RowErrors:
    """The errors of one chunk: (row, column, message), row numbers as the user sees them."""

    def __init__(self, row_numbers):
        self.row_numbers = row_numbers  # Series aligned with the chunk's index
        self.parts = []
        self.bad = pd.Series(False, index=row_numbers.index)

    def add(self, mask, column, message):
        """Refuse the rows where `mask` is true; `message` is a str or a Series of str."""
        mask = mask.fillna(False).astype(bool) if mask.dtype != bool else mask
        if not mask.any():
            return
        if isinstance(message, About):
            messages = message.render(mask)
        elif isinstance(message, pd.Series):
            messages = message[mask]
        else:
            messages = message
        self.parts.append(
            pd.DataFrame(
                {"row": self.row_numbers[mask], "column": column, "message": messages},
                index=self.row_numbers.index[mask],
            )
        )
        self.bad |= mask

    def frame(self):
        if not self.parts:
            return pd.DataFrame({"row": [], "column": [], "message": []})
        return pd.concat(self.parts).sort_values(["row"], kind="stable")

    def __len__(self):
        return sum(len(part) for part in self.parts)


class About:
    """A message about each refused value: `{value}` in `template` becomes the quoted value.

    Rendered only for the refused rows, so a clean chunk costs no string building.
    """

    def __init__(self, raw, template):
        self.raw = raw
        self.template = template

    def render(self, mask):
        template = self.template
        # A typed spreadsheet number is named as the reader sees it, without its marker.
        return self.raw[mask].map(
            lambda value: template.replace("{value}", f"'{value.removeprefix(TYPED_NUMBER)}'")
        )


def about(raw, text):
    return About(raw, "{value} " + text)


def required(raw, column, errors):
    """True where a value is present; refuses blanks."""
    present = raw != ""
    errors.add(~present, column, _("is required"))
    return present


def code_lookup(raw, column, errors, mapping, *, unknown):
    """Codes (case-insensitive) → ids; `unknown` is a message with {value}."""
    keys = pd.Index(list(mapping))
    values = np.array(list(mapping.values()) + [0], dtype="int64")
    positions = keys.get_indexer(raw.str.lower())
    ids = pd.Series(values[positions], index=raw.index, dtype="Int64")
    ids[positions < 0] = pd.NA
    errors.add((raw != "") & (positions < 0), column, About(raw, unknown))
    return ids


def choice(raw, column, errors, values):
    lowered = raw.str.lower()
    bad = (raw != "") & ~lowered.isin(list(values))
    errors.add(
        bad, column, about(raw, _("is not one of %(values)s") % {"values": ", ".join(values)})
    )
    return lowered.where(~bad)


def text(raw, column, errors, *, max_length):
    too_long = raw.str.len() > max_length
    errors.add(
        too_long,
        column,
        _("is longer than %(count)d characters") % {"count": max_length},
    )
    return raw.where(~too_long)


def detect_number_format(values):
    """'point', 'comma' or None from a Series of raw numbers: the convention their separators
    prove. A value like '1,250' proves nothing (1250 or 1.25?); '1,250.5' or '12.50' does."""
    values = values[(values != "") & ~values.str.startswith(TYPED_NUMBER)]
    if values.empty:
        return None
    values = _unify_spaces(values.str.lstrip("-"))
    as_point = values.str.fullmatch(PATTERNS[POINT])
    as_comma = values.str.fullmatch(PATTERNS[COMMA])
    point_only = int((as_point & ~as_comma).sum())
    comma_only = int((as_comma & ~as_point).sum())
    if point_only == comma_only:
        return None
    return POINT if point_only > comma_only else COMMA


def _unify_spaces(values):
    return values.str.replace("\u00a0", " ", regex=False).str.replace("\u202f", " ", regex=False)


def decimal(raw, column, errors, *, number_format, max_digits, places=2, minimum=0):
    """Numbers in the file's convention → canonical strings ('1234.50'), NA where refused.

    `number_format` is 'point', 'comma', or None when the file has not shown its convention yet:
    then a value whose meaning depends on it ('1,250') is refused, never guessed.
    Values with more than `places` non-zero decimals, or more than `max_digits - places`
    integer digits, are refused: whatever passes fits a numeric(max_digits, places) column.
    """
    present = raw != ""
    typed = raw.str.startswith(TYPED_NUMBER)
    body = _unify_spaces(raw.str.removeprefix(TYPED_NUMBER))
    negative = body.str.startswith("-")
    body = body.str.lstrip("-")
    as_point = body.str.fullmatch(PATTERNS[POINT])
    as_comma = body.str.fullmatch(PATTERNS[COMMA])
    point_canon = _strip_seps(body, ",").str.lstrip("+")
    comma_canon = _strip_seps(body, ".").str.replace(",", ".", regex=False).str.lstrip("+")
    if number_format == POINT:
        ok, canon = as_point, point_canon
    elif number_format == COMMA:
        ok, canon = as_comma, comma_canon
    else:
        # Undecided: only values that read the same either way pass.
        same = as_point & as_comma & (point_canon == comma_canon)
        ambiguous = as_point & as_comma & ~same
        errors.add(
            present & ~typed & ambiguous & ~negative,
            column,
            about(
                raw,
                _(
                    "could be read two ways (thousands or decimals?): choose the file's number "
                    "format when you upload it"
                ),
            ),
        )
        ok = same | ambiguous  # no "not a number" error for the ambiguous ones: they have theirs
        canon = point_canon.where(same, "")
    ok = ok | typed
    canon = canon.where(~typed, body)
    not_number = present & ~ok
    if number_format:
        message = _("is not a number in the %(format)s format") % {
            "format": EXAMPLES[number_format]
        }
    else:
        message = _("is not a number")
    errors.add(not_number & ~negative, column, about(raw, message))
    if minimum is not None:
        errors.add(present & negative, column, about(raw, _("is negative")))
    valid = present & ok & ~negative & (canon != "")
    # Regex replacements run in Arrow: no Python call per value.
    integer_part = canon.str.replace(r"\..*$", "", regex=True).str.lstrip("0")
    fraction = canon.str.replace(r"^[^.]*\.?", "", regex=True).str.rstrip("0")
    too_precise = valid & (fraction.str.len() > places)
    if places == 0:
        detail = _("is not a whole number")
    else:
        detail = _("has more than %(places)d decimals") % {"places": places}
    errors.add(too_precise, column, about(raw, detail))
    too_large = valid & (integer_part.str.len() > max_digits - places)
    largest = "9" * (max_digits - places) + ("." + "9" * places if places else "")
    errors.add(
        too_large & ~too_precise,
        column,
        about(raw, _("is too large (at most %(largest)s)") % {"largest": largest}),
    )
    keep = valid & ~too_precise & ~too_large
    result = integer_part.where(integer_part != "", "0")
    if places:
        result = result + "." + fraction.str.pad(places, side="right", fillchar="0")
    return result.where(keep)


def _strip_seps(values, thousands):
    return (
        values.str.replace(thousands, "", regex=False)
        .str.replace(" ", "", regex=False)
        .str.replace("'", "", regex=False)
    )


def integer(raw, column, errors, *, number_format, maximum):
    """Whole numbers in the file's convention → Int64, NA where refused."""
    digits = len(str(maximum))
    canon = decimal(raw, column, errors, number_format=number_format, max_digits=digits, places=0)
    values = pd.to_numeric(canon, errors="coerce").astype("Int64")
    over = values > maximum
    errors.add(
        over.fillna(False),
        column,
        about(raw, _("is too large (at most %(maximum)d)") % {"maximum": maximum}),
    )
    return values.where(~over.fillna(False))


_MONTH_FORMS = (
    (r"^(\d{4})-(\d{1,2})$", r"\1-\2-1"),
    (r"^(\d{1,2})/(\d{4})$", r"\2-\1-1"),
    (r"^(\d{4})/(\d{1,2})$", r"\1-\2-1"),
    (r"^(\d{4})-(\d{1,2})-(\d{1,2})(?: 00:00:00)?$", r"\1-\2-\3"),
)
_DAY_FORMS = (
    (r"^(\d{4})-(\d{1,2})-(\d{1,2})(?: 00:00:00)?$", r"\1-\2-\3"),
    (r"^(\d{1,2})/(\d{1,2})/(\d{4})$", r"\3-\2-\1"),
)


def _to_dates(raw, forms):
    normalised = pd.Series(pd.NA, index=raw.index, dtype="str")
    for pattern, replacement in forms:
        hit = normalised.isna() & raw.str.fullmatch(pattern)
        if hit.any():
            normalised[hit] = raw[hit].str.replace(pattern, replacement, regex=True)
    return pd.to_datetime(normalised, format="%Y-%m-%d", errors="coerce")


def month(raw, column, errors, *, latest):
    """'2026-03', '03/2026', '2026/03', '2026-03-01' → datetime64 of the month's first day.

    Months after `latest` (a date) are refused: figures cannot be reported for the future.
    """
    stamps = _to_dates(raw, _MONTH_FORMS)
    bad = (raw != "") & stamps.isna()
    errors.add(bad, column, about(raw, _("is not a month like 2026-03")))
    months = pd.Series(
        stamps.to_numpy().astype("datetime64[M]").astype("datetime64[s]"), index=raw.index
    )
    future = months > np.datetime64(latest, "s")
    errors.add(
        future,
        column,
        about(
            raw,
            _("is in the future (latest allowed: %(month)s)") % {"month": latest.strftime("%Y-%m")},
        ),
    )
    return months.where(~future)


def day(raw, column, errors, *, latest):
    """'2026-03-15', '15/03/2026' → datetime64; dates after `latest` are refused."""
    stamps = _to_dates(raw, _DAY_FORMS)
    bad = (raw != "") & stamps.isna()
    errors.add(bad, column, about(raw, _("is not a date like 2026-03-15")))
    future = stamps > pd.Timestamp(latest)
    errors.add(
        future,
        column,
        about(raw, _("is in the future (latest allowed: %(day)s)") % {"day": latest.isoformat()}),
    )
    return stamps.where(~future)


def first_of_next_month(day_):
    index = day_.year * 12 + day_.month
    return datetime.date(index // 12, index % 12 + 1, 1)
