"""Loaded with `-p tests.xdist_env` before Django reads its settings: under pytest-xdist, each
worker process gets its own cache database and Celery queue (its test database already gets
its own name, pytest-django's `_gw0` suffix), so that one worker clearing the cache or a
worker test's Celery worker never touches the other's."""

import os
from urllib.parse import urlsplit, urlunsplit

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")

if WORKER.startswith("gw"):
    number = int(WORKER[2:])
    if os.environ.get("CACHE_URL"):
        parts = urlsplit(os.environ["CACHE_URL"])
        database = int(parts.path.strip("/") or 0)
        # Counted down from the run's cache database (15): 15, 14, … never the broker's (0).
        os.environ["CACHE_URL"] = urlunsplit((*parts[:2], f"/{database - number}", "", ""))
    if os.environ.get("CELERY_QUEUE"):
        os.environ["CELERY_QUEUE"] = f"{os.environ['CELERY_QUEUE']}-{WORKER}"
