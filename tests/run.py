"""`make test`: find Postgres, Redis and Chromium, say in one line what runs, then run pytest.

With REQUIRE_SERVICES=1 a missing service or browser is an error instead of a skip.
"""

import os
import shutil
import sys
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/drm"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def postgres_ok(url):
    import psycopg2

    parts = urlsplit(url)
    # Connect to the maintenance database: the test database is created by the test run.
    admin_url = urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
    try:
        psycopg2.connect(admin_url, connect_timeout=3).close()
    except psycopg2.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def redis_ok(url):
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        return str(exc)
    return None


def find_chromium():
    candidates = [
        os.environ.get("CHROMIUM_PATH", ""),
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
    ]
    for candidate in candidates:
        if candidate and os.path.exists(candidate):
            return candidate
    return shutil.which("chromium") or ""


def main(argv):
    require = os.environ.get("REQUIRE_SERVICES") == "1"
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    pg_error = postgres_ok(database_url) if database_url.startswith("postgres") else "not Postgres"
    redis_error = redis_ok(redis_url)
    if pg_error is None and redis_error is None:
        os.environ.update(DATABASE_URL=database_url, REDIS_URL=redis_url, DRM_SERVICES="1")
        os.environ.setdefault("TEST_DATABASE_NAME", f"test_drm_{os.getpid()}")
        # The tests clear the cache; keep that away from the broker's Redis database.
        parts = urlsplit(redis_url)
        os.environ.setdefault("CACHE_URL", urlunsplit((*parts[:2], "/15", "", "")))
        print(
            f"tests: Postgres at {urlsplit(database_url).hostname}:{urlsplit(database_url).port} "
            f"and Redis at {urlsplit(redis_url).hostname}:{urlsplit(redis_url).port}; "
            "real-service tests (Celery worker included) will run",
            flush=True,
        )
    else:
        why = "; ".join(
            f"{name}: {error}"
            for name, error in (("Postgres", pg_error), ("Redis", redis_error))
            if error
        )
        if require:
            print(f"tests: REQUIRE_SERVICES=1 but a service is missing ({why})", file=sys.stderr)
            return 2
        for name in ("DATABASE_URL", "REDIS_URL", "CACHE_URL"):
            os.environ.pop(name, None)
        os.environ["DRM_SERVICES"] = "0"
        print(f"tests: SQLITE ONLY, real-service tests are SKIPPED ({why})", flush=True)
    chromium = find_chromium()
    if chromium:
        os.environ["DRM_CHROMIUM"] = chromium
        print(f"tests: Chromium at {chromium}; browser tests will run", flush=True)
    elif require:
        print("tests: REQUIRE_SERVICES=1 but Chromium is not installed", file=sys.stderr)
        return 2
    else:
        print("tests: Chromium not found, browser tests are SKIPPED", flush=True)
    # Ordinary tests run Celery eagerly; the worker tests switch to the broker themselves.
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    os.environ.setdefault("CELERY_QUEUE", f"drm-test-{os.getpid()}")
    import pytest

    return pytest.main(with_workers(argv))


def with_workers(argv):
    """TEST_WORKERS=N (make test: 2, the machine's cores) runs the tests in N processes
    (pytest-xdist), a test file each at a time, each process with its own test database, cache
    database and Celery queue (tests/xdist_env.py). 0, or an explicit -n, leaves argv as is."""
    # The plugin is imported before pytest puts the project on the path, in every process.
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path.insert(0, root)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [root, os.environ.get("PYTHONPATH", "")])
    )
    workers = os.environ.get("TEST_WORKERS", "0")
    if workers in ("", "0", "1") or any(arg == "-n" or arg.startswith("-n") for arg in argv):
        return ["-p", "tests.xdist_env", *argv]
    print(f"tests: {workers} processes (pytest-xdist, a file each at a time)", flush=True)
    # Files in the order tests/xdist_env.py gives them (the longest first), not by test count.
    return [
        "-p",
        "tests.xdist_env",
        "-n",
        workers,
        "--dist",
        "loadfile",
        "--no-loadscope-reorder",
        *argv,
    ]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
