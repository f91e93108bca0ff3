"""Staging tables: checked rows wait here between check and publish.

On Postgres rows arrive by `COPY` into an UNLOGGED table (a TEMP one for an API push, dropped at
commit); elsewhere (the SQLite demo) by executemany. Either way the table lives in the same
database as the target, so publishing is one set-based statement.
"""

import io
import re
from decimal import Decimal

import pandas as pd
import pyarrow as pa
from django.db import connection
from pyarrow import csv as pa_csv

NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def is_postgres():
    return connection.vendor == "postgresql"


class Stage:
    def __init__(self, name, spec, *, temporary=False):
        if not NAME.match(name):
            raise ValueError(f"bad staging table name {name!r}")
        self.name = name
        self.spec = spec
        self.temporary = temporary
        self.qname = connection.ops.quote_name(name)

    @property
    def column_names(self):
        return ["row_no", *(name for name, _type in self.spec.stage_columns)]

    def create(self):
        columns = ", ".join(
            f"{connection.ops.quote_name(name)} {sql_type}"
            for name, sql_type in (("row_no", "bigint"), *self.spec.stage_columns)
        )
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.qname}")  # noqa: S608 - checked name
            if self.temporary and is_postgres():
                cursor.execute(f"CREATE TEMP TABLE {self.qname} ({columns}) ON COMMIT DROP")
            elif is_postgres():
                cursor.execute(f"CREATE UNLOGGED TABLE {self.qname} ({columns})")
            else:
                cursor.execute(f"CREATE TABLE {self.qname} ({columns})")
        return self

    def exists(self):
        return self.name in connection.introspection.table_names()

    def drop(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.qname}")

    def append(self, frame):
        if frame.empty:
            return
        frame = frame[self.column_names]
        with connection.cursor() as cursor:
            if is_postgres():
                buffer = _csv_bytes(frame)
                cursor.cursor.copy_expert(
                    f"COPY {self.qname} ({', '.join(self.column_names)}) "
                    "FROM STDIN WITH (FORMAT csv)",
                    buffer,
                )
            else:
                marks = ", ".join(["%s"] * len(self.column_names))
                cursor.executemany(
                    f"INSERT INTO {self.qname} VALUES ({marks})",  # noqa: S608
                    _python_rows(frame),
                )

    def analyze(self):
        """Planner statistics for the staged rows (autovacuum never sees a fresh table).

        Without them the publish joins a million rows by sorting them to disk, out of key order.
        """
        if is_postgres():
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {self.qname}")

    def count(self):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {self.qname}")  # noqa: S608
            return cursor.fetchone()[0]

    def repeated_rows(self, limit):
        """(row, first row with the same key) for rows repeating an earlier row's key."""
        key = ", ".join(self.spec.key_sql("s"))
        with connection.cursor() as cursor:
            # A hash aggregate answers "any repeats?" far cheaper than the window below.
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {self.qname} s GROUP BY {key} "  # noqa: S608
                "HAVING count(*) > 1)"
            )
            if not cursor.fetchone()[0]:
                return []
        sql = (
            f"SELECT row_no, first_row FROM (SELECT s.row_no, min(s.row_no) OVER (PARTITION BY "  # noqa: S608
            f"{key}) AS first_row FROM {self.qname} s) ranked "
            f"WHERE row_no <> first_row ORDER BY row_no LIMIT {int(limit)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def _match(self):
        return " AND ".join(
            f"{t} = {s}"
            for t, s in zip(self.spec.key_sql("t"), self.spec.key_sql("s"), strict=True)
        )

    def _compared(self):
        """(name, staged SQL, stored SQL) of each column the spec compares."""
        return [
            (name, *(sql.format(s="s.", t="t.") for sql in self.spec.compare_sql(name)))
            for name in self.spec.compared
        ]

    def _differs(self):
        tests = [f"({s} IS DISTINCT FROM {t})" for _name, s, t in self._compared()]
        return "(" + " OR ".join(tests) + ")" if tests else "(1 = 0)"

    def existing_count(self):
        """How many staged rows have a stored row with the same natural key."""
        return self.compare_counts()[0]

    def compare_counts(self):
        """(stored, changed): staged rows whose key is stored, and those of them whose compared
        columns differ from the stored row's."""
        table = connection.ops.quote_name(self.spec.table)
        sql = (
            f"SELECT count(*), count(CASE WHEN {self._differs()} THEN 1 END) "  # noqa: S608
            f"FROM {self.qname} s JOIN {table} t ON {self._match()}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            stored, changed = cursor.fetchone()
        return stored, changed or 0

    def stored_values(self, *, row_numbers=None, changed_only=False, limit=None):
        """{row_no: {column: stored value}} for staged rows whose key is stored: the compared
        columns whose stored value differs from the staged one (none for an unchanged row).

        `row_numbers`: only those rows; `changed_only`: only rows with a difference, the first
        `limit` of them by row number.
        """
        compared = self._compared()
        table = connection.ops.quote_name(self.spec.table)
        selected = ", ".join(
            ["s.row_no"]
            + [t for _name, _s, t in compared]
            + [f"CASE WHEN ({s} IS DISTINCT FROM {t}) THEN 1 ELSE 0 END" for _n, s, t in compared]
        )
        where, params = ["true"], []
        if row_numbers is not None:
            if not row_numbers:
                return {}
            where.append(f"s.row_no IN ({', '.join(['%s'] * len(row_numbers))})")
            params.extend(int(n) for n in row_numbers)
        if changed_only:
            where.append(self._differs())
        sql = (
            f"SELECT {selected} FROM {self.qname} s JOIN {table} t ON {self._match()} "  # noqa: S608
            f"WHERE {' AND '.join(where)} ORDER BY s.row_no"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        count = len(compared)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {
                row[0]: {
                    name: _plain(row[1 + i])
                    for i, (name, _s, _t) in enumerate(compared)
                    if row[1 + count + i]
                }
                for row in cursor.fetchall()
            }

    def rows(self, row_numbers):
        """The staged rows with these numbers, as a frame (like `head`)."""
        if not row_numbers:
            return pd.DataFrame(columns=self.column_names)
        marks = ", ".join(["%s"] * len(row_numbers))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(self.column_names)} FROM {self.qname} "  # noqa: S608
                f"WHERE row_no IN ({marks}) ORDER BY row_no",
                [int(n) for n in row_numbers],
            )
            return pd.DataFrame(cursor.fetchall(), columns=self.column_names)

    def head(self, count):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(self.column_names)} FROM {self.qname} "  # noqa: S608
                f"ORDER BY row_no LIMIT {int(count)}"
            )
            return pd.DataFrame(cursor.fetchall(), columns=self.column_names)


def _plain(value):
    """A stored value as the preview's text: numbers without exponent or float noise."""
    if value is None:
        return ""
    if isinstance(value, float):
        return format(Decimal(str(value)), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _csv_bytes(frame):
    """The frame as CSV for COPY, written by Arrow (several times faster than to_csv).

    Nulls come out as unquoted empty fields, which COPY reads as NULL; text is quoted.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(table, sink, write_options=pa_csv.WriteOptions(include_header=False))
    return io.BytesIO(sink.getvalue().to_pybytes())


def _python_rows(frame):
    """Rows of plain Python values (None for NA) for DB-API executemany."""
    converted = frame.astype(object).where(frame.notna(), None)
    for column in converted.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            converted[column] = [None if v is None else v.date() for v in converted[column]]
    return list(converted.itertuples(index=False, name=None))
