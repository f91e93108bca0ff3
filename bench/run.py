"""Benchmarks: the import pipeline and the distributor list, each against a naive baseline.

Run with `make bench` (or `.venv/bin/python bench/run.py --rows 20000`). It builds a throw-away
database (Postgres `drm_bench` when DATABASE_URL points to Postgres, else a temporary SQLite
file), fills it, and prints figures and ratios measured in the same run.
"""

import argparse
import datetime
import os
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def prepare_database():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg2

        parts = urlsplit(url)
        admin = psycopg2.connect(urlunsplit((parts.scheme, parts.netloc, "/postgres", "", "")))
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("DROP DATABASE IF EXISTS drm_bench")
            cursor.execute("CREATE DATABASE drm_bench")
        admin.close()
        os.environ["DATABASE_URL"] = urlunsplit((parts.scheme, parts.netloc, "/drm_bench", "", ""))
        return "postgres"
    path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    return "sqlite"


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def peak_python_mb(fn):
    """Peak Python heap of a second run (tracemalloc slows code down, so it is not timed)."""
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1048576


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20000, help="rows in the imported file")
    parser.add_argument("--distributors", type=int, default=2000)
    args = parser.parse_args()

    engine = prepare_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drm.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from distributors import selectors, services
    from distributors.models import Distributor, ImportBatch, ProductLine, RevenueRecord, Tier
    from tests import factories

    manager = factories.ManagerFactory(username="bench-manager")
    tier = Tier.objects.create(code="gold", name="Gold", rank=1)
    lines = ProductLine.objects.bulk_create(
        [ProductLine(code=f"line-{i}", name=f"Line {i}") for i in range(10)]
    )
    distributors = Distributor.objects.bulk_create(
        [
            Distributor(
                code=f"d{i:05d}",
                name=f"Distributor {i}",
                country="DE",
                currency="EUR",
                tier=tier,
                status="active",
            )
            for i in range(args.distributors)
        ]
    )
    print(f"engine: {engine}; {args.distributors} distributors; {args.rows}-row import file")

    # 1. Import: the pipeline (pandas check + chunked bulk upsert) vs update_or_create per row.
    months = [datetime.date(2024 + (m // 12), m % 12 + 1, 1) for m in range(24)]
    combos = [(d, m, line) for d in distributors for m in months for line in lines]
    rows = combos[: args.rows]
    body = "distributor,month,product_line,amount,units\n" + "".join(
        f"{d.code},{m:%Y-%m},{line.code},{(i % 997) * 10 + 0.5},{i % 50}\n"
        for i, (d, m, line) in enumerate(rows)
    )

    def pipeline():
        batch = services.import_batch_create(
            user=manager,
            kind="revenue",
            uploaded_file=SimpleUploadedFile("bench.csv", body.encode()),
        )
        services.import_batch_validate(batch_id=batch.pk)
        batch = ImportBatch.objects.get(pk=batch.pk)
        assert batch.status == ImportBatch.Status.VALIDATED, batch.errors[:3]
        services.import_batch_request_commit(batch=batch, by=manager)
        services.import_batch_commit(batch_id=batch.pk)
        return ImportBatch.objects.get(pk=batch.pk).status

    status, pipeline_s = timed(pipeline)
    assert status == ImportBatch.Status.COMMITTED
    pipeline_mb = peak_python_mb(pipeline)  # a re-import: every row replaces a stored one
    RevenueRecord.objects.all().delete()

    def baseline():
        for i, (d, m, line) in enumerate(rows):
            RevenueRecord.objects.update_or_create(
                distributor=d,
                month=m,
                product_line=line,
                customer_category=None,
                defaults={"amount": Decimal(f"{(i % 997) * 10}.50"), "units": i % 50},
            )

    _, baseline_s = timed(baseline)
    print(
        f"import   pipeline {pipeline_s:7.2f} s ({args.rows / pipeline_s:8.0f} rows/s, "
        f"peak {pipeline_mb:6.1f} MB) | baseline update_or_create per row {baseline_s:7.2f} s "
        f"({args.rows / baseline_s:8.0f} rows/s) | speed-up x{baseline_s / pipeline_s:.1f}"
    )

    # 2. Distributor list sorted by 12-month revenue: one annotated query vs a query per row.
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics after the bulk load, as autovacuum would
    today = months[-1] + datetime.timedelta(days=40)

    def annotated():
        return list(
            selectors.distributor_list(visible_to=manager, sort="-revenue", today=today)[:25]
        )

    def naive():
        since = selectors.months_back(today, 12)
        totals = []
        for d in Distributor.objects.all():
            total = sum(
                r.amount for r in RevenueRecord.objects.filter(distributor=d, month__gte=since)
            )
            totals.append((total, d.code))
        return sorted(totals, reverse=True)[:25]

    annotated()  # warm the caches for both contenders alike
    top, list_s = min((timed(annotated) for _ in range(3)), key=lambda pair: pair[1])
    expected, naive_s = min((timed(naive) for _ in range(3)), key=lambda pair: pair[1])
    assert [d.code for d in top][:5] == [code for _, code in expected][:5]
    print(
        f"list     annotated first page (best of 3) {list_s * 1000:7.1f} ms | baseline query per "
        f"distributor {naive_s * 1000:9.1f} ms | speed-up x{naive_s / list_s:.1f}"
    )


if __name__ == "__main__":
    main()
