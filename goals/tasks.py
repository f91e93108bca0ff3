"""Celery tasks of goals: the daily job (reviews, early warning, settlement, reminders).

A thin wrapper that calls one service under the shared policy (drm/task_policy.py: transient
errors retried with capped, jittered backoff). Every step of the daily job is idempotent: running
it twice opens no second review, settles no goal twice and sends no second reminder the same day.
"""

from celery import shared_task

from drm.task_policy import PortalTask

from . import services


@shared_task(base=PortalTask)
def goals_daily():
    """Beat, once a day: open landmark reviews, refresh the early warning, settle due goals."""
    return services.goals_daily()
