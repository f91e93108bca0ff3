"""The embedded default's SQLite file under writers in several processes at once (the demo's web,
worker and beat): transactions that read and then write wait for each other instead of failing
with "database is locked", and none of them writes from a stale read."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 4
TRANSACTIONS = 150

# Each writer reads the highest number and writes the next one, in one transaction.
WRITER = """
import sys
import django
django.setup()
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    print(cursor.fetchone()[0])
for _ in range(int(sys.argv[1])):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(n), 0) FROM counter")
        (highest,) = cursor.fetchone()
        cursor.execute("INSERT INTO counter (n) VALUES (%s)", [highest + 1])
"""


def test_concurrent_read_then_write_transactions_on_the_sqlite_file_all_succeed(tmp_path):
    database = tmp_path / "db.sqlite3"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE counter (n INTEGER NOT NULL)")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "drm.settings",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(TRANSACTIONS)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    results = [writer.communicate(timeout=300) for writer in writers]

    for writer, (out, err) in zip(writers, results, strict=True):
        assert writer.returncode == 0, err[-3000:]
        assert out.split() == ["wal"]
    with sqlite3.connect(database) as connection:
        numbers = [n for (n,) in connection.execute("SELECT n FROM counter ORDER BY n")]
    assert numbers == list(range(1, PROCESSES * TRANSACTIONS + 1))
