"""Celery tasks of the webhooks: one attempt of one delivery, and the sweep of due ones.

Thin wrappers around one service each (drm/task_policy.py). Idempotent: an attempt claims its
delivery under a row lock and does nothing when it is not due (already sent, or leased by
another worker); the sweep only queues; the prune deletes what is old whenever it runs."""

from celery import shared_task

from drm.task_policy import PortalTask

from . import services


@shared_task(base=PortalTask)
def webhook_deliver(delivery_id):
    delivery = services.delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery is not None else None


@shared_task(base=PortalTask)
def webhook_deliveries_sweep():
    """Beat, each minute: due deliveries whose task was lost, or whose retry is hours away."""
    return services.deliveries_due_sweep()


@shared_task(base=PortalTask)
def webhook_log_prune():
    """Beat, once a night: events settled more than 90 days ago leave the delivery log."""
    return services.messages_prune()
