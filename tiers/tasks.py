"""Celery task of the tiers: the nightly requalification.

A thin wrapper that calls one service under the shared policy (drm/task_policy.py). Idempotent:
a second run the same day keeps the proposals it finds and proposes nothing new."""

import logging

from celery import shared_task

from drm.task_policy import PortalTask

from . import services

log = logging.getLogger(__name__)


@shared_task(base=PortalTask)
def tiers_requalify():
    """Beat, once a night: requalify every active or probation distributor."""
    run = services.tiers_requalify()
    return run.counts if run is not None else None
