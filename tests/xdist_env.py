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


# The longest files, first: under `--dist loadfile` a file runs whole on one worker, so the
# longest one started last leaves the other worker idle until it ends. Slowest first (measured
# with --durations=0, 2026-12-06).
LONGEST_FIRST = (
    "tests/drm/test_routes.py",
    "tests/drm/test_schemathesis.py",
    "tests/browser/test_first_hour_in_browser.py",
    "tests/drm/test_nothing_raw.py",
    "tests/drm/test_embedded.py",
    "tests/drm/test_every_task.py",
)


def pytest_collection_modifyitems(session, config, items):
    rank = {path: index for index, path in enumerate(LONGEST_FIRST)}
    root = str(config.rootpath)

    def key(item):
        path = os.path.relpath(str(item.path), root)
        return rank.get(path, len(LONGEST_FIRST))

    items.sort(key=key)  # stable: the others keep their order
