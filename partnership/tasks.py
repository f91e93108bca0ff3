"""Celery tasks of the partner programme: the daily notice of certificates about to expire, the
portal checks of onboarding steps and the notice of steps coming due.

A thin wrapper that calls one service under the shared policy (drm/task_policy.py). Idempotent:
a certificate is told of once per end date (`Completion.expiry_notice_for`)."""

import logging

from celery import shared_task

from drm.task_policy import PortalTask

from . import services

log = logging.getLogger(__name__)


@shared_task(base=PortalTask)
def certificates_expiring_notify():
    """Beat, once a day: tell the holders and partner admins of the certificates ending within
    EXPIRING_DAYS (60)."""
    told = services.certificates_expiring_notify()
    log.info("certificates about to expire told: %d", told)
    return told


@shared_task(base=PortalTask)
def agreement_published_notify(version_id, by_id=None):
    """After a new version is published: ask every partner admin to accept it."""
    from . import notices

    return notices.agreement_published_notify(version_id, by_id=by_id)


@shared_task(base=PortalTask)
def onboardings_refresh():
    """Beat, every 30 minutes: mark done the onboarding steps the portal checks (one query per
    check), opening access where a journey reaches its step."""
    marked = services.onboardings_refresh()
    log.info("onboarding steps checked done: %d", marked)
    return marked


@shared_task(base=PortalTask)
def steps_due_notify():
    """Beat, once a day: tell the owners of onboarding steps due soon or overdue (once per due
    day)."""
    told = services.steps_due_notify()
    log.info("onboarding steps due told: %d", told)
    return told
