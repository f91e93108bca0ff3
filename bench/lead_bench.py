"""The lead part of `make bench`: a generated channel, its pages and analytics, and the MQL import.

- the world (lead_world): 10,000 distributors and 10,000,000 leads (× SCALE) with their events,
  rejections and rebuilt rollups, generated inside Postgres;
- the manager's lead list under a few filters, first and deep page, and a big distributor's
  partner inbox: the real views through django.test.Client, median and p95 server time and the
  query count, which must not change with the page position or the data size;
- the analytics page (one distributor; the whole channel) and /api/v1/funnel/, from rollups;
- a 1,000,000-row MQL file (× SCALE) through the real pipeline in a child process, against a bare
  COPY of the same file into a text table: `lead import/copy ratio: X.XX`.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lead_world import COUNTRIES, LINES, SOURCES, world_build, world_now

REPEAT = int(os.environ.get("BENCH_REPEAT", "25"))
LIST_TARGET_MS = 50
ANALYTICS_TARGET_MS = 200
IMPORT_TARGET_RATIO = 5
FILE_COLUMNS = (
    "source",
    "external_ref",
    "company",
    "contact_name",
    "contact_email",
    "contact_phone",
    "country",
    "region",
    "postcode",
    "product_line",
    "estimated_value",
    "currency",
    "mql_score",
)


def _served(client, url, repeat=REPEAT):
    """(first ms, median ms, p95 ms, queries) of GET `url`: a first request, counted (its time
    kept apart: cold caches), then `repeat` timed."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = client.get(url)
        first = (time.perf_counter() - start) * 1000
    # Counted now: the next request empties the connection's log the capture reads from.
    queries = len(captured)
    if response.status_code != 200:
        raise SystemExit(f"GET {url}: {response.status_code}")
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return first, statistics.median(times), p95, queries


def _line(label, served, target, extra=""):
    first, median, p95, queries = served
    verdict = "ok" if p95 <= target else f"OVER {target} ms"
    return (
        f"{label:<46} median {median:6.1f} ms  p95 {p95:6.1f} ms  {queries:2d} queries"
        f"  (first {first:.0f} ms){extra}  [{verdict}]"
    )


def _deep_cursor(manager, filters):
    """A cursor into the middle of the filtered list: the page a year back."""
    import datetime

    from django.utils import timezone

    from leads import selectors

    leads = selectors.lead_list(visible_to=manager, filters=filters)
    middle = leads.filter(created_at__lt=timezone.now() - datetime.timedelta(days=365)).first()
    return selectors.cursor_encode(middle) if middle else None


def pages(*, manager, partner, small_partner, distributor, log=print):
    """The manager's list and the partner inbox: timings and query counts; returns the counts."""
    from django.test import Client
    from django.urls import reverse

    from leads.models import Lead, LeadSource

    source = LeadSource.objects.get(code=SOURCES[0][0])
    cases = [
        ("no filter", "", {}),
        ("status=accepted", "status=accepted", {"status": Lead.Status.ACCEPTED}),
        (
            f"distributor={distributor.code}",
            f"distributor={distributor.code}",
            {"distributor": distributor.code},
        ),
        (
            f"source={source.code}&country=DE",
            f"source={source.code}&country=DE",
            {"source": source.code, "country": "DE"},
        ),
        ("overdue", "overdue=on", {"overdue": "on"}),
    ]
    client = Client()
    client.force_login(manager)
    base = reverse("leads:list")
    counts = {}
    worst = 0.0
    for label, query, filters in cases:
        served = _served(client, f"{base}?{query}")
        cursor = _deep_cursor(manager, filters)
        extra = ""
        if cursor:
            deep = f"{base}?{query}{'&' if query else ''}after={cursor}"
            _first, deep_median, deep_p95, deep_queries = _served(client, deep)
            assert deep_queries == served[3], (label, served[3], deep_queries)
            extra = f" | a year back: {deep_median:5.1f} / {deep_p95:5.1f} ms, {deep_queries} q"
            served = (*served[:2], max(served[2], deep_p95), served[3])
        worst = max(worst, served[2])
        counts[label] = served[3]
        log(_line(f"list     {label}", served, LIST_TARGET_MS, extra))
    inbox = reverse("leads:inbox")
    partner_client = Client()
    partner_client.force_login(partner)
    served = _served(partner_client, inbox)
    small_client = Client()
    small_client.force_login(small_partner)
    small_queries = _served(small_client, inbox, repeat=1)[3]
    assert small_queries == served[3], ("inbox", served[3], small_queries)
    open_leads = Lead.objects.filter(distributor=distributor, status__in=Lead.OWNED).count()
    log(
        _line(
            f"inbox    {distributor.code} ({open_leads:,} open leads)",
            served,
            LIST_TARGET_MS,
            f" (a small distributor: {small_queries} q)",
        )
    )
    counts["inbox"] = served[3]
    return counts, max(worst, served[2])


def _crowded_partner(exclude):
    """A partner admin of a distributor in the tier with the most distributors: its peer
    comparison reads the most rows."""
    from django.db.models import Count

    from distributors.models import Tier
    from identity.models import Membership

    tier = Tier.objects.annotate(n=Count("distributors")).order_by("-n").first()
    membership = (
        Membership.objects.filter(role=Membership.Role.ADMIN, distributor__tier=tier)
        .exclude(distributor=exclude)
        .select_related("user", "distributor")
        .order_by("distributor__code")
        .first()
    )
    return membership, tier.n


def analytics(*, manager, partner, distributor, log=print):
    from django.core.cache import cache
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(manager)
    partner_client = Client()
    partner_client.force_login(partner)
    crowded, tier_size = _crowded_partner(distributor)
    crowded_client = Client()
    crowded_client.force_login(crowded.user)
    other = crowded.distributor.code
    page, api = reverse("leads:analytics"), reverse("api:funnel")
    worst = 0.0
    for label, who, url in (
        ("analytics page, whole channel", client, page),
        (
            f"analytics page, {distributor.code} (manager)",
            client,
            f"{page}?distributor={distributor.code}",
        ),
        (f"analytics page, {distributor.code} (partner)", partner_client, page),
        (f"analytics page, {other} (partner, tier of {tier_size:,})", crowded_client, page),
        ("api funnel, whole channel", client, api),
        (f"api funnel, {distributor.code}", client, f"{api}?distributor={distributor.code}"),
        (f"api funnel, {other}", client, f"{api}?distributor={other}"),
    ):
        served = _served(who, url)
        worst = max(worst, served[2])
        log(_line(label, served, ANALYTICS_TARGET_MS))
    # The settled months come from a cache (leads.analytics._settled): what a miss costs.
    cache.clear()
    start = time.perf_counter()
    client.get(page)
    log(
        f"analytics page, whole channel, empty cache: {(time.perf_counter() - start) * 1000:.0f} ms"
        " (once a day, or after a rollups rebuild)"
    )
    return worst


def _generate_file(cursor, rows, path, stamp):
    """An MQL CSV of `rows` new leads, generated inside Postgres (generate_series)."""
    countries = "ARRAY[" + ", ".join(f"'{code}'" for code, _c, _n in COUNTRIES) + "]"
    currencies = "ARRAY[" + ", ".join(f"'{currency}'" for _c, currency, _n in COUNTRIES) + "]"
    sources = "ARRAY[" + ", ".join(f"'{code}'" for code, _n, _k in SOURCES) + "]"
    sql = f"""
        COPY (
            SELECT ({sources})[1 + mod(n * 7, {len(SOURCES)})::int] AS source,
                'IMP-{stamp}-' || lpad(n::text, 8, '0') AS external_ref,
                'Imported Company ' || mod(n, 99991) || ' Ltd' AS company,
                'Contact ' || mod(n, 9973) AS contact_name,
                'buyer' || n || '@imported' || mod(n, 9973) || '.example' AS contact_email,
                '+49 30 ' || lpad(mod(n * 7919, 10000000)::text, 7, '0') AS contact_phone,
                ({countries})[1 + mod(n * 13, {len(COUNTRIES)})::int] AS country,
                (ARRAY['North', 'South', 'East', 'West'])[1 + mod(n, 4)::int] AS region,
                lpad(mod(n * 7907, 99999)::text, 5, '0') AS postcode,
                'line-' || mod(n, {LINES}) AS product_line,
                to_char(mod(n * 7919, 99991) * 1.5 + 500, 'FM9999990.00') AS estimated_value,
                ({currencies})[1 + mod(n * 13, {len(COUNTRIES)})::int] AS currency,
                (40 + mod(n * 31, 61))::text AS mql_score
            FROM generate_series(0::bigint, {rows - 1}) AS n
        ) TO STDOUT WITH (FORMAT csv, HEADER)
    """  # noqa: S608 - numbers and module constants only
    with open(path, "wb") as out:
        cursor.copy_expert(sql, out)


def _bare_copy(cursor, path):
    columns = ", ".join(f"{name} text" for name in FILE_COLUMNS)
    cursor.execute("DROP TABLE IF EXISTS bench_bare_leads")
    cursor.execute(f"CREATE TABLE bench_bare_leads ({columns})")
    with open(path, "rb") as source:
        start = time.perf_counter()
        cursor.copy_expert("COPY bench_bare_leads FROM STDIN WITH (FORMAT csv, HEADER)", source)
        cursor.connection.commit()
        elapsed = time.perf_counter() - start
    cursor.execute("DROP TABLE bench_bare_leads")
    cursor.connection.commit()
    return elapsed


def _floors(stamp):
    """Seconds to write the imported leads, with no checks and no conflict handling, (a) into an
    empty copy of the lead table with all its indexes, (b) into the lead table itself, rolled
    back; and (c) the same for their events into the event table, rolled back."""
    from django.db import connection, transaction

    from leads.models import Lead, LeadEvent

    lead, event = Lead._meta.db_table, LeadEvent._meta.db_table
    imported = f"SELECT * FROM {lead} WHERE external_ref LIKE 'IMP-{stamp}-%'"  # noqa: S608
    floors = {}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor_leads")
        cursor.execute(f"CREATE TABLE bench_floor_leads (LIKE {lead} INCLUDING ALL)")
        start = time.perf_counter()
        cursor.execute(f"INSERT INTO bench_floor_leads {imported}")
        floors["empty copy"] = time.perf_counter() - start
        cursor.execute("DROP TABLE bench_floor_leads")
    columns = [f.column for f in Lead._meta.concrete_fields if f.column != "id"]
    listed = ", ".join(columns)
    chosen = ", ".join(
        "l.external_ref || '-floor'" if c == "external_ref" else f"l.{c}" for c in columns
    )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            start = time.perf_counter()
            cursor.execute(
                f"INSERT INTO {lead} ({listed}) SELECT {chosen} FROM ({imported}) l "  # noqa: S608
                "RETURNING id"
            )
            ids = [row[0] for row in cursor.fetchall()]
            floors["into the table"] = time.perf_counter() - start
            start = time.perf_counter()
            cursor.execute(
                f"INSERT INTO {event} (lead_id, at, from_status, to_status, note, cause, "  # noqa: S608
                "reason, late) SELECT id, now(), '', 'mql', '', 'imported', '', false "
                f"FROM unnest(%s::bigint[]) AS id",
                [ids],
            )
            floors["events"] = time.perf_counter() - start
            raise _Rollback
    except _Rollback:
        pass
    return floors


class _Rollback(Exception):
    pass


def lead_import(*, scale, run_py, log=print):
    from django.conf import settings
    from django.db import connection

    rows = max(1000, round(1_000_000 * scale))
    stamp = str(int(time.time()))
    path = Path(tempfile.mkdtemp()) / "leads.csv"
    with connection.cursor() as cursor:
        _generate_file(cursor.cursor, rows, path, stamp)
    size_mb = path.stat().st_size / 1048576
    with connection.cursor() as cursor:
        copy_s = _bare_copy(cursor.cursor, path)
    command = [sys.executable, run_py, "--child-import", str(path), "--kind", "lead"]
    if os.environ.get("BENCH_PROFILE"):
        command[1:1] = ["-m", "cProfile", "-s", os.environ.get("BENCH_PROFILE_SORT", "cumtime")]
    env = os.environ.copy()
    limit = settings.IMPORT_MAX_BYTES
    if path.stat().st_size > limit:
        # An MQL row with its contact is ~150 bytes: a million of them exceed the upload limit,
        # which a deployment sets (IMPORT_MAX_BYTES); the bench raises it for its child.
        env["IMPORT_MAX_BYTES"] = str(path.stat().st_size + 1048576)
        log(
            f"lead import: the {size_mb:.0f} MB file exceeds the {limit / 1048576:.0f} MB upload "
            "limit; the child runs with IMPORT_MAX_BYTES raised to fit it"
        )
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode:
        print(result.stdout, result.stderr)
        raise SystemExit("the lead import child failed")
    if os.environ.get("BENCH_PROFILE"):
        print(result.stdout[:12000])
    if os.environ.get("BENCH_SQL"):
        print(result.stderr)
    figures = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))
    assert figures["created"] == rows, figures
    ratio = figures["total_s"] / copy_s
    log(
        f"lead import {rows:,} rows ({size_mb:.1f} MB CSV): {figures['total_s']:.2f} s "
        f"({rows / figures['total_s']:,.0f} rows/s; upload {figures['upload_s']:.2f} s, "
        f"check+stage {figures['check_s']:.2f} s, publish {figures['publish_s']:.2f} s), "
        f"peak RSS {figures['peak_rss_mb']:.0f} MB"
    )
    log(
        f"lead copy   bare COPY of the same file into a text table: {copy_s:.2f} s "
        f"({rows / copy_s:,.0f} rows/s)"
    )
    floors = _floors(stamp)
    log(
        f"lead floor  plain INSERT of the same {rows:,} leads, no checks, no conflict handling: "
        f"into an empty copy of the lead table (same indexes) {floors['empty copy']:.2f} s "
        f"({floors['empty copy'] / copy_s:.2f} × COPY); into the lead table itself "
        f"{floors['into the table']:.2f} s ({floors['into the table'] / copy_s:.2f} × COPY), "
        f"plus their events {floors['events']:.2f} s"
    )
    log(f"lead import/copy ratio: {ratio:.2f}")
    path.unlink()
    return ratio


def lead_bench(*, scale, manager, run_py, log=print):
    """The whole lead part; returns {name: figure} for the summary."""
    from django.contrib.auth import get_user_model

    from distributors.models import Distributor
    from identity.models import Membership

    world = world_build(scale=scale, now=world_now(), manager_id=manager.pk, log=log)
    users = get_user_model().objects
    partner = users.get(username=world.big_partner_username)
    distributor = Distributor.objects.get(code=world.big_distributor_code)
    small = (
        Membership.objects.filter(role=Membership.Role.ADMIN, distributor__code__startswith="L")
        .exclude(distributor=distributor)
        .order_by("-distributor__code")
        .select_related("user")
        .first()
    )
    load = " ".join(f"{value:.1f}" for value in os.getloadavg())
    log(f"load     average over 1, 5, 15 min: {load} ({os.cpu_count()} cores)")
    counts, list_worst = pages(
        manager=manager,
        partner=partner,
        small_partner=small.user,
        distributor=distributor,
        log=log,
    )
    analytics_worst = analytics(manager=manager, partner=partner, distributor=distributor, log=log)
    ratio = lead_import(scale=scale, run_py=run_py, log=log)
    log("after the import (more leads, the newest sharing one timestamp):")
    counts_after, list_after = pages(
        manager=manager,
        partner=partner,
        small_partner=small.user,
        distributor=distributor,
        log=log,
    )
    assert counts_after == counts, (counts, counts_after)
    log("query counts: the same at both page positions and both data sizes")
    return {
        "world": world,
        "list_p95_ms": max(list_worst, list_after),
        "analytics_p95_ms": analytics_worst,
        "import_ratio": ratio,
    }
