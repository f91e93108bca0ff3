"""Celery tasks of notifications: take ids, call one service; the shared retry policy
(drm/task_policy.py) retries a mail server that is down or says "try again later"."""

from celery import shared_task

from drm.task_policy import PortalTask

from . import services


@shared_task(base=PortalTask)
def notification_email_send(notification_id):
    return services.notification_email_send(notification_id=notification_id)


@shared_task(base=PortalTask)
def notification_digests_send():
    return services.notification_digest_send_all()
