"""Celery tasks of goals: the daily job (reviews, early warning, settlement, reminders).

Thin wrappers that call one service; transient database errors are retried with backoff.
Every step of the daily job is idempotent: running it twice opens no second review, settles no
goal twice and sends no second reminder the same day.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

TRANSIENT = (OperationalError, InterfaceError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(**RETRY)
def goals_daily():
    """Beat, once a day: open landmark reviews, refresh the early warning, settle due goals."""
    return services.goals_daily()
