"""What a kind of import declares: columns, checks, staging columns, natural key, publish SQL."""

import functools
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from drm.errors import ValidationFailed
from drm.exports import FORMULA_STARTS

from . import checks
from .checks import TEXT_FORMAT, TYPED_NUMBER, RowErrors
from .readers import normalise_header

# How the preview shows a column's values (Column.kind).
TEXT, CODE, MONEY, NUMBER, INTEGER, MONTH, DATE = (
    "text",
    "code",
    "money",
    "number",
    "integer",
    "month",
    "date",
)


CENT = Decimal("0.01")


@dataclass(frozen=True)
class Column:
    """One column of an import file: the single definition that the header check, the number
    convention, the downloadable template, the page's help and the preview all read.

    - `name`: the normalised header; also the msgid of the header the portal's exports write in
      the reader's language, so that an export in any language reads back (`headers()`);
    - `meaning`, `format`: lazy texts for people; `example`: a value as a file holds it;
    - `required`: the header must be there and every row must fill it;
    - `number`: read with the file's separator convention;
    - `kind`: how the preview shows a value (TEXT, CODE, MONEY, NUMBER, INTEGER, MONTH, DATE);
    - `codes`: the list of codes its values come from (a page lists them for the reader);
    - `choices`: (value, label) pairs, the only values it takes;
    - `currency`: for MONEY, the column holding the value's currency ("" → the caller's default);
    - `ignored`: a column the portal's exports write beside the imported ones (a computed
      figure, a status): accepted in a file and not read, so an export can be imported as it is;
    - `max_length`: the longest text the column takes (`Spec.text` checks it).
    """

    name: str
    meaning: str
    format: str = ""
    example: str = ""
    required: bool = False
    number: bool = False
    kind: str = TEXT
    codes: str = ""
    choices: tuple = ()
    currency: str = ""
    ignored: bool = False
    max_length: int | None = None

    @property
    def format_text(self):
        """What a value looks like: the declared format, or the text limit in words."""
        if self.format:
            return self.format
        if self.max_length:
            return TEXT_FORMAT % {"count": self.max_length}
        return ""

    def headers(self):
        """Every header this column is known by: its name and its name in each language."""
        return _headers(self.name)

    def header(self):
        """The header in the active language, as the exports write it."""
        return _(self.name)


@functools.cache
def _language_headers(name, languages):
    names = {name}
    for code in languages:
        with translation.override(code):
            names.add(normalise_header(_(name)))
    return frozenset(names)


def _headers(name):
    return _language_headers(name, tuple(code for code, _label in settings.LANGUAGES))


class Spec:
    """Subclass per kind of import; the engine calls these hooks.

    - `columns`: the file's columns (`Column`); `required`, `optional`, `ignored` and
      `number_columns` (names) are derived from them, never written by hand;
    - `stage_columns`: (name, SQL type) of the staging table, in the order `parse` returns them;
    - `table`, `key`: the target table and its natural key as SQL expressions matching a
      unique index (the ON CONFLICT target); `{t}` in them stands for "alias.";
    - `insert_columns` / `update_columns`: target columns written, and rewritten on conflict;
      `touched_columns`: the update columns rewritten with any change (a timestamp) that do not
      make a row changed by themselves: a stored row equal in every other one is left alone;
    - `compared`: the file's columns whose stored value the preview compares (old → new);
      `compare_sql(name)` gives the (staged, stored) SQL of one, `{s}`/`{t}` for the aliases;
    - `references`: (staging column, referenced table) pairs checked and locked at publish;
    - `parse(raw, errors, context)`: vectorised checks of one chunk, returns the staged frame;
    - `select_sql(stage)`: the SELECT (alias `s` for the stage) producing `insert_columns`;
    - `update_columns` empty: a row whose key is stored already is skipped, not rewritten;
    - `after_publish(stage, now=)`: more writes in the publishing transaction (events, counts);
    - `after_commit(batch_id)`: work of the same job once the rows are committed;
    - `manufacturer_only`: partners may not import this kind.
    """

    manufacturer_only = False

    kind = ""
    columns: tuple = ()
    stage_columns: tuple = ()
    table = ""
    key: tuple = ()
    insert_columns: tuple = ()
    update_columns: tuple = ()
    touched_columns: tuple = ("updated_at",)
    compared: tuple = ()
    references: tuple = ()

    # Derived from `columns` (see __init_subclass__).
    required: tuple = ()
    optional: tuple = ()
    ignored: tuple = ()
    number_columns: tuple = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        read = [c for c in cls.columns if not c.ignored]
        cls.required = tuple(c.name for c in read if c.required)
        cls.optional = tuple(c.name for c in read if not c.required)
        cls.ignored = tuple(c.name for c in cls.columns if c.ignored)
        cls.number_columns = tuple(c.name for c in read if c.number)

    def __init__(self, context):
        self.context = context
        self.file_headers = {}

    @property
    def names(self):
        """The columns the checks read, in the declared order."""
        return self.required + self.optional

    @classmethod
    def column(cls, name):
        return next(c for c in cls.columns if c.name == name)

    @classmethod
    def header_names(cls):
        """Header as normalised in a file → the column's name, in every language of the portal.

        A name another column owns in some language stays that column's: no header is read as
        two columns.
        """
        mapping = {c.name: c.name for c in cls.columns}
        for column in cls.columns:
            for header in column.headers():
                mapping.setdefault(header, column.name)
        return mapping

    def check_columns(self, frame):
        """Refuse a header row that lacks a required column, or holds an unknown or repeated one.

        Remembers each column's header as the file writes it, for the errors to name it so.
        """
        names = self.header_names()
        present = [names.get(header, header) for header in frame.columns]
        self.file_headers = {names[header]: header for header in frame.columns if header in names}
        missing = [c for c in self.required if c not in present]
        unknown = [h for h in frame.columns if h not in names]
        repeated = sorted({c for c in present if present.count(c) > 1})
        problems = []
        if missing:
            problems.append(
                ngettext("missing column: %(names)s", "missing columns: %(names)s", len(missing))
                % {"names": ", ".join(missing)}
            )
        if unknown:
            problems.append(
                ngettext("unknown column: %(names)s", "unknown columns: %(names)s", len(unknown))
                % {"names": ", ".join(unknown)}
            )
        if repeated:
            problems.append(
                ngettext("repeated column: %(names)s", "repeated columns: %(names)s", len(repeated))
                % {"names": ", ".join(repeated)}
            )
        if problems:
            expected = ", ".join(self.required)
            if self.optional:
                expected += " " + _("and optionally") + " " + ", ".join(self.optional)
            raise ValidationFailed(
                _("Wrong columns: %(problems)s. Expected %(expected)s.")
                % {"problems": "; ".join(problems), "expected": expected},
                field="file",
            )

    def canonical(self, raw):
        """The chunk with its columns under their names, the ignored ones left out."""
        names = self.header_names()
        raw = raw.rename(columns=lambda header: names.get(header, header))
        return raw.drop(columns=[c for c in self.ignored if c in raw.columns])

    def as_in_file(self, column):
        """A column's header as the file writes it (errors name the column the reader sees)."""
        return self.file_headers.get(column, column)

    def check(self, rows, raw):
        """(staged frame of the good rows, RowErrors) for one chunk of raw strings."""
        raw = raw.copy()
        for column in self.names:
            if column not in raw.columns:
                raw[column] = ""
            elif column not in self.number_columns:
                raw[column] = unquote(raw[column].str.removeprefix(TYPED_NUMBER))
        errors = RowErrors(rows)
        staged = self.parse(raw, errors)
        staged.insert(0, "row_no", rows)
        return staged[~errors.bad], errors

    def parse(self, raw, errors):
        raise NotImplementedError

    def text(self, raw, name, errors):
        """The text column `name`, refused where longer than its declared `max_length`."""
        return checks.text(raw[name], name, errors, max_length=self.column(name).max_length)

    def choice(self, raw, name, errors):
        """The column `name`, refused where not one of its declared `choices`."""
        values = [value for value, _label in self.column(name).choices]
        return checks.choice(raw[name], name, errors, values)

    def select_sql(self, stage):
        raise NotImplementedError

    @property
    def replaces(self):
        """Whether a row with a stored key replaces it (else it is skipped)."""
        return bool(self.update_columns)

    def stored_text(self, name, value):
        """A stored value of the compared column `name` as the preview writes a staged one:
        money and quantities with 2 decimals, whole numbers without (whatever the database
        returned: SQLite gives 12000 for 12000.00)."""
        kind = self.column(name).kind
        if value in ("", None) or kind not in (MONEY, NUMBER, INTEGER):
            return value
        return format(Decimal(value).quantize(Decimal(1) if kind == INTEGER else CENT), "f")

    def compare_sql(self, name):
        """(staged SQL, stored SQL) of a compared column; `{s}`/`{t}` stand for the aliases."""
        return f"{{s}}{name}", f"{{t}}{name}"

    def after_publish(self, stage, *, now):
        """Called inside the publishing transaction, after the upsert."""

    def after_commit(self, batch_id):
        """Called by the job once the publishing transaction has committed."""

    def preview(self, staged):
        """Rows of the staged frame as the user should read them (a list of dicts)."""
        return [
            {"row": int(row["row_no"])}
            | {k: ("" if pd.isna(v) else str(v)) for k, v in row.items() if k != "row_no"}
            for row in staged.to_dict("records")
        ]

    def key_sql(self, alias):
        """The natural key's expressions; `{t}` in them becomes `alias.` (nothing for None)."""
        prefix = f"{alias}." if alias else ""
        return [expr.format(t=prefix) for expr in self.key]


def unquote(values):
    """Text cells without the apostrophe an export adds before a formula-like value
    (`drm.exports.quote`).

    An export writes the text "-12" as "'-12" so that no spreadsheet runs it; read back, the
    value is "-12" again, so that an export imports as it is.
    """
    quoted = values.str.startswith("'")
    if not quoted.any():
        return values
    quoted &= values.str.lstrip("'").str.slice(0, 1).isin(FORMULA_STARTS)
    return values.where(~quoted, values.str.slice(1))
