"""The API load run of `make bench`: /api/v1/scorecards/ against a bare DRF endpoint.

The portal is served by gunicorn on loopback (the bench database, the Redis cache as in
production, persistent database connections), with bench/load_urls.py adding `/bench/bare/`: a
DRF view with the same token authentication that does no work. Locust (headless, bounded in
users and time, loopback only) runs the bare users, then the scorecard users (the ranking's first
pages, a tier, other orderings, a 200-row page, one distributor's card), then the scorecard
users again with the rendered-answer cache turned off (SCORING_API_CACHE_SECONDS=0), so the cold
path is printed beside the warm one. Prints requests/s, median and p95 of each, and
`scorecards/bare throughput ratio: X.XX` (target: p95 ≤ 50 ms, ratio ≥ 0.60).
"""

import csv
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
P95_TARGET_MS = 50
RATIO_TARGET = 0.60
WORKERS = int(os.environ.get("BENCH_LOAD_WORKERS", "2"))
USERS = int(os.environ.get("BENCH_LOAD_USERS", "4"))
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "20"))
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/13")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_reachable():
    import redis

    try:
        client = redis.Redis.from_url(CACHE_URL, socket_connect_timeout=2)
        client.flushdb()  # the bench's own cache database: start cold
        return True
    except redis.RedisError:
        return False


class Server:
    """gunicorn serving the portal (plus the bare endpoint) on a free loopback port."""

    def __init__(self, token, database_url=None, **settings):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = token
        env = os.environ.copy()
        # One token sends every request: the throttle stays in the path (its cache round trip is
        # part of each request's cost) at a rate the run cannot reach, unless the caller sets one.
        env.setdefault("API_READ_RATE", "100000000/minute")
        env.update(
            DJANGO_SETTINGS_MODULE="load_settings",
            REDIS_URL=CACHE_URL,
            CACHE_URL=CACHE_URL,
            CELERY_BROKER_URL="memory://",
            CELERY_TASK_ALWAYS_EAGER="1",
            CONN_MAX_AGE="60",
            DEBUG="0",
            ALLOWED_HOSTS="127.0.0.1",
            PYTHONPATH=os.pathsep.join([str(ROOT / "bench"), str(ROOT)]),
            **{name: str(value) for name, value in settings.items()},
        )
        if database_url:
            env["DATABASE_URL"] = database_url
        self.process = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
            [
                str(BIN / "gunicorn"),
                "drm.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(WORKERS),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def get(self, path):
        request = urllib.request.Request(  # noqa: S310 (loopback, http)
            self.url + path, headers={"Authorization": f"Token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read()

    def wait(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped: {self.process.stderr.read()[-2000:]}")
            try:
                if self.get("/bench/bare/")[0] == 200:
                    return self
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        raise SystemExit("gunicorn did not answer within 60 s")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def run_locust(
    server, user_classes, env, workdir, *, locustfile="locustfile.py", users=None, seconds=None
):
    """One headless locust run of `user_classes` (names in bench/`locustfile`) against
    `server`: the stats rows of its CSV by request name (and "Aggregated"); each failure is
    printed."""
    users = users or USERS
    seconds = seconds or SECONDS
    prefix = Path(workdir) / "-".join(user_classes)
    result = subprocess.run(  # noqa: S603 (our own locust, fixed arguments)
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / locustfile),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{seconds}s",
            "--stop-timeout",
            "10",
            "--host",
            server.url,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "ERROR",
            *user_classes,
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=seconds + 120,
    )
    stats_path = Path(f"{prefix}_stats.csv")
    if not stats_path.exists():
        raise SystemExit(f"locust wrote no stats: {result.stderr[-2000:]}")
    with stats_path.open() as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    failures_path = Path(f"{prefix}_failures.csv")
    if failures_path.exists():
        with failures_path.open() as failures:
            for row in csv.DictReader(failures):
                print(f"locust   FAILED {row['Name']}: {row['Error']} × {row['Occurrences']}")
    return rows


def _summary(rows):
    total = rows["Aggregated"]
    return {
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "rps": float(total["Requests/s"]),
        "median_ms": float(total["50%"]),
        "p95_ms": float(total["95%"]),
    }


def _line(label, figures):
    return (
        f"{label}: {figures['requests']:,} requests, {figures['failures']} failed, "
        f"{figures['rps']:.0f} req/s, median {figures['median_ms']:.0f} ms, "
        f"p95 {figures['p95_ms']:.0f} ms"
    )


def api_load_bench(*, manager, log=print):
    """The whole load run; {name: figure} for the summary, or None when Redis is absent."""
    from rest_framework.authtoken.models import Token

    from distributors.models import Distributor, Tier
    from scoring.models import Scorecard
    from scoring.services import latest_run

    if not _redis_reachable():
        log(f"api load the run needs Redis at {CACHE_URL}: skipped")
        return None
    token = Token.objects.get_or_create(user=manager)[0].key
    ranked = Scorecard.objects.filter(run=latest_run()).count()
    env = {
        "BENCH_TOKEN": token,
        "BENCH_PAGES": str(max(1, -(-ranked // 50))),
        "BENCH_TIERS": ",".join(Tier.objects.values_list("code", flat=True)[:10]),
        "BENCH_CODES": ",".join(
            Distributor.objects.order_by("code").values_list("code", flat=True)[:50]
        ),
    }
    figures = {}
    with tempfile.TemporaryDirectory() as workdir:
        for label, user_class, settings in (
            ("bare", "BareUser", {}),
            ("scorecards", "ScorecardsUser", {}),
            ("scorecards uncached", "ScorecardsUser", {"SCORING_API_CACHE_SECONDS": 0}),
        ):
            server = Server(token, **settings).wait()
            try:
                rows = run_locust(server, [user_class], env, workdir)
            finally:
                server.stop()
            figures[label] = _summary(rows)
            log(f"api load {_line(label, figures[label])}")
            for name, row in rows.items():
                if name != "Aggregated" and len(rows) > 2:
                    log(
                        f"api load   {name}: {int(row['Request Count']):,} requests, "
                        f"p95 {float(row['95%']):.0f} ms"
                    )
    bare, cards, cold = figures["bare"], figures["scorecards"], figures["scorecards uncached"]
    ratio = cards["rps"] / bare["rps"] if bare["rps"] else 0.0
    cold_ratio = cold["rps"] / bare["rps"] if bare["rps"] else 0.0
    log(
        f"api load {USERS} users back to back for {SECONDS} s each, gunicorn {WORKERS} workers "
        f"on loopback; scorecards p95 {cards['p95_ms']:.0f} ms (target ≤ {P95_TARGET_MS} ms), "
        f"without the answer cache {cold['p95_ms']:.0f} ms and ratio {cold_ratio:.2f}"
    )
    log(f"scorecards/bare throughput ratio: {ratio:.2f} (target ≥ {RATIO_TARGET:.2f})")
    return {
        "bare_rps": bare["rps"],
        "scorecards_rps": cards["rps"],
        "scorecards_p95_ms": cards["p95_ms"],
        "throughput_ratio": ratio,
        "uncached_p95_ms": cold["p95_ms"],
        "uncached_ratio": cold_ratio,
        "failures": bare["failures"] + cards["failures"] + cold["failures"],
    }
