"""Benchmarks: the import engine against a bare COPY, and the list against a naive baseline.

Run with `make bench` (`SCALE=0.1 make bench` for a quick run). Sizes scale with SCALE:
- a 1,000,000-row revenue file (× SCALE), generated inside Postgres with generate_series, is
  imported by the real pipeline (upload, check, commit) in a child process, timed against a bare
  `COPY` of the same file into a bare text table in the same run; prints rows/s, the child's
  peak RSS and `import/copy ratio: X.XX`;
- a small file (2,000 rows × SCALE) through the pipeline against update_or_create per row;
- the distributor list sorted by 12-month revenue against a query per distributor;
- the leads (lead_bench.py): a channel of 10,000 distributors and 10,000,000 leads (× SCALE)
  generated inside Postgres, the lead list, partner inbox and analytics pages served in-process,
  and a 1,000,000-row MQL import (× SCALE) against a bare COPY: `lead import/copy ratio: X.XX`;
- the goals (goal_bench.py): 10,000 distributors × 5 goals with 4 landmarks each and 1,000,000
  revenue rows (× SCALE) generated inside Postgres (the lead world's distributors), the goals
  list (selectors now; the page and the API once they answer) and the daily at-risk refresh;
- the incentives (incentive_bench.py): over the goal world's distributors and revenue, a yearly
  rebate programme's accrual (`incentives.services.programme_accrue`) and an accrual fund's
  (`funds.services.fund_accrue`), first run, rerun and after a restatement, against a bare SQL
  aggregate of the year's revenue per distributor: `accrual/floor ratio: X.XX` and
  `fund accrual/floor ratio: X.XX`, the figures checked against the aggregate's;
- the scoring (scoring_bench.py): the full recompute of every distributor's scorecard over the
  lead and goal worlds (10,000 distributors, 10,000,000 leads, 1,000,000 revenue rows × SCALE)
  in a child process, its peak RSS, against one bare SQL aggregate of the same raw figures:
  `recompute/floor ratio: X.XX`; and a per-distributor ORM loop at small scale.
- the 360° record (record_bench.py): the distributor page of the distributor with the most leads
  and of ordinary ones, the partner's home and the manager's dashboard with their "Waiting for
  you", over the scoring world: median, p95 (target ≤ 100 ms) and query counts;
- the tiers (tier_bench.py): the nightly requalification of every distributor over the scoring
  world (seven requirements on three tiers) against one bare SQL aggregate of the same figures:
  `requalify/floor ratio: X.XX`, the figures and proposals checked against the aggregate's;
- the mixed load (mixed_load.py): the demo data in `<database>_demo`, gunicorn on loopback, locust
  with a manager and a partner in the browser, their tokens and a throttle probe: each
  endpoint's p95, the 429s with Retry-After, `mixed load errors: N`.
BENCH_KEEP=1 keeps the database of a previous run and reuses the worlds it holds.
BENCH_ONLY=goals, BENCH_ONLY=incentives, BENCH_ONLY=scoring, BENCH_ONLY=record, BENCH_ONLY=tiers
or BENCH_ONLY=load runs that part alone (on a fresh database: it makes its distributors, the
incentives part the goal world, and the scoring, record and tiers parts their leads and goals).
It builds a throw-away database (`drm_bench`, or BENCH_DATABASE; the big import and the leads
need Postgres).
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/drm"
# The throw-away database; BENCH_DATABASE names another one, so two benches never share one.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE") or "drm_bench"
LINES = 10
MONTHS = 50


def fresh_database(url, name):
    """Drop and create database `name` on the Postgres server of `url`; its URL."""
    import psycopg2

    parts = urlsplit(url)
    admin = psycopg2.connect(urlunsplit((parts.scheme, parts.netloc, "/postgres", "", "")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        # BENCH_KEEP=1 keeps a database a previous run built: its worlds are reused (a
        # full-scale lead world takes half an hour to build).
        if os.environ.get("BENCH_KEEP") != "1" or cursor.fetchone() is None:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


def prepare_database():
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if url.startswith("postgres"):
        import psycopg2

        try:
            os.environ["DATABASE_URL"] = fresh_database(url, BENCH_DATABASE)
        except psycopg2.Error as exc:
            print(f"Postgres unreachable ({exc}); using SQLite, without the big import")
        else:
            return "postgres"
    path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    return "sqlite"


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drm.settings")
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "1"
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("CACHE_URL", None)
    import django

    django.setup()


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def peak_rss_mb():
    """The process's peak resident set (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def last_month():
    today = datetime.date.today().replace(day=1)
    return (today - datetime.timedelta(days=1)).replace(day=1)


def generate_file(cursor, rows, path):
    """Write a revenue CSV of `rows` rows, generated inside Postgres (generate_series)."""
    first = last_month()
    sql = f"""
        COPY (
            SELECT 'd' || lpad(mod(n / {LINES * MONTHS}, 100000)::text, 5, '0') AS distributor,
                to_char(date '{first.isoformat()}'
                    - (mod(n / {LINES}, {MONTHS}) || ' months')::interval, 'YYYY-MM') AS month,
                'line-' || mod(n, {LINES}) AS product_line,
                to_char(mod(n * 7919, 99991) * 10.25 + 100, 'FM999999990.00') AS amount,
                mod(n, 50)::text AS units,
                to_char(mod(n * 7919, 99991) * 2.5, 'FM999999990.00') AS margin
            FROM generate_series(0::bigint, {rows - 1}) AS n
        ) TO STDOUT WITH (FORMAT csv, HEADER)
    """  # noqa: S608 - numbers and a date only
    with open(path, "wb") as out:
        cursor.copy_expert(sql, out)


def bare_copy(cursor, path):
    """COPY the same file into a bare table of text columns: the floor for loading it."""
    cursor.execute("DROP TABLE IF EXISTS bench_bare")
    cursor.execute(
        "CREATE TABLE bench_bare (distributor text, month text, product_line text, "
        "amount text, units text, margin text)"
    )
    with open(path, "rb") as source:
        start = time.perf_counter()
        cursor.copy_expert("COPY bench_bare FROM STDIN WITH (FORMAT csv, HEADER)", source)
        cursor.connection.commit()
        elapsed = time.perf_counter() - start
    cursor.execute("DROP TABLE bench_bare")
    cursor.connection.commit()
    return elapsed


def child_import(path, kind="revenue"):
    """Run in a fresh process: upload, check and commit one file; print figures as JSON."""
    setup_django()
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from distributors import services
    from distributors.models import ImportBatch

    manager = get_user_model().objects.get(username="bench-manager")
    services._enqueue = lambda step, batch_id: None  # each step is called and timed below
    if os.environ.get("BENCH_SQL"):
        from django.db import connection

        def slow_statements(execute, sql, params, many, context):
            start = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                elapsed = time.perf_counter() - start
                if elapsed > 0.1:
                    print(f"sql {elapsed:6.2f} s  {' '.join(sql.split())[:110]}", file=sys.stderr)

        connection.execute_wrappers.append(slow_statements)
    figures = {}
    start = time.perf_counter()
    with open(path, "rb") as source:
        batch = services.import_batch_create(
            user=manager, kind=kind, uploaded_file=File(source, name="bench.csv")
        )
    figures["upload_s"] = time.perf_counter() - start
    figures["rss_after_upload_mb"] = peak_rss_mb()
    _, figures["check_s"] = timed(lambda: services.import_batch_validate(batch_id=batch.pk))
    figures["rss_after_check_mb"] = peak_rss_mb()
    batch = ImportBatch.objects.defer("content", "errors_csv").get(pk=batch.pk)
    if batch.status != ImportBatch.Status.VALIDATED:
        raise SystemExit(f"check failed: {batch.message} {batch.errors[:3]}")
    services.import_batch_request_commit(batch=batch, by=manager)
    _, figures["publish_s"] = timed(lambda: services.import_batch_commit(batch_id=batch.pk))
    batch = ImportBatch.objects.defer("content", "errors_csv").get(pk=batch.pk)
    if batch.status != ImportBatch.Status.COMMITTED:
        raise SystemExit(f"commit failed: {batch.message}")
    figures["total_s"] = time.perf_counter() - start
    figures["created"], figures["updated"] = batch.created_rows, batch.updated_rows
    figures["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(figures))


def big_import(scale, distributors_needed):
    from django.db import connection

    rows = max(1000, round(1_000_000 * scale))
    path = Path(tempfile.mkdtemp()) / "revenue.csv"
    with connection.cursor() as cursor:
        generate_file(cursor.cursor, rows, path)
    size_mb = path.stat().st_size / 1048576
    with connection.cursor() as cursor:
        copy_s = bare_copy(cursor.cursor, path)
    command = [sys.executable, __file__, "--child-import", str(path)]
    if os.environ.get("BENCH_PROFILE"):
        command[1:1] = ["-m", "cProfile", "-s", os.environ.get("BENCH_PROFILE_SORT", "cumtime")]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    if result.returncode:
        print(result.stdout, result.stderr)
        raise SystemExit("the import child failed")
    if os.environ.get("BENCH_PROFILE"):
        print(result.stdout[:12000])
    if os.environ.get("BENCH_SQL"):
        print(result.stderr)
    figures = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))
    assert figures["created"] == rows, figures
    ratio = figures["total_s"] / copy_s
    print(
        f"import   {rows:,} rows ({size_mb:.1f} MB CSV): {figures['total_s']:.2f} s "
        f"({rows / figures['total_s']:,.0f} rows/s; upload {figures['upload_s']:.2f} s, "
        f"check+stage {figures['check_s']:.2f} s, publish {figures['publish_s']:.2f} s), "
        f"peak RSS {figures['peak_rss_mb']:.0f} MB"
    )
    print(
        f"copy     bare COPY of the same file into a text table: {copy_s:.2f} s "
        f"({rows / copy_s:,.0f} rows/s)"
    )
    print(
        f"memory   peak RSS after upload {figures['rss_after_upload_mb']:.0f} MB, "
        f"after check {figures['rss_after_check_mb']:.0f} MB, at the end "
        f"{figures['peak_rss_mb']:.0f} MB"
    )
    floor_s = insert_floor()
    print(
        f"floor    plain INSERT of the same {rows:,} rows into an empty copy of the revenue table "
        f"(same indexes, no checks, no conflict handling): {floor_s:.2f} s, "
        f"{floor_s / copy_s:.2f} × the bare COPY"
    )
    print(f"import/copy ratio: {ratio:.2f}")
    path.unlink()


def insert_floor():
    """What writing the rows into a table shaped like revenue costs at all, for scale."""
    from django.db import connection

    from distributors.models import RevenueRecord

    table = RevenueRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor")
        cursor.execute(f"CREATE TABLE bench_floor (LIKE {table} INCLUDING ALL)")
        start = time.perf_counter()
        cursor.execute(f"INSERT INTO bench_floor SELECT * FROM {table}")  # noqa: S608
        elapsed = time.perf_counter() - start
        cursor.execute("DROP TABLE bench_floor")
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child-import", help=argparse.SUPPRESS)
    parser.add_argument("--kind", default="revenue", help=argparse.SUPPRESS)
    parser.add_argument("--child-scoring", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import:
        child_import(args.child_import, args.kind)
        return
    if args.child_scoring:
        setup_django()
        from scoring_bench import child_recompute

        child_recompute()
        return
    started = time.perf_counter()
    scale = float(os.environ.get("SCALE", "1") or 1)
    engine = prepare_database()
    setup_django()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from distributors import selectors, services
    from distributors.models import Distributor, ImportBatch, ProductLine, RevenueRecord, Tier
    from drm import periods
    from tests import factories

    if os.environ.get("BENCH_ONLY") == "load":
        from mixed_load import mixed_load_bench

        print(f"engine: {engine}; the mixed load run only")
        mixed_load_bench()
        print(f"wall time {time.perf_counter() - started:.0f} s")
        return

    if os.environ.get("BENCH_ONLY") == "scoring":
        from scoring_bench import scoring_bench

        if engine != "postgres":
            raise SystemExit("the scoring bench needs Postgres")
        manager = factories.ManagerFactory(username="bench-manager")
        print(f"engine: {engine}; SCALE={scale:g}; the scoring part only")
        scoring_bench(scale=scale, manager=manager, run_py=__file__)
        print(f"wall time {time.perf_counter() - started:.0f} s")
        return

    if os.environ.get("BENCH_ONLY") == "tiers":
        from tier_bench import tier_bench

        if engine != "postgres":
            raise SystemExit("the tiers bench needs Postgres")
        manager = factories.ManagerFactory(username="bench-manager")
        print(f"engine: {engine}; SCALE={scale:g}; the tiers part only")
        tier_bench(scale=scale, manager=manager)
        print(f"wall time {time.perf_counter() - started:.0f} s")
        return

    if os.environ.get("BENCH_ONLY") == "record":
        from record_bench import record_bench
        from scoring_world import scoring_world_build

        if engine != "postgres":
            raise SystemExit("the record bench needs Postgres")
        manager = factories.ManagerFactory(username="bench-manager")
        print(f"engine: {engine}; SCALE={scale:g}; the 360° record part only")
        scoring_world_build(
            scale=scale, today=datetime.date.today(), manager_id=manager.pk, log=print
        )
        call_command("scoring_run", "--quiet")
        record_bench(manager=manager)
        print(f"wall time {time.perf_counter() - started:.0f} s")
        return

    if os.environ.get("BENCH_ONLY") == "goals":
        from goal_bench import goal_bench

        if engine != "postgres":
            raise SystemExit("the goal bench needs Postgres")
        manager = factories.ManagerFactory(username="bench-manager")
        print(f"engine: {engine}; SCALE={scale:g}; the goal part only")
        goal_bench(scale=scale, manager=manager)
        print(f"wall time {time.perf_counter() - started:.0f} s")
        return

    if os.environ.get("BENCH_ONLY") == "incentives":
        from incentive_bench import incentive_bench

        if engine != "postgres":
            raise SystemExit("the incentives bench needs Postgres")
        manager = factories.ManagerFactory(username="bench-manager")
        print(f"engine: {engine}; SCALE={scale:g}; the incentives part only")
        incentive_bench(scale=scale, manager=manager)
        print(f"wall time {time.perf_counter() - started:.0f} s")
        return

    big_rows = max(1000, round(1_000_000 * scale))
    count = max(100, -(-big_rows // (LINES * MONTHS)))
    manager = factories.ManagerFactory(username="bench-manager")
    tier = Tier.objects.create(code="gold", name="Gold", rank=1)
    lines = ProductLine.objects.bulk_create(
        [ProductLine(code=f"line-{i}", name=f"Line {i}") for i in range(LINES)]
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
            for i in range(count)
        ]
    )
    print(f"engine: {engine}; SCALE={scale:g}; {count} distributors")

    # 1. The big import against a bare COPY (Postgres only).
    if engine == "postgres":
        big_import(scale, count)
        RevenueRecord.objects.all().delete()
    else:
        print("import   the 1,000,000-row import against COPY needs Postgres: skipped")

    # 2. Small file: the pipeline against update_or_create per row.
    small = max(200, round(2000 * scale))
    newest = last_month()
    months = [periods.add_months(newest, -m) for m in range(24)]
    combos = [(d, m, line) for d in distributors for m in months for line in lines]
    rows = combos[:small]
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
        batch = ImportBatch.objects.defer("content", "errors_csv").get(pk=batch.pk)
        assert batch.status == ImportBatch.Status.VALIDATED, batch.errors[:3]
        services.import_batch_request_commit(batch=batch, by=manager)
        services.import_batch_commit(batch_id=batch.pk)
        return ImportBatch.objects.defer("content", "errors_csv").get(pk=batch.pk).status

    status, pipeline_s = timed(pipeline)
    assert status == ImportBatch.Status.COMMITTED
    RevenueRecord.objects.all().delete()

    def baseline():
        for i, (d, m, line) in enumerate(rows):
            RevenueRecord.objects.update_or_create(
                distributor=d,
                month=m,
                product_line=line,
                customer_category=None,
                defaults={
                    "amount": Decimal(f"{(i % 997) * 10}.50"),
                    "units": i % 50,
                    "currency": "EUR",
                },
            )

    _, baseline_s = timed(baseline)
    print(
        f"small    {small} rows: pipeline {pipeline_s:6.2f} s ({small / pipeline_s:8.0f} rows/s) "
        f"| baseline update_or_create per row {baseline_s:6.2f} s "
        f"({small / baseline_s:8.0f} rows/s) | speed-up x{baseline_s / pipeline_s:.1f}"
    )
    services.revenue_reprice()

    # 3. Distributor list sorted by 12-month revenue: one annotated query vs a query per row.
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics after the bulk load, as autovacuum would
    today = periods.add_months(newest, 1)
    window = periods.complete_months(12, on=today)

    def annotated():
        return list(
            selectors.distributor_list(visible_to=manager, today=today).order_by(
                "-revenue_12m", "code"
            )[:25]
        )

    def naive():
        totals = []
        for d in Distributor.objects.all():
            total = sum(
                r.reporting_amount or 0
                for r in RevenueRecord.objects.filter(distributor=d, **window.month_filter())
            )
            totals.append((total, d.code))
        return sorted(totals, key=lambda pair: (-pair[0], pair[1]))[:25]

    annotated()  # warm the caches for both contenders alike
    top, list_s = min((timed(annotated) for _ in range(3)), key=lambda pair: pair[1])
    expected, naive_s = min((timed(naive) for _ in range(3)), key=lambda pair: pair[1])
    assert [d.code for d in top][:5] == [code for _, code in expected][:5]
    print(
        f"list     annotated first page (best of 3) {list_s * 1000:7.1f} ms | baseline query per "
        f"distributor {naive_s * 1000:9.1f} ms | speed-up x{naive_s / list_s:.1f}"
    )

    # 4. Leads: a generated channel, its pages, analytics and the MQL import (Postgres only).
    if engine == "postgres":
        from lead_bench import lead_bench

        lead_bench(scale=scale, manager=manager, run_py=__file__)
    else:
        print("leads    the generated lead channel needs Postgres: skipped")

    # 5. Goals: over the lead world's distributors, the goals list and the daily early warning.
    if engine == "postgres":
        from goal_bench import goal_bench

        goal_bench(scale=scale, manager=manager)
    else:
        print("goals    the generated goals need Postgres: skipped")

    # 5b. Incentives: a rebate programme and an accrual fund accrued over the goal world's
    # revenue, against a bare aggregate of the same revenue.
    if engine == "postgres":
        from incentive_bench import incentive_bench

        incentive_bench(scale=scale, manager=manager)
    else:
        print("incentives the generated revenue needs Postgres: skipped")

    # 6. Scoring: the full recompute over the lead and goal worlds against a bare SQL floor.
    if engine == "postgres":
        from scoring_bench import scoring_bench

        scoring_bench(scale=scale, manager=manager, run_py=__file__)
        # 7. The 360° record: distributor pages, partner home and dashboard over that world.
        from record_bench import record_bench

        record_bench(manager=manager)
        # 7b. Tiers: the nightly requalification over the same world against a bare SQL floor.
        from tier_bench import tier_bench

        tier_bench(scale=scale, manager=manager)
    else:
        print("scoring  the generated world needs Postgres: skipped")

    # 8. Mixed load: manager, partner and API traffic over the demo data, the 429 path seen.
    from mixed_load import mixed_load_bench

    mixed_load_bench()
    print(f"wall time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
