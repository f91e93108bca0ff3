"""The demo webhooks behind `manage.py demo_webhooks`: a channel subscription (the `manager`
login's) and one of partner `adriatica` (the `partner` login's), each with a short delivery log
written through the services over the last three days, without a byte sent anywhere: each
attempt's answer comes from a stand-in for the transport.

What it shows (times counted back from now):
- the channel's: a test event delivered at once, and one the receiver answered 503 first, then
  took on the automatic retry five seconds later;
- adriatica's: a test event delivered, then one its CRM refused with a 500 (the answer's first
  KiB in the log) on all eight attempts over about 27 hours until the portal gave up, and that
  event sent again by hand ("Send again", the same webhook-id) once the CRM was fixed: delivered.

Nothing is left to send: every delivery is settled, so the worker never calls the demo's
addresses (hosts under .example, which resolve nowhere). Both subscriptions hear only of acts a
person does (a lead accepted or rejected, a goal agreed, a fund claim decided), so a delivery is
attempted in the running demo only when someone does one. A second run finds them and does
nothing.
"""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from drm.errors import ValidationFailed

from . import services, transport
from .models import Delivery, Subscription

MANAGER, PARTNER = "manager", "partner"
CHANNEL_URL = "https://erp.maker.example/drm/webhooks"
PARTNER_URL = "https://crm.adriatica.example/hooks/drm-portal"
EVENTS = ["fund_claim.decided", "goal.agreed", "lead.accepted", "lead.rejected"]
ACCEPTED = transport.Answer(status_code=200, excerpt='{"received": true}', latency_ms=184)
MAINTENANCE = transport.Answer(
    status_code=503,
    excerpt="<html><body><h1>503 Service Unavailable</h1>Scheduled maintenance, back in a "
    "minute.</body></html>",
    failure="status",
    latency_ms=41,
)
REFUSED = transport.Answer(
    status_code=500,
    excerpt='{"error": "mapping_missing", "message": "No CRM stage is mapped to the portal '
    "status 'test'. Map it under Settings > Integrations > DRM portal.\"}",
    failure="status",
    latency_ms=322,
)


def answering(*answers):
    """A stand-in for transport.post that answers `answers` in turn (the last one again)."""
    queue = list(answers)

    def send(url, *, body, headers):
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return send


class DemoWebhooks:
    def __init__(self, write=print):
        self.write = write

    def load(self, *, quiet=False, force=False):
        production = str(settings.SETTINGS_MODULE or "").endswith("settings_production")
        if production and not force:
            raise ValidationFailed(
                "Refusing to load demo webhooks under production settings; pass --force to seed "
                "a staging site on purpose."
            )
        users = get_user_model().objects.filter(username__in=(MANAGER, PARTNER))
        users = {user.username: user for user in users}
        if len(users) != 2:
            raise ValidationFailed("The demo channel is missing: run `manage.py demo_data` first.")
        if Subscription.objects.filter(url__in=(CHANNEL_URL, PARTNER_URL)).exists():
            self.write("The demo webhooks are loaded already; nothing to do.")
            return None
        with transaction.atomic():
            start = timezone.now() - datetime.timedelta(days=3)
            channel = services.subscription_create(
                by=users[MANAGER],
                url=CHANNEL_URL,
                events=EVENTS,
                description="ERP integration (demo)",
            )
            partner = services.subscription_create(
                by=users[PARTNER],
                url=PARTNER_URL,
                events=EVENTS,
                description="Adriatica's CRM (demo)",
            )
            self.deliver(channel, users[MANAGER], start, ACCEPTED)
            self.deliver(
                channel, users[MANAGER], start + datetime.timedelta(hours=5), MAINTENANCE, ACCEPTED
            )
            self.deliver(partner, users[PARTNER], start + datetime.timedelta(days=1), ACCEPTED)
            refused = self.deliver(
                partner, users[PARTNER], start + datetime.timedelta(days=1, hours=2), REFUSED
            )
            again = services.delivery_send_again(
                delivery=refused,
                by=users[PARTNER],
                now=refused.attempted_at + datetime.timedelta(hours=3),
            )
            self.attempt(again, answering(ACCEPTED))
        logged = Delivery.objects.filter(subscription__in=(channel, partner)).count()
        if not quiet:
            self.write(
                f"Demo webhooks: a channel subscription and one of adriatica, {logged} "
                "deliveries logged (delivered, retried, given up and sent again)."
            )
        return channel, partner

    def deliver(self, subscription, by, at, *answers):
        """A test event sent at `at`, attempted until settled with `answers` in turn."""
        delivery = services.subscription_test(subscription=subscription, by=by, now=at)
        return self.attempt(delivery, answering(*answers))

    @staticmethod
    def attempt(delivery, send):
        delivery.refresh_from_db()
        while delivery.is_open:
            delivery = services.delivery_attempt(
                delivery_id=delivery.pk, now=delivery.next_attempt_at, send=send
            )
        return delivery
