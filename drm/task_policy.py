"""The one policy every Celery task of the portal follows: retry transient errors only, with
capped, jittered exponential backoff; run each message once; give up on a message whose worker
dies on every delivery.

- Transient: the database or Redis dropped the connection, an SMTP server did not answer or said
  "try again later" (4xx). Anything else (a bug, a validation error, a 5xx refusal) fails the
  task at once: running it again would fail the same way.
- Acks late, rejected on worker loss (settings): a worker that dies mid-task leaves the message
  to be delivered again. Each delivery of a message (same task id, same retry number) is counted
  in the cache (Redis); past CELERY_TASK_MAX_DELIVERIES the task fails with DeliveriesExhausted
  instead of running, so a task that kills its worker every time ends failed, not in a loop.
  `on_failure` is where a task with a record (an import, a scoring run) marks it failed.
- Once per message: a message that ran to the end is marked done in the cache; delivered again
  (its worker died between the end and the ack) it does nothing.
"""

import logging
import smtplib
import socket

import kombu.exceptions
import redis.exceptions
from celery import Task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError

log = logging.getLogger(__name__)

# Errors that say "not now" rather than "never". SMTPConnectError and SMTPServerDisconnected:
# the server is down or hung up; a 4xx reply is handled by code in `is_transient`.
TRANSIENT_ERRORS = (
    OperationalError,
    InterfaceError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
    ConnectionError,
    TimeoutError,
    socket.timeout,
)

# What the cache (Redis) raises when it is away.
CACHE_ERRORS = (redis.exceptions.RedisError, ConnectionError, TimeoutError)

RETRY_BACKOFF_MAX = 300
MAX_RETRIES = 5
# Counters and done marks outlive any redelivery (the visibility timeout is under an hour).
MARK_SECONDS = 7 * 24 * 60 * 60


class DeliveriesExhausted(Exception):
    """The message was delivered CELERY_TASK_MAX_DELIVERIES times without finishing."""


def is_transient(exc):
    """True for an error worth another try later (see TRANSIENT_ERRORS)."""
    if isinstance(exc, smtplib.SMTPResponseException) and 400 <= exc.smtp_code < 500:
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    return isinstance(exc, TRANSIENT_ERRORS)


def max_deliveries():
    return getattr(settings, "CELERY_TASK_MAX_DELIVERIES", 3)


class PortalTask(Task):
    """Base of every task (`@shared_task(base=PortalTask)`): see the module docstring."""

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = True
    retry_backoff_max = RETRY_BACKOFF_MAX
    retry_jitter = True
    max_retries = MAX_RETRIES
    acks_late = True
    reject_on_worker_lost = True

    def retry_countdown(self):
        """Seconds before retry number `request.retries + 1`: 1, 2, 4... capped, full jitter."""
        return get_exponential_backoff_interval(
            factor=1,
            retries=self.request.retries,
            maximum=self.retry_backoff_max,
            full_jitter=self.retry_jitter,
        )

    def _key(self, what):
        return f"celery:{what}:{self.request.id}:{self.request.retries}"

    def _delivered(self):
        """This delivery's number for the message (1 on its first delivery)."""
        key = self._key("deliveries")
        cache.add(key, 0, MARK_SECONDS)
        try:
            return cache.incr(key)
        except ValueError:  # the counter went meanwhile (the cache was cleared): start again
            cache.set(key, 1, MARK_SECONDS)
            return 1

    def __call__(self, *args, **kwargs):
        if self.request.called_directly or not self.request.id:
            return super().__call__(*args, **kwargs)
        done = f"celery:done:{self.request.id}"
        try:
            already_done, delivery = cache.get(done), self._delivered()
        except CACHE_ERRORS as exc:
            # The marks are a safety net: with the cache away, run as if delivered once.
            log.warning("%s[%s]: delivery not counted: %r", self.name, self.request.id, exc)
            already_done, delivery = False, 1
        if already_done:
            log.info("%s[%s] already ran to the end; not again", self.name, self.request.id)
            return None
        if delivery > max_deliveries():
            log.error(
                "%s[%s] delivered %d times without finishing; giving up",
                self.name,
                self.request.id,
                delivery - 1,
            )
            raise DeliveriesExhausted(f"{self.name} delivered {delivery - 1} times")
        try:
            result = super().__call__(*args, **kwargs)
        except smtplib.SMTPException as exc:
            # Transient by reply code, which `autoretry_for` (by type) cannot see.
            if is_transient(exc) and self.request.retries < self.max_retries:
                raise self.retry(exc=exc, countdown=self.retry_countdown()) from exc
            raise
        try:
            cache.set(done, 1, MARK_SECONDS)
        except CACHE_ERRORS as exc:
            log.warning("%s[%s]: not marked done: %r", self.name, self.request.id, exc)
        return result
