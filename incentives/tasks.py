"""Celery tasks of incentives: the nightly accrual of every programme under way.

A thin wrapper that calls one service under the shared policy (drm/task_policy.py: transient
errors retried with capped, jittered backoff). Idempotent: a second run on the same revenue
writes nothing (the ledger takes only differences).
"""

import logging

from celery import shared_task

from drm.task_policy import PortalTask

from . import services

log = logging.getLogger(__name__)


@shared_task(base=PortalTask)
def programmes_accrue():
    """Beat, once a night: measure every programme under way (and those over, whose revenue
    may still be restated) and write what changed into the earnings ledger."""
    done = services.programmes_accrue()
    log.info(
        "programmes accrued: %(programmes)d programmes, %(changed)d ledger entries, "
        "%(unpriced)d distributors waiting for an exchange rate",
        done,
    )
    return done
