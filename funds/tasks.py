"""Celery tasks of funds: the daily job (expiry of approvals left unclaimed, claim reminders).

A thin wrapper that calls one service under the shared policy (drm/task_policy.py: transient
errors retried with capped, jittered backoff). The daily job is idempotent: a second run the same
day expires nothing more (only approved requests expire, once) and reminds no one twice (a
request is reminded once, `claim_reminded_at`).
"""

import logging

from celery import shared_task

from drm.task_policy import PortalTask

from . import services

log = logging.getLogger(__name__)


@shared_task(base=PortalTask)
def funds_daily():
    """Beat, once a day: expire approved requests past their claim deadline (their reservation
    goes back to the balance), then remind partners of claims due soon."""
    done = services.funds_daily()
    log.info("funds daily job: %(expired)d expired, %(reminded)d reminded", done)
    return done
