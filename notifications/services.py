"""Sending notifications: the in-app copy first, then e-mail now, in the digest, or never."""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import ngettext

from drm.formats import date_time, long_date
from drm.french import interpolate

from .kinds import Delivery, kind_get, kind_list
from .models import Notification, NotificationAct, NotificationPreference

log = logging.getLogger(__name__)


def recipient_language(user):
    """The language `user` reads: settings.NOTIFICATIONS_LANGUAGE (a dotted path to a function
    of the user; the portal's says: the user's own choice, else its distributor's preferred
    language, else the site's), else the user's profile setting, else LANGUAGE_CODE.
    """
    path = getattr(settings, "NOTIFICATIONS_LANGUAGE", "")
    if path:
        return import_string(path)(user) or settings.LANGUAGE_CODE
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", None) or settings.LANGUAGE_CODE


def absolute_url(path):
    return settings.SITE_URL.rstrip("/") + path if path else settings.SITE_URL


def delivery_for(*, user, kind):
    chosen = (
        NotificationPreference.objects.filter(user=user, kind=kind)
        .values_list("delivery", flat=True)
        .first()
    )
    return chosen or kind_get(kind).default_delivery


def _render(text, context):
    """`text` with its placeholders filled, in the active (the recipient's) language: a date
    or date-time of `context` is written as the recipient reads it, and in French "de" is
    elided before a name."""
    if context:
        context = {name: _written(value) for name, value in context.items()}
    return interpolate(text, context)


def _written(value):
    if isinstance(value, datetime.datetime):
        return date_time(value)
    if isinstance(value, datetime.date):
        return long_date(value)
    return value


def act_key(thing, pk, act, *scope):
    """The key of an act a notification asks for: act_key("goal", 12, "answer") is
    "goal:12:answer". `scope` narrows it (whose act: act_key("criteria", 3, "acknowledge")
    names a distributor's acknowledgement). The app that sends the notice and the service
    that does the act build the same key; resolve() takes it."""
    return ":".join(str(part) for part in (thing, pk, act, *scope))


def notify(*, recipient, kind, subject, body, link="", context=None, acts=(), actor=None):
    """Leave `recipient` a notification and e-mail it after commit if it wants e-mail at once.

    `subject` and `body` are (lazy) translatable strings with %(name)s placeholders filled from
    `context`; they are rendered in the recipient's language, not the caller's. `acts`: the keys
    (act_key) of what it asks the recipient to do; once all are done (resolve), it is done.
    `actor`: who did the act the notice reports; nobody is told of their own act, so the
    actor gets nothing (returns None).
    """
    kind_get(kind)  # an unknown kind is a programming error: fail here, not in the task
    if actor is not None and getattr(actor, "pk", None) == recipient.pk:
        return None
    with translation.override(recipient_language(recipient)):
        notification = Notification.objects.create(
            recipient=recipient,
            kind=kind,
            subject=_render(subject, context)[:200],
            body=_render(body, context),
            link=link or "",
        )
    NotificationAct.objects.bulk_create(
        [NotificationAct(notification=notification, key=key) for key in dict.fromkeys(acts)]
    )
    if recipient.email and delivery_for(user=recipient, kind=kind) == Delivery.IMMEDIATE:
        from .tasks import notification_email_send

        transaction.on_commit(lambda: notification_email_send.delay(notification.pk))
    return notification


def resolve(*, key=None, keys=()):
    """The act `key` (or each of `keys`) is done, by whomever: every open notification that
    asked for it, whoever its recipient, no longer does; one that asked for nothing else is
    done now (it leaves the unread count, and is not e-mailed any more). Three statements
    whatever the number of keys or notifications; returns how many open notifications it
    touched.
    """
    keys = [*([key] if key else []), *keys]
    if not keys:
        return 0
    with transaction.atomic():
        acts = NotificationAct.objects.filter(key__in=keys)
        touched = set(
            acts.filter(notification__done_at__isnull=True).values_list(
                "notification_id", flat=True
            )
        )
        acts.delete()
        if touched:
            Notification.objects.filter(pk__in=touched, done_at__isnull=True).exclude(
                Exists(NotificationAct.objects.filter(notification=OuterRef("pk")))
            ).update(done_at=timezone.now())
    return len(touched)


def _message(*, user, subject, template, context):
    with translation.override(recipient_language(user)):
        context = {"user": user, "site_url": settings.SITE_URL, **context}
        text = render_to_string(f"notifications/email/{template}.txt", context)
        html = render_to_string(f"notifications/email/{template}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


def notification_email_send(*, notification_id):
    """E-mail one notification, once: a redelivered task finds it sent and does nothing; one
    done meanwhile (what it asked for was done) is not sent.

    The row is locked while the message goes out, so two deliveries cannot both send; an SMTP
    error rolls back only `emailed_at` (the caller retries), never the in-app copy.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True, done_at__isnull=True)
            .first()
        )
        if notification is None:
            return False
        if not (notification.recipient.is_active and notification.recipient.email):
            return False
        _message(
            user=notification.recipient,
            subject=notification.subject,
            template="notification",
            context={"notification": notification, "link": absolute_url(notification.link)},
        ).send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


def _digest_pending():
    """Unread, unsent, not done notifications whose recipient takes their kind as a digest."""
    by_default = [kind.slug for kind in kind_list() if kind.default_delivery == Delivery.DIGEST]
    chosen = NotificationPreference.objects.filter(
        user=OuterRef("recipient"), kind=OuterRef("kind")
    )
    return (
        Notification.objects.unread()
        .filter(emailed_at__isnull=True)
        .filter(
            Exists(chosen.filter(delivery=Delivery.DIGEST))
            | (Q(kind__in=by_default) & ~Exists(chosen))
        )
    )


def notification_digest_send_all():
    """Send every digest that is due; returns how many users got one."""
    recipients = _digest_pending().values_list("recipient", flat=True).distinct()
    sent = 0
    for user_id in list(recipients):
        try:
            sent += notification_digest_send(user_id=user_id)
        except OSError:  # smtplib.SMTPException is an OSError: the next run tries again
            log.exception("digest for user %s not sent", user_id)
    return sent


def notification_digest_send(*, user_id):
    """One e-mail listing the user's pending digest notifications, which it marks e-mailed."""
    with transaction.atomic():
        pending = list(
            _digest_pending()
            .filter(recipient_id=user_id, recipient__is_active=True)
            .select_related("recipient")
            .select_for_update(of=("self",), skip_locked=True)
            .order_by("created_at", "id")
        )
        if not pending or not pending[0].recipient.email:
            return 0
        user = pending[0].recipient
        with translation.override(recipient_language(user)):
            subject = ngettext(
                "%(count)d new notification in the DRM portal",
                "%(count)d new notifications in the DRM portal",
                len(pending),
            ) % {"count": len(pending)}
        items = [(n, absolute_url(n.link)) for n in pending]
        _message(
            user=user,
            subject=subject,
            template="digest",
            context={"items": items, "inbox": absolute_url(reverse("notifications:inbox"))},
        ).send()
        Notification.objects.filter(pk__in=[n.pk for n in pending]).update(
            emailed_at=timezone.now()
        )
    return 1


def notification_open(*, notification):
    """Mark one notification read (the caller has scoped it to its recipient)."""
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notification_read_all(*, user):
    return Notification.objects.for_recipient(user).unread().update(read_at=timezone.now())


@transaction.atomic
def notification_preferences_set(*, user, deliveries):
    """`deliveries`: {kind slug: delivery}; unknown kinds are refused by kind_get."""
    for slug, delivery in deliveries.items():
        kind_get(slug)
        NotificationPreference.objects.update_or_create(
            user=user, kind=slug, defaults={"delivery": Delivery(delivery)}
        )
