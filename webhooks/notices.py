"""The notification of the webhooks: a subscription disabled after a run of failures, told to
those who keep it (its distributor's partner admins; for the channel's, its creator, else every
channel manager)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from leads.notices import _send, channel_managers, partner_admins
from notifications.kinds import Kind, register

WEBHOOK_DISABLED = register(Kind("webhook_disabled", _("Webhook subscriptions disabled")))


def subscription_disabled_notify(subscription):
    if subscription.distributor_id is not None:
        recipients = partner_admins(subscription.distributor_id)
        link = reverse("webhooks:mine-detail", args=[subscription.pk])
    else:
        creator = subscription.created_by
        recipients = [creator] if creator is not None and creator.is_active else channel_managers()
        link = reverse("webhooks:detail", args=[subscription.pk])
    _send(
        recipients,
        kind=WEBHOOK_DISABLED.slug,
        subject=_("Webhook disabled: %(url)s"),
        body=ngettext_lazy(
            "After %(count)d failed attempt, the webhook subscription to %(url)s is disabled: "
            "nothing more is sent to it. Check the receiver, then turn it back on.",
            "After %(count)d failed attempts in a row, the webhook subscription to %(url)s is "
            "disabled: nothing more is sent to it. Check the receiver, then turn it back on.",
            subscription.failure_streak,
        ),
        link=link,
        context={"url": subscription.url[:120], "count": subscription.failure_streak},
    )
