"""Staging tables: checked rows wait here between check and publish.

On Postgres rows arrive by `COPY` into an UNLOGGED table (a TEMP one for an API push, dropped at
commit); elsewhere (the SQLite demo) by executemany. Either way the table lives in the same
database as the target, so publishing is one set-based statement.
"""

import io
import re

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

    def existing_count(self):
        """How many staged rows replace a stored row (same natural key)."""
        table = connection.ops.quote_name(self.spec.table)
        match = " AND ".join(
            f"{t} = {s}"
            for t, s in zip(self.spec.key_sql("t"), self.spec.key_sql("s"), strict=True)
        )
        sql = (
            f"SELECT count(*) FROM {self.qname} s WHERE EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {table} t WHERE {match})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    def head(self, count):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(self.column_names)} FROM {self.qname} "  # noqa: S608
                f"ORDER BY row_no LIMIT {int(count)}"
            )
            return pd.DataFrame(cursor.fetchall(), columns=self.column_names)


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
