"""Failures on demand for reliability tests: a database error on a chosen statement, the whole
database state to compare before and after, the retries a task asked for."""

import contextlib

from celery import signals
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import DatabaseError, connection

APP_LABELS = ("notifications", "identity", "distributors", "leads", "goals", "scoring")


@contextlib.contextmanager
def database_fails(*, on="", nth=1, error=DatabaseError):
    """Raise `error` instead of running the `nth` statement whose SQL contains `on` (any
    statement when empty), as a dropped connection or a full disk would; nth=0 only records.
    Yields the statements seen (SQL text), so a test can check where the failure struck."""
    seen = []

    def wrapper(execute, sql, params, many, context):
        if on in sql:
            seen.append(sql)
            if len(seen) == nth:
                raise error(f"injected failure on statement {nth}: {sql[:80]}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def _rows(model, rebuilt):
    if model._meta.db_table in rebuilt:  # recomputed whole: the content counts, not the ids
        rows = [{k: v for k, v in row.items() if k != "id"} for row in model._base_manager.values()]
        return sorted(rows, key=repr)
    return list(model._base_manager.order_by("pk").values())


def database_state(exclude=(), rebuilt=()):
    """Every row of the portal's tables (and users), and the e-mails sent so far. Tables in
    `rebuilt` are compared without their ids."""
    models = [get_user_model()]
    for label in APP_LABELS:
        models += list(apps.get_app_config(label).get_models())
    state = {m._meta.db_table: _rows(m, rebuilt) for m in models if m._meta.db_table not in exclude}
    if "mail.outbox" not in exclude:
        state["mail.outbox"] = [(m.subject, tuple(m.to)) for m in getattr(mail, "outbox", [])]
    return state


def differences(before, after):
    """Names of the tables that differ (for a readable assertion message)."""
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )


@contextlib.contextmanager
def retries_recorded():
    """The countdowns (seconds) of the retries tasks asked for while inside."""
    countdowns = []

    def record(sender=None, request=None, reason=None, **kwargs):
        countdowns.append(getattr(reason, "when", None))

    signals.task_retry.connect(record, weak=False)
    try:
        yield countdowns
    finally:
        signals.task_retry.disconnect(record)
