"""Loaded into the broker restart test's worker (`celery worker --include`): a task that appends
its token to a file, once per execution (no done mark, no dedupe), so that a task run twice
shows twice."""

import os

from drm.celery import app


@app.task(name="tests.drm.restart_tasks.record_run")
def record_run(path, token):
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, f"{token}\n".encode())
    finally:
        os.close(descriptor)
