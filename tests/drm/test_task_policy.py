"""The one task policy (drm/task_policy.py): every task follows it; transient errors only are
retried, after 1, 2, 4... seconds, jittered and capped; a message runs once; a message delivered
too often fails instead of running again."""

import smtplib

import pytest
import redis
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError

from drm.celery import app
from drm.errors import ValidationFailed
from drm.task_policy import DeliveriesExhausted, PortalTask, is_transient
from tests.faults import retries_recorded

PORTAL_APPS = ("notifications.", "distributors.", "leads.", "goals.", "scoring.")

calls = []


@app.task(base=PortalTask, bind=True, name="tests.drm.flaky")
def flaky(self, failures, error):
    """Fails `failures` times with `error` (a name below), then succeeds."""
    return fail_then_succeed(self, failures, error)


def fail_then_succeed(task, failures, error):
    calls.append(task.request.retries)
    if len(calls) <= failures:
        raise ERRORS[error]()
    return "done"


@app.task(
    base=PortalTask, bind=True, name="tests.drm.steady", retry_jitter=False, retry_backoff_max=6
)
def steady(self, failures, error):
    """`flaky` without jitter and with a low cap: its waits are exact."""
    return fail_then_succeed(self, failures, error)


ERRORS = {
    "operational": lambda: OperationalError("server closed the connection unexpectedly"),
    "interface": lambda: InterfaceError("connection already closed"),
    "redis": lambda: redis.exceptions.ConnectionError("Connection refused"),
    "smtp-451": lambda: smtplib.SMTPDataError(451, b"4.3.0 Try again later"),
    "smtp-disconnected": lambda: smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
    "refused": lambda: ConnectionRefusedError(111, "Connection refused"),
    "value": lambda: ValueError("a bug"),
    "validation": lambda: ValidationFailed("Enter a valid e-mail address."),
    "integrity": lambda: IntegrityError("duplicate key value"),
    "database": lambda: DatabaseError("division by zero"),
    "smtp-550": lambda: smtplib.SMTPDataError(550, b"5.1.1 No such user"),
    "recipients-refused": lambda: smtplib.SMTPRecipientsRefused({"a@b.example": (550, b"no")}),
}
TRANSIENT = ["operational", "interface", "redis", "smtp-451", "smtp-disconnected", "refused"]
PERMANENT = ["value", "validation", "integrity", "database", "smtp-550", "recipients-refused"]


@pytest.fixture(autouse=True)
def _fresh_calls():
    calls.clear()


def portal_tasks():
    app.loader.import_default_modules()
    return sorted(name for name in app.tasks if name.startswith(PORTAL_APPS))


def test_every_task_of_the_portal_follows_the_one_policy():
    names = portal_tasks()

    assert len(names) >= 13, names
    for name in names:
        task = app.tasks[name]
        assert isinstance(task, PortalTask), name
        assert OperationalError in task.autoretry_for, name
        assert task.retry_backoff and task.retry_jitter, name
        assert (task.retry_backoff_max, task.max_retries) == (300, 5), name
        assert task.acks_late and task.reject_on_worker_lost, name


@pytest.mark.parametrize("error", TRANSIENT)
def test_a_transient_error_is_transient(error):
    assert is_transient(ERRORS[error]())


@pytest.mark.parametrize("error", PERMANENT)
def test_a_permanent_error_is_not(error):
    assert not is_transient(ERRORS[error]())


@pytest.mark.parametrize("error", TRANSIENT)
def test_a_task_is_retried_after_a_transient_error_until_it_succeeds(error):
    with retries_recorded() as countdowns:
        result = flaky.apply(args=[2, error])

    assert result.successful() and result.result == "done"
    assert calls == [0, 1, 2]
    assert len(countdowns) == 2


@pytest.mark.parametrize("error", PERMANENT)
def test_a_task_is_not_retried_after_a_permanent_error(error):
    with retries_recorded() as countdowns:
        result = flaky.apply(args=[1, error])

    assert result.failed()
    assert calls == [0]
    assert countdowns == []


@pytest.mark.parametrize("error", ["operational", "smtp-451"])
def test_the_retries_wait_1_2_4_8_seconds_up_to_the_cap(error):
    with retries_recorded() as countdowns:
        result = steady.apply(args=[5, error])

    assert result.successful()
    assert countdowns == [1, 2, 4, 6, 6]


@pytest.mark.parametrize("error", ["operational", "smtp-451"])
def test_jitter_draws_each_wait_between_nothing_and_the_exponential_step(error):
    drawn = []
    for _attempt in range(20):
        calls.clear()
        with retries_recorded() as countdowns:
            assert flaky.apply(args=[3, error]).successful()
        drawn.append(countdowns)

    for countdowns in drawn:
        assert [0 <= c <= 2**n for n, c in enumerate(countdowns)] == [True] * 3
    assert len({tuple(c) for c in drawn}) > 1, "the waits were not jittered"


def test_a_task_that_keeps_failing_transiently_gives_up_after_max_retries():
    with retries_recorded() as countdowns:
        result = flaky.apply(args=[100, "operational"])

    assert result.failed() and isinstance(result.result, OperationalError)
    assert calls == [0, 1, 2, 3, 4, 5]
    assert len(countdowns) == 5
    assert all(c <= 300 for c in countdowns)


def test_a_message_that_ran_to_the_end_does_nothing_when_delivered_again():
    assert flaky.apply(args=[0, "value"], task_id="once").result == "done"
    again = flaky.apply(args=[0, "value"], task_id="once")

    assert again.successful() and again.result is None
    assert calls == [0]


def test_a_message_that_failed_runs_again_when_delivered_again():
    assert flaky.apply(args=[1, "value"], task_id="twice").failed()
    assert flaky.apply(args=[1, "value"], task_id="twice").result == "done"
    assert calls == [0, 0]


def test_each_delivery_is_counted_and_past_the_cap_the_task_fails_without_running(settings):
    settings.CELERY_TASK_MAX_DELIVERIES = 3
    # Three deliveries whose worker died before the end (the count is kept, nothing else).
    cache.set("celery:deliveries:doomed:0", 3)

    result = flaky.apply(args=[0, "value"], task_id="doomed")

    assert result.failed() and isinstance(result.result, DeliveriesExhausted)
    assert calls == []
    assert cache.get("celery:deliveries:doomed:0") == 4


def test_deliveries_under_the_cap_run(settings):
    settings.CELERY_TASK_MAX_DELIVERIES = 3
    cache.set("celery:deliveries:lucky:0", 2)

    assert flaky.apply(args=[0, "value"], task_id="lucky").result == "done"
    assert calls == [0]


def test_a_retry_is_a_new_delivery_count(settings):
    """A task retried five times is not mistaken for one delivered five times."""
    settings.CELERY_TASK_MAX_DELIVERIES = 1

    result = flaky.apply(args=[3, "operational"], task_id="retried")

    assert result.successful()
    assert calls == [0, 1, 2, 3]
    assert [cache.get(f"celery:deliveries:retried:{n}") for n in range(4)] == [1, 1, 1, 1]


def test_a_task_still_runs_when_the_cache_that_counts_deliveries_is_away(settings):
    from tests.conftest import free_port

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nobody listens
        }
    }

    assert flaky.apply(args=[0, "value"]).result == "done"
    assert calls == [0]
