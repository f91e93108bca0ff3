"""The mixed load run of `make bench`: manager, partner and API traffic over the demo data.

A throw-away Postgres database (`<BENCH_DATABASE>_demo`) gets the demo (`demo_data`,
`demo_leads`, `demo_goals`, `demo_funds`, `demo_incentives`, `scoring_run`: ~40 distributors,
~20,000 leads, goals, funds, incentive programmes, a published run); gunicorn serves the portal
on loopback with the API's read budget at BENCH_MIXED_READ_RATE (120/minute) per token; locust
(headless, bounded, bench/locust_mixed.py) runs for BENCH_MIXED_SECONDS (30) with a manager and
a partner in the browser (logged in through the form), a BI tool with each one's token, and a
probe token reading back to back past its budget.
Prints each endpoint's requests, failures, median and p95, the 429s the probe got (with
Retry-After), and `mixed load errors: N` (target 0).
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from api_load import BIN, CACHE_URL, Server, _redis_reachable, run_locust

ROOT = Path(__file__).resolve().parents[1]
SECONDS = int(os.environ.get("BENCH_MIXED_SECONDS", "30"))
READ_RATE = os.environ.get("BENCH_MIXED_READ_RATE", "120/minute")
# (user class, how many: its fixed_count in bench/locust_mixed.py)
USERS = [
    ("ManagerPages", 2),
    ("PartnerPages", 2),
    ("ManagerApi", 1),
    ("PartnerApi", 1),
    ("ThrottleProbe", 1),
]


def _demo_database(log):
    """A fresh database with the demo in it; its URL."""
    from run import fresh_database

    url = os.environ["DATABASE_URL"]
    name = f"{urlsplit(url).path.lstrip('/')}_demo"
    demo_url = fresh_database(url, name)
    env = {
        **os.environ,
        "DATABASE_URL": demo_url,
        "DJANGO_SETTINGS_MODULE": "drm.settings",
        "CELERY_TASK_ALWAYS_EAGER": "1",
    }
    env.pop("REDIS_URL", None)
    env.pop("CACHE_URL", None)
    for command in (
        ["migrate", "--noinput", "-v", "0"],
        ["demo_data", "--quiet"],
        ["demo_leads", "--quiet"],
        ["demo_goals", "--quiet"],
        ["demo_funds", "--quiet"],
        ["demo_incentives", "--quiet"],
        ["scoring_run", "--quiet"],
    ):
        subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
            [sys.executable, str(ROOT / "manage.py"), *command],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    log(f"mixed    demo data in {name}")
    # The targets' held-out year on the demo world (bench/target_bench.py), while it is here.
    forecast = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
        [sys.executable, str(ROOT / "bench" / "target_bench.py")],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    for line in forecast.stdout.splitlines():
        log(line)
    return demo_url


def _tokens(demo_url):
    """Tokens of the demo manager, partner and the probe (manager-apac), made in the demo
    database by a child (this process's Django points at the bench database)."""
    code = (
        "from django.contrib.auth import get_user_model\n"
        "from rest_framework.authtoken.models import Token\n"
        "from distributors.models import Distributor\n"
        "users = get_user_model().objects\n"
        "for name in ('manager', 'partner', 'manager-apac'):\n"
        "    print(Token.objects.get_or_create(user=users.get(username=name))[0].key)\n"
        "print(','.join(Distributor.objects.order_by('code').values_list('code', flat=True)))\n"
    )
    result = subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
        env={**os.environ, "DATABASE_URL": demo_url, "DJANGO_SETTINGS_MODULE": "drm.settings"},
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    manager, partner, probe, codes = result.stdout.strip().splitlines()[-4:]
    return manager, partner, probe, codes


def mixed_load_bench(*, log=print):
    """The whole run; {name: figure} for the summary, or None without Redis or Postgres."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        log("mixed    the mixed load run needs Postgres: skipped")
        return None
    if not _redis_reachable():
        log(f"mixed    the mixed load run needs Redis at {CACHE_URL}: skipped")
        return None
    if not (BIN / "gunicorn").exists():
        log("mixed    gunicorn is not installed: skipped")
        return None
    demo_url = _demo_database(log)
    manager, partner, probe, codes = _tokens(demo_url)
    env = {
        "BENCH_MANAGER_TOKEN": manager,
        "BENCH_PARTNER_TOKEN": partner,
        "BENCH_PROBE_TOKEN": probe,
        "BENCH_CODES": codes,
    }
    server = Server(manager, database_url=demo_url, API_READ_RATE=READ_RATE).wait()
    users = sum(count for _name, count in USERS)
    try:
        with tempfile.TemporaryDirectory() as workdir:
            rows = run_locust(
                server,
                [name for name, _count in USERS],
                env,
                workdir,
                locustfile="locust_mixed.py",
                users=users,
                seconds=SECONDS,
            )
    finally:
        server.stop()
    errors = 0
    throttled = 0
    for name, row in sorted(rows.items()):
        if name == "Aggregated":
            continue
        count, failed = int(row["Request Count"]), int(row["Failure Count"])
        if row["Type"] == "429":
            throttled += count
            continue
        errors += failed
        log(
            f"mixed    {name}: {count:,} requests, {failed} failed, median "
            f"{float(row['50%']):.0f} ms, p95 {float(row['95%']):.0f} ms"
        )
    total = rows["Aggregated"]
    log(
        f"mixed    {users} users ({', '.join(f'{c} {n}' for n, c in USERS)}) for {SECONDS} s, "
        f"gunicorn {os.environ.get('BENCH_LOAD_WORKERS', '2')} workers on loopback: "
        f"{int(total['Request Count']):,} requests, {float(total['Requests/s']):.0f} req/s; "
        f"the probe got {throttled:,} answers 429 with Retry-After (read budget {READ_RATE})"
    )
    log(f"mixed load errors: {errors}")
    return {"errors": errors, "throttled": throttled, "requests": int(total["Request Count"])}
