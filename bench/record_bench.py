"""The 360° record part of `make bench`: the distributor page and the partner's home (with its
"Waiting for you"), and the manager's dashboard (with its own), served in-process
(django.test.Client) over the world the lead, goal and scoring parts built (10,000 distributors,
10,000,000 leads, 1,000,000 revenue rows, 50,000 goals and a published scoring run × SCALE).

For the distributor with the most leads and for a sample of ordinary ones: median and p95 of
BENCH_RECORD_REPEAT (30) requests each (the first apart), and the query count, which must be the
same for every distributor whatever its history. Target: p95 ≤ 100 ms server time.
"""

import os
import statistics
import time

REPEAT = int(os.environ.get("BENCH_RECORD_REPEAT", os.environ.get("BENCH_REPEAT", "30")))
TARGET_MS = 100
SAMPLE = 5


def _p95(times):
    times = sorted(times)
    return times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def _measure(client, url):
    """(first ms, [ms of each repeat], queries of a warm request) of GET `url`; fails loudly on
    anything but 200."""
    from django.db import connection

    # Counted with a wrapper: the test client's request signals reset Django's query log.
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    start = time.perf_counter()
    response = client.get(url)  # the first, cold: timed apart, its one-off lookups not counted
    first = (time.perf_counter() - start) * 1000
    with connection.execute_wrapper(count):
        client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return first, times, len(queries)


def _line(label, first, times, queries):
    p95 = _p95(times)
    verdict = "ok" if p95 <= TARGET_MS else f"OVER {TARGET_MS} ms"
    return (
        f"{label}: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms "
        f"({queries} queries; first {first:.0f} ms; target p95 ≤ {TARGET_MS} ms)  [{verdict}]"
    ), p95


def record_bench(*, manager, log=print):
    """The whole record part; returns {name: figure} for the summary."""
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from distributors.models import Distributor
    from identity.models import Membership

    settings.DEBUG = False
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        # What autovacuum does to a live database between the world's bulk writes and the
        # morning's pages: visibility maps set (index-only counts) and statistics fresh.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        log(f"record   VACUUM ANALYZE in {time.perf_counter() - started:.1f} s")
    big = (
        Distributor.objects.annotate(lead_count=Count("leads"))
        .order_by("-lead_count", "code")
        .values_list("code", "lead_count")
        .first()
    )
    if big is None:
        log("record   no distributors in the world: skipped")
        return {}
    big_code, big_leads = big
    total = Distributor.objects.count()
    step = max(total // SAMPLE, 1)
    sample = list(Distributor.objects.order_by("code").values_list("code", flat=True)[::step])
    sample = [code for code in sample if code != big_code][:SAMPLE]

    client = Client()
    client.force_login(manager)
    results, queries = {}, {}
    first, times, count = _measure(client, f"/distributors/{big_code}/")
    line, p95 = _line(f"360° page, {big_code} ({big_leads:,} leads)", first, times, count)
    log(line)
    results["big"], queries[big_code] = p95, count
    pooled = []
    for code in sample:
        first, times, count = _measure(client, f"/distributors/{code}/")
        pooled += times
        queries[code] = count
    line, p95 = _line(
        f"360° page, {len(sample)} ordinary distributors pooled",
        first,
        pooled,
        max(queries[code] for code in sample) if sample else 0,
    )
    log(line)
    results["sample"] = p95
    constant = len(set(queries.values())) == 1
    log(
        "360° page query count: "
        + ("the same for every distributor" if constant else f"differs: {queries}")
    )

    for scope in ("mine", "all"):
        first, times, count = _measure(client, f"/dashboard/?scope={scope}")
        line, p95 = _line(f"dashboard, scope {scope} (Waiting for you)", first, times, count)
        log(line)
        results[f"dashboard_{scope}"] = p95

    partner = (
        Membership.objects.filter(distributor__code=big_code, role="admin")
        .select_related("user")
        .first()
    )
    if partner is not None:
        partner_client = Client()
        partner_client.force_login(partner.user)
        first, times, count = _measure(partner_client, "/my/")
        line, p95 = _line(f"partner home /my/ of {big_code} (Waiting for you)", first, times, count)
        log(line)
        results["partner_home"] = p95
    else:
        log(f"partner home: {big_code} has no partner admin in the world: skipped")
    worst = max(results.values())
    log(f"record part: {time.perf_counter() - started:.0f} s; worst p95 {worst:.1f} ms")
    return {"p95_ms": worst, "constant_queries": constant}
