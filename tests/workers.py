"""Real processes against the test database: a Celery worker, or any child Python process."""

import contextlib
import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

from drm.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]


def database_url():
    """The test database, for a child process (it must see committed rows: transaction=True)."""
    settings = connection.settings_dict
    return (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


@contextlib.contextmanager
def celery_worker(settings, name, args=(), **env):
    """Run `celery worker` on a private queue against the test database; tasks go to it.
    `args` are more options for the worker (`--include module`)."""
    queue = f"drm-{name}-{os.getpid()}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_QUEUE": queue,
        "DJANGO_SETTINGS_MODULE": "drm.settings",
        **env,
    }
    command = [sys.executable, "-m", "celery", "-A", "drm", "worker", "-Q", queue]
    command += ["--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle"]
    command += list(args)
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    previous = (celery_app.conf.task_always_eager, celery_app.conf.task_default_queue)
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield process
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = previous
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output[-4000:])
