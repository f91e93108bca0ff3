"""Celery tasks of scoring: the nightly recompute and the one a manager starts.

`scoring_run_task` takes the run's id and computes it; re-delivered after its worker died
(acks late, rejected on worker loss), it cleans what the dead attempt wrote and starts again.
"""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=3,
)
def scoring_run_task(run_id):
    run = services.scoring_run_execute(run_id)
    return run.pk if run else None


@shared_task
def scoring_nightly():
    """Beat: queue tonight's run (refused quietly when one is already under way)."""
    from drm.errors import Conflict

    try:
        return services.scoring_run_trigger().pk
    except Conflict:
        return None
