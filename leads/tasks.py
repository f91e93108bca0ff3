"""Celery tasks of leads: thin wrappers that take ids and call one service each.

The shared policy (drm/task_policy.py) retries transient errors with capped, jittered backoff;
a lead locked by someone else is simply left for the next run of the deadline job.
"""

from celery import shared_task
from django.contrib.auth import get_user_model

from drm.task_policy import PortalTask

from . import notices, rollups, services
from .models import CriteriaVersion


@shared_task(base=PortalTask)
def leads_deadlines_enforce():
    """Beat: re-route or escalate every lead past its accept deadline."""
    return services.leads_deadlines_enforce()


@shared_task(base=PortalTask)
def leads_route_task(lead_ids, user_id=None):
    """Route pool leads by the rules (a manager's bulk "route" on many leads)."""
    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return services.leads_route(lead_ids=lead_ids, by=by)


@shared_task(base=PortalTask)
def lead_rollups_rebuild():
    """Recount the analytics rollups from the events (a repair; the services keep them exact)."""
    return rollups.rollups_rebuild()


@shared_task(base=PortalTask)
def criteria_published_notify_task(version_id):
    version = CriteriaVersion.objects.filter(pk=version_id).first()
    if version is not None:
        notices.criteria_published_notify(version)
