"""Reads of the webhooks, always scoped to the viewer (Subscription.objects.visible_to): the
channel's subscriptions for the manufacturer's staff, its own distributor's for a partner
admin, nothing for anyone else."""

from .models import Delivery, Subscription


def subscription_list(*, visible_to):
    return Subscription.objects.visible_to(visible_to).select_related("distributor")


def delivery_list(*, visible_to):
    return (
        Delivery.objects.visible_to(visible_to)
        .select_related("subscription", "message")
        .order_by("-created_at", "-pk")
    )
