"""What a kind of import declares: columns, checks, staging columns, natural key, publish SQL."""

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from drm.errors import ValidationFailed

from .checks import TYPED_NUMBER, RowErrors


class Spec:
    """Subclass per kind of import; the engine calls these hooks.

    - `required` / `optional`: file columns (normalised header names);
    - `number_columns`: columns read as numbers (the file's separator convention applies);
    - `stage_columns`: (name, SQL type) of the staging table, in the order `parse` returns them;
    - `table`, `key`: the target table and its natural key as SQL expressions matching a
      unique index (the ON CONFLICT target); `{t}` in them stands for "alias.";
    - `insert_columns` / `update_columns`: target columns written, and rewritten on conflict;
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
    required: tuple = ()
    optional: tuple = ()
    number_columns: tuple = ()
    stage_columns: tuple = ()
    table = ""
    key: tuple = ()
    insert_columns: tuple = ()
    update_columns: tuple = ()
    references: tuple = ()
    template_rows: tuple = ()

    def __init__(self, context):
        self.context = context

    @property
    def columns(self):
        return self.required + self.optional

    def check_columns(self, frame):
        present = list(frame.columns)
        missing = [c for c in self.required if c not in present]
        unknown = [c for c in present if c not in self.columns]
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

    def check(self, rows, raw):
        """(staged frame of the good rows, RowErrors) for one chunk of raw strings."""
        raw = raw.copy()
        for column in self.columns:
            if column not in raw.columns:
                raw[column] = ""
            elif column not in self.number_columns:
                raw[column] = raw[column].str.removeprefix(TYPED_NUMBER)
        errors = RowErrors(rows)
        staged = self.parse(raw, errors)
        staged.insert(0, "row_no", rows)
        return staged[~errors.bad], errors

    def parse(self, raw, errors):
        raise NotImplementedError

    def select_sql(self, stage):
        raise NotImplementedError

    @property
    def replaces(self):
        """Whether a row with a stored key replaces it (else it is skipped)."""
        return bool(self.update_columns)

    def after_publish(self, stage, *, now):
        """Called inside the publishing transaction, after the upsert."""

    def after_commit(self, batch_id):
        """Called by the job once the publishing transaction has committed."""

    def preview(self, staged):
        """Rows of the staged frame as the user should read them (a list of dicts)."""
        return [
            {k: ("" if pd.isna(v) else str(v)) for k, v in row.items() if k != "row_no"}
            for row in staged.to_dict("records")
        ]

    def key_sql(self, alias):
        """The natural key's expressions; `{t}` in them becomes `alias.` (nothing for None)."""
        prefix = f"{alias}." if alias else ""
        return [expr.format(t=prefix) for expr in self.key]
