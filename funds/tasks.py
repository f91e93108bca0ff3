"""Celery tasks of funds: the daily job (expiry of approvals left unclaimed, claim reminders)
and the nightly impact estimates.

Thin wrappers that call one service under the shared policy (drm/task_policy.py: transient
errors retried with capped, jittered backoff). The daily job is idempotent: a second run the same
day expires nothing more (only approved requests expire, once) and reminds no one twice (a
request is reminded once, `claim_reminded_at`). So are the estimates: a row whose inputs have
not changed is not written again.
"""

import logging

from celery import shared_task

from drm.task_policy import PortalTask

from . import estimates, services

log = logging.getLogger(__name__)


@shared_task(base=PortalTask)
def funds_daily():
    """Beat, once a day: expire approved requests past their claim deadline (their reservation
    goes back to the balance), then remind partners of claims due soon."""
    done = services.funds_daily()
    log.info("funds daily job: %(expired)d expired, %(reminded)d reminded", done)
    return done


@shared_task(base=PortalTask)
def impact_estimates_refresh():
    """Beat, once a night before the scoring: (re)compute the incremental revenue of every
    paid activity and programme whose effect window is over; what has not changed is left as
    it is (funds.estimates)."""
    done = estimates.impact_estimates_refresh()
    log.info(
        "impact estimates: %(estimated)d estimated, %(refused)d refused, %(unchanged)d "
        "unchanged, %(deleted)d deleted",
        done,
    )
    return done
