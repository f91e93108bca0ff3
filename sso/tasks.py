"""Celery tasks of single sign-on: thin wrappers around one service each (drm/task_policy.py)."""

from celery import shared_task

from drm.task_policy import PortalTask

from . import services


@shared_task(base=PortalTask)
def saml_seen_prune():
    """Beat, once a night: SAML response IDs older than any assertion's lifetime are forgotten."""
    return services.saml_seen_prune()
