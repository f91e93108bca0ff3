"""Webhook services: subscriptions (who may keep which), the outbox every emitted event is
written to, and the delivery of each attempt (signed, guarded, retried, logged).

Retry schedule (the Standard Webhooks reference one): after a failed attempt the next comes
5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h later (each ±10 % jitter): eight attempts over
about 27 hours, then the delivery is given up. The log keeps an event 90 days once it is
settled (messages_prune, with the sweep). After settings.WEBHOOK_DISABLE_AFTER failed
attempts in a row (any delivery of the subscription; a success resets the count) the
subscription is disabled and its owners are told.
"""

import datetime
import json
import logging
import random

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from standardwebhooks.webhooks import Webhook

from drm.errors import NotAllowed, ValidationFailed
from drm.events import event_types, is_event
from drm.limits import text_check
from identity.access import Role, is_manufacturer, user_membership, user_role

from . import notices, transport
from .models import EXCERPT_MAX, URL_MAX, Delivery, Message, Subscription, secret_new

log = logging.getLogger(__name__)

RETRY_DELAYS = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600]
JITTER = 0.1
# Retries this soon are queued with a countdown; later ones are left to the sweep (beat, each
# minute): a Redis broker redelivers a message held past its visibility timeout.
COUNTDOWN_MAX = 5 * 60
ROTATION_OVERLAP = datetime.timedelta(hours=24)
SWEEP_GRACE = datetime.timedelta(seconds=30)
# The delivery log keeps an event this long once none of its deliveries is still to be sent.
LOG_KEPT = datetime.timedelta(days=90)
PRUNE_BATCH = 1000
TEST_EVENT = "webhook.test"
CACHE_KEY = "webhooks:active-subscriptions"


# --- who may keep which subscription ------------------------------------------------------------


def owner_of(user):
    """The distributor whose subscriptions `user` keeps: None for the manufacturer's staff
    (the channel's), its distributor for a partner admin; NotAllowed for anyone else."""
    if is_manufacturer(user):
        return None
    if user_role(user) == Role.PARTNER_ADMIN:
        return user_membership(user).distributor
    raise NotAllowed(_("Only channel managers and partner admins keep webhook subscriptions."))


def _require_keeper(user, subscription):
    if not Subscription.objects.visible_to(user).filter(pk=subscription.pk).exists():
        raise NotAllowed(_("This webhook subscription is not yours to change."))


def subscribable_events():
    """The event types a subscription may choose (the test event is always sent on demand)."""
    return [event for event in event_types() if event.name != TEST_EVENT]


def _clean(*, url, events, description):
    url = (url or "").strip()
    if not url:
        raise ValidationFailed(_("Enter the URL to send the events to."), field="url")
    if len(url) > URL_MAX:
        raise ValidationFailed(
            _("The URL is longer than %(max)d characters.") % {"max": URL_MAX}, field="url"
        )
    try:
        transport.url_check(url)
    except transport.AddressRefused as exc:
        raise ValidationFailed(
            _("This URL cannot receive webhooks: only http(s) on a public address (%(why)s).")
            % {"why": exc},
            field="url",
        ) from exc
    events = list(dict.fromkeys(events or []))
    if not events:
        raise ValidationFailed(_("Choose at least one event."), field="events")
    unknown = [name for name in events if not is_event(name) or name == TEST_EVENT]
    if unknown:
        raise ValidationFailed(
            _("Unknown events: %(events)s.") % {"events": ", ".join(map(str, unknown))},
            field="events",
        )
    description = (description or "").strip()
    text_check(Subscription, "description", description)
    return url, sorted(events), description


def _forget():
    cache.delete(CACHE_KEY)


@transaction.atomic
def subscription_create(*, by, url, events, description="", active=True):
    distributor = owner_of(by)
    url, events, description = _clean(url=url, events=events, description=description)
    subscription = Subscription.objects.create(
        distributor=distributor,
        created_by=by,
        url=url,
        events=events,
        description=description,
        active=bool(active),
    )
    transaction.on_commit(_forget)
    _forget()
    return subscription


@transaction.atomic
def subscription_update(*, subscription, by, url, events, description="", active=True):
    """Change a subscription; turning it back on clears its failure count and disablement."""
    _require_keeper(by, subscription)
    # No key update: acts writing deliveries for it (FOR KEY SHARE) are not waited for.
    subscription = Subscription.objects.select_for_update(no_key=True).get(pk=subscription.pk)
    url, events, description = _clean(url=url, events=events, description=description)
    subscription.url, subscription.events = url, events
    subscription.description = description
    if active and not subscription.active:
        subscription.failure_streak = 0
        subscription.disabled_at = None
        subscription.disabled_reason = ""
    subscription.active = bool(active)
    subscription.save()
    transaction.on_commit(_forget)
    _forget()
    return subscription


@transaction.atomic
def subscription_delete(*, subscription, by):
    _require_keeper(by, subscription)
    # Locked first: acts writing deliveries for it finish, so that its deliveries are all
    # deleted with it; acts after that no longer find it.
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    subscription.delete()
    transaction.on_commit(_forget)
    _forget()


@transaction.atomic
def subscription_rotate_secret(*, subscription, by, now=None):
    """A new signing secret; the old one stays valid (deliveries carry both signatures) for
    ROTATION_OVERLAP, time for the receiver to switch. Returns the subscription (its new
    `secret` to show once)."""
    _require_keeper(by, subscription)
    now = now or timezone.now()
    subscription = Subscription.objects.select_for_update(no_key=True).get(pk=subscription.pk)
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_until = now + ROTATION_OVERLAP
    subscription.secret = secret_new()
    subscription.save(
        update_fields=["secret", "previous_secret", "previous_secret_until", "updated_at"]
    )
    return subscription


@transaction.atomic
def subscription_test(*, subscription, by, now=None):
    """Send the `webhook.test` event to this subscription alone; returns its delivery."""
    _require_keeper(by, subscription)
    if not subscription.active:
        raise ValidationFailed(_("Turn the subscription on first."), field="active")
    now = now or timezone.now()
    message = Message.objects.create(
        event_type=TEST_EVENT,
        distributor_id=subscription.distributor_id,
        data={"subscription_id": subscription.pk, "sent_by": by.get_username()},
        created_at=now,
    )
    return _deliveries_create(message, [subscription.pk], now=now)[0]


# --- the outbox ---------------------------------------------------------------------------------


def _active_subscriptions():
    """[(id, distributor id, events)] of the active subscriptions, cached until one changes."""
    try:
        rows = cache.get(CACHE_KEY)
    except Exception:  # noqa: BLE001 - the cache away: read the table
        rows = None
    if rows is None:
        rows = list(
            Subscription.objects.filter(active=True).values_list("pk", "distributor_id", "events")
        )
        try:
            cache.set(CACHE_KEY, rows, 300)
        except Exception:  # noqa: BLE001
            log.warning("webhook subscriptions not cached")
    return rows


def subscribers(event_type, distributor_id):
    """The active subscriptions that hear of `event_type` about `distributor_id`: the channel's
    always, a partner's only for its own distributor's events (None: the channel's alone)."""
    return [
        pk
        for pk, owner, events in _active_subscriptions()
        if event_type in events and (owner is None or owner == distributor_id)
    ]


def _still_subscribed(ids):
    """Of `ids` (read from the cache), the subscriptions still active. On Postgres they are held
    (FOR KEY SHARE) until the act commits: a subscription deleted meanwhile waits for it, and the
    deliveries written for it never point at a row gone (which would fail the act at commit).
    Key-share locks do not hold up other acts, nor a subscription's own updates."""
    if connection.vendor != "postgresql":
        rows = Subscription.objects.filter(pk__in=ids, active=True)
        return list(rows.values_list("pk", flat=True))
    table = connection.ops.quote_name(Subscription._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE id = ANY(%s) AND active ORDER BY id FOR KEY SHARE",  # noqa: S608 - the model's own table
            [list(ids)],
        )
        return [row[0] for row in cursor.fetchall()]


def event_record(event_type, distributor_id, data):
    """The sink of drm.events: write the event and a delivery for each subscriber in the
    caller's transaction; the sends are queued once it commits (nothing if it rolls back)."""
    wanted = subscribers(event_type, distributor_id)
    if wanted:
        wanted = _still_subscribed(wanted)
    if not wanted:
        return None
    message = Message.objects.create(
        event_type=event_type, distributor_id=distributor_id, data=data
    )
    _deliveries_create(message, wanted)
    return message


def _deliveries_create(message, subscription_ids, *, resent_from=None, now=None):
    now = now or timezone.now()
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(
                subscription_id=pk,
                message=message,
                event_type=message.event_type,
                next_attempt_at=now,
                created_at=now,
                resent_from=resent_from,
            )
            for pk in subscription_ids
        ]
    )
    ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: _enqueue(ids))
    return deliveries


def _enqueue(ids, countdown=None):
    from .tasks import webhook_deliver

    for pk in ids:
        try:
            webhook_deliver.apply_async((pk,), countdown=countdown)
        except Exception:  # noqa: BLE001 - the sweep sends it if the broker is away
            log.warning("webhook delivery %s not queued; the sweep will send it", pk)


@transaction.atomic
def delivery_send_again(*, delivery, by, now=None):
    """A new delivery of the same event (same `webhook-id`: the receiver can tell it is the
    same event) to the same subscription."""
    _require_keeper(by, delivery.subscription)
    if not delivery.subscription.active:
        raise ValidationFailed(_("Turn the subscription on first."), field="subscription")
    return _deliveries_create(
        delivery.message, [delivery.subscription_id], resent_from=delivery, now=now
    )[0]


# --- sending ------------------------------------------------------------------------------------


def body_of(message):
    return json.dumps(message.envelope(), separators=(",", ":"), sort_keys=True).encode()


def headers_for(subscription, message, body, *, now):
    """Standard Webhooks headers: id, timestamp and one v1 signature per valid secret."""
    signatures = " ".join(
        Webhook(secret).sign(msg_id=message.pk, timestamp=now, data=body)
        for secret in subscription.secrets_valid(now)
    )
    return {
        "Content-Type": "application/json",
        "User-Agent": "DRM-portal-webhooks/1",
        "webhook-id": message.pk,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signatures,
    }


def retry_delay(attempts):
    """Seconds before the next attempt after `attempts` failed ones; None: give up."""
    if attempts > len(RETRY_DELAYS):
        return None
    base = RETRY_DELAYS[attempts - 1]
    return base * (1 + random.uniform(-JITTER, JITTER))  # noqa: S311 - jitter, not a secret


def _claim(delivery_id, now):
    """Take a due delivery for one attempt: the attempt is counted and the delivery leased
    (next_attempt_at pushed past the attempt's longest time) in one short transaction, so a
    second worker, or the sweep, skips it meanwhile. None when not due or taken."""
    lease = now + datetime.timedelta(seconds=4 * settings.WEBHOOK_TIMEOUT_SECONDS + 30)
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription", "message")
            .filter(
                pk=delivery_id,
                status__in=(Delivery.Status.PENDING, Delivery.Status.FAILED),
                next_attempt_at__lte=now,
            )
            .first()
        )
        if delivery is None:
            return None
        if not delivery.subscription.active:
            delivery.status = Delivery.Status.GAVE_UP
            delivery.next_attempt_at = None
            delivery.failure = Delivery.Failure.DISABLED
            delivery.save(update_fields=["status", "next_attempt_at", "failure"])
            return None
        delivery.attempts = F("attempts") + 1
        delivery.next_attempt_at = lease
        delivery.attempted_at = now
        delivery.save(update_fields=["attempts", "next_attempt_at", "attempted_at"])
        delivery.refresh_from_db(fields=["attempts"])
    return delivery


def delivery_attempt(*, delivery_id, now=None, send=None):
    """One attempt of a due delivery (nothing if not due, taken, or finished): POST it (with
    `send`, transport.post's stand-in, if given), log the answer, and schedule the next attempt
    or give up. Returns the delivery or None. Given `now`, the attempt is logged at that time."""
    attempted = now or timezone.now()
    delivery = _claim(delivery_id, attempted)
    if delivery is None:
        return None
    subscription, message = delivery.subscription, delivery.message
    body = body_of(message)
    answer = (send or transport.post)(
        subscription.url,
        body=body,
        headers=headers_for(subscription, message, body, now=attempted),
    )
    return _record(delivery, answer, now=now)


@transaction.atomic
def _record(delivery, answer, now=None):
    now = now or timezone.now()
    delivery.status_code = answer.status_code
    delivery.latency_ms = answer.latency_ms
    delivery.response_excerpt = answer.excerpt[:EXCERPT_MAX]
    delivery.error = answer.error[:2000]
    delivery.failure = answer.failure
    subscriptions = Subscription.objects.filter(pk=delivery.subscription_id)
    if answer.ok:
        delivery.status = Delivery.Status.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        subscriptions.update(failure_streak=0)
    else:
        delay = retry_delay(delivery.attempts)
        if delay is None:
            delivery.status = Delivery.Status.GAVE_UP
            delivery.next_attempt_at = None
        else:
            delivery.status = Delivery.Status.FAILED
            delivery.next_attempt_at = now + datetime.timedelta(seconds=delay)
            if delay <= COUNTDOWN_MAX:
                transaction.on_commit(lambda: _enqueue([delivery.pk], countdown=delay))
        subscriptions.update(failure_streak=F("failure_streak") + 1)
        _disable_if_failing(delivery.subscription_id, now)
    delivery.save(
        update_fields=[
            "status",
            "status_code",
            "latency_ms",
            "response_excerpt",
            "error",
            "failure",
            "delivered_at",
            "next_attempt_at",
        ]
    )
    return delivery


def _disable_if_failing(subscription_id, now):
    subscription = (
        Subscription.objects.select_for_update(no_key=True)
        .filter(
            pk=subscription_id,
            active=True,
            failure_streak__gte=settings.WEBHOOK_DISABLE_AFTER,
        )
        .first()
    )
    if subscription is None:
        return False
    subscription.active = False
    subscription.disabled_at = now
    subscription.disabled_reason = ngettext(
        "%(count)d failed attempt in a row.",
        "%(count)d failed attempts in a row.",
        subscription.failure_streak,
    ) % {"count": subscription.failure_streak}
    subscription.save(update_fields=["active", "disabled_at", "disabled_reason", "updated_at"])
    transaction.on_commit(_forget)
    _forget()
    notices.subscription_disabled_notify(subscription)
    return True


def deliveries_due_sweep(*, now=None, limit=500):
    """Queue the due deliveries whose task was lost or never queued (the beat, each minute);
    returns how many."""
    # Due for a while: one due just now has its task queued already (after commit, or with a
    # countdown); queuing it twice would be harmless (the attempt claims it), only wasted.
    due = (now or timezone.now()) - SWEEP_GRACE
    ids = list(
        Delivery.objects.filter(
            Q(status=Delivery.Status.PENDING) | Q(status=Delivery.Status.FAILED),
            next_attempt_at__lte=due,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    _enqueue(ids)
    return len(ids)


def messages_prune(*, now=None):
    """Drop events older than LOG_KEPT none of whose deliveries is still to be sent, with their
    deliveries, a batch per run; returns how many events."""
    now = now or timezone.now()
    old = Message.objects.filter(created_at__lt=now - LOG_KEPT).exclude(
        deliveries__status__in=(Delivery.Status.PENDING, Delivery.Status.FAILED)
    )
    ids = list(old.order_by("created_at").values_list("pk", flat=True)[:PRUNE_BATCH])
    Message.objects.filter(pk__in=ids).delete()
    return len(ids)
