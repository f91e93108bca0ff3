"""Check a stream of chunks into a staging table, then publish it in one transaction."""

import csv
import gzip
import io
import uuid
import zlib
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from drm.errors import ValidationFailed

from .checks import TYPED_NUMBER, detect_number_format
from .readers import normalise_header
from .staging import Stage, is_postgres

SHOWN_ERRORS = 200


@dataclass
class Context:
    """What a check needs to know besides the rows: declared separators, the clock, the scope."""

    number_format: str | None = None  # 'point', 'comma', or None to detect from the file
    latest_month: object = None  # a date: no figures after this month
    latest_day: object = None
    scope_id: int | None = None  # a partner's distributor: every row must belong to it
    extra: dict = field(default_factory=dict)


class ErrorLog:
    """Every error of a check: the first ones as dicts, all of them as a gzip CSV."""

    def __init__(self):
        self.count = 0
        self.shown = []
        self._buffer = io.BytesIO()
        self._gzip = gzip.GzipFile(fileobj=self._buffer, mode="wb")
        self._gzip.write(b"row,column,message\n")

    def add_frame(self, frame):
        if frame.empty:
            return
        self.count += len(frame)
        room = SHOWN_ERRORS - len(self.shown)
        if room > 0:
            for record in frame.head(room).to_dict("records"):
                row = record["row"]
                self.shown.append(
                    {
                        "row": None if pd.isna(row) else int(row),
                        "column": record["column"],
                        "message": str(record["message"]),
                    }
                )
        text = io.StringIO()
        frame[["row", "column", "message"]].to_csv(text, header=False, index=False)
        self._gzip.write(text.getvalue().encode("utf-8"))

    def add(self, row, column, message):
        self.add_frame(pd.DataFrame([{"row": row, "column": column, "message": message}]))

    def csv_gzip(self):
        self._gzip.close()
        return self._buffer.getvalue()


def errors_csv_text(blob):
    """The stored gzip CSV of errors, as text."""
    return zlib.decompress(bytes(blob), wbits=31).decode("utf-8") if blob else ""


def error_rows(blob):
    return list(csv.reader(io.StringIO(errors_csv_text(blob))))


@dataclass
class CheckOutcome:
    total: int = 0
    staged: int = 0
    number_format: str | None = None


def check_into_stage(spec, chunks, stage, errors, *, on_progress=None):
    """Check every chunk with `spec` and COPY the good rows into `stage` (created afresh).

    Decides the number format on the first chunk that shows it, unless the context declares one.
    Returns a CheckOutcome; errors go to the ErrorLog `errors`.
    """
    context = spec.context
    outcome = CheckOutcome(number_format=context.number_format)
    stage.create()
    first = True
    for rows, raw in chunks:
        if first:
            spec.check_columns(raw)
            first = False
        if context.number_format is None and spec.number_columns:
            columns = [raw[c] for c in spec.number_columns if c in raw.columns]
            if columns:
                context.number_format = detect_number_format(pd.concat(columns))
                outcome.number_format = context.number_format
        staged, row_errors = spec.check(rows, raw)
        errors.add_frame(row_errors.frame())
        stage.append(staged)
        outcome.total += len(raw)
        outcome.staged += len(staged)
        if on_progress:
            on_progress(outcome.total)
    if first:
        raise ValidationFailed(_("The file has headers but no rows."), field="file")
    stage.analyze()
    for row, earlier in stage.repeated_rows(limit=1_000_000):
        errors.add(row, "", _("repeats the figures of row %(row)d") % {"row": earlier})
    return outcome


def lock_key(table):
    return zlib.crc32(f"ingest:{table}".encode()) - (1 << 31)


def lock_table(table):
    """Serialise writers of `table` for the rest of the transaction (Postgres advisory lock).

    Imports, API pushes and rate changes of one table take turns: no deadlock between two
    upserts of overlapping keys, and counts of new and replaced rows are exact.
    """
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(table)])


def check_references(spec, stage):
    """Every id the stage refers to still exists; on Postgres, lock them until commit."""
    with connection.cursor() as cursor:
        for column, table in spec.references:
            qtable = connection.ops.quote_name(table)
            qcolumn = connection.ops.quote_name(column)
            ids_sql = f"SELECT DISTINCT {qcolumn} FROM {stage.qname} WHERE {qcolumn} IS NOT NULL"  # noqa: S608
            if is_postgres():
                cursor.execute(
                    f"SELECT count(*) FROM (SELECT id FROM {qtable} WHERE id IN ({ids_sql}) "  # noqa: S608
                    "ORDER BY id FOR KEY SHARE) locked"
                )
                found = cursor.fetchone()[0]
                cursor.execute(f"SELECT count(*) FROM ({ids_sql}) wanted")  # noqa: S608
                wanted = cursor.fetchone()[0]
            else:
                cursor.execute(
                    f"SELECT count(*) FROM ({ids_sql}) w "  # noqa: S608
                    f"WHERE {qcolumn} IN (SELECT id FROM {qtable})"
                )
                found = cursor.fetchone()[0]
                cursor.execute(f"SELECT count(*) FROM ({ids_sql}) wanted")  # noqa: S608
                wanted = cursor.fetchone()[0]
            if found != wanted:
                raise ValidationFailed(
                    _(
                        "Some %(column)s values were removed since the file was checked; "
                        "nothing was imported. Upload the file again."
                    )
                    % {"column": column.removesuffix("_id")},
                    field="file",
                )


def publish(spec, stage, *, now):
    """Upsert every staged row into the target in the caller's transaction: (created, updated).

    A spec without update columns skips rows whose key is stored (updated is then 0).

    One `INSERT … SELECT … ON CONFLICT (natural key) DO UPDATE`: concurrent imports of the same
    new keys wait for each other instead of failing, and nothing is ever duplicated.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("publish() must run inside transaction.atomic()")
    lock_table(spec.table)
    check_references(spec, stage)
    table = connection.ops.quote_name(spec.table)
    columns = ", ".join(connection.ops.quote_name(c) for c in spec.insert_columns)
    updates = ", ".join(
        f"{connection.ops.quote_name(c)} = EXCLUDED.{connection.ops.quote_name(c)}"
        for c in spec.update_columns
    )
    select, params = spec.select_sql(stage, now=now)
    conflict = ", ".join(spec.key_sql(None))
    action = f"DO UPDATE SET {updates}" if spec.update_columns else "DO NOTHING"
    upsert = (
        f"INSERT INTO {table} ({columns}) {select} "  # noqa: S608
        f"ON CONFLICT ({conflict}) {action}"
    )
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(
                f"WITH written AS ({upsert} RETURNING (xmax = 0) AS created) "  # noqa: S608
                "SELECT count(*) FILTER (WHERE created), count(*) FROM written",
                params,
            )
            created, total = cursor.fetchone()
        else:
            total = stage.count()
            updated = stage.existing_count()
            cursor.execute(upsert, params)
            created = total - updated
            if not spec.update_columns:
                total = created  # the stored rows were skipped, not rewritten
    spec.after_publish(stage, now=now)
    return created, total - created


def _push_text(value):
    """JSON numbers arrive as numbers: give them canonically, so no convention applies."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return TYPED_NUMBER + format(Decimal(str(value)), "f")
    return str(value).strip()


def rows_frame(rows):
    """API rows (dicts of a file's columns) as the frame of raw strings a file chunk would be."""
    return pd.DataFrame(
        [
            {
                normalise_header(key): "" if value is None else _push_text(value)
                for key, value in row.items()
            }
            for row in rows
        ],
        dtype="str",
    ).fillna("")


def push(spec, rows, *, now):
    """Check API rows with `spec` and publish them, all or nothing: (created, updated).

    The same checks as a file. Errors name the row by its index in the list and nothing is
    written. Runs in its own transaction (a TEMP staging table on Postgres).
    """
    frame = rows_frame(rows)
    errors = ErrorLog()
    with transaction.atomic():
        stage = Stage(f"ingest_push_{uuid.uuid4().hex[:16]}", spec, temporary=True)
        try:
            check_into_stage(
                spec, [(pd.Series(range(len(frame)), index=frame.index), frame)], stage, errors
            )
            if errors.count:
                raise ValidationFailed(
                    ngettext(
                        "%(count)d error; nothing was saved.",
                        "%(count)d errors; nothing was saved.",
                        errors.count,
                    )
                    % {"count": errors.count},
                    details=errors.shown,
                )
            return publish(spec, stage, now=now)
        finally:
            if not is_postgres():
                stage.drop()
