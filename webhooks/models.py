"""Webhook subscriptions, the events written for them (the outbox) and each delivery.

A subscription without a distributor is the channel's (the manufacturer's): it hears of every
distributor's events and of the channel's own. A partner's subscription hears only of its own
distributor's events. An event is a `Message` (its id is the `webhook-id` header, the same for
every attempt and every "send again"); each subscription that wants it gets a `Delivery`.
"""

import base64
import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drm.crypto import EncryptedTextField
from drm.limits import PARAGRAPHS
from drm.sides import SideKeptBy, SideQuerySet

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every secret, not one
SECRET_BYTES = 24
URL_MAX = 2000
EXCERPT_MAX = 1024


def secret_new():
    """A fresh signing secret in the Standard Webhooks form: whsec_ and base64 of 24 bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def message_id_new():
    return "msg_" + secrets.token_hex(13)


class SubscriptionQuerySet(SideQuerySet):
    def visible_to(self, user):
        """The manufacturer's staff: the channel's subscriptions; a partner admin: its own
        distributor's; anyone else: none."""
        from identity.access import Role, is_manufacturer, user_membership, user_role

        if is_manufacturer(user):
            return self.of_side(None)
        if user_role(user) == Role.PARTNER_ADMIN:
            return self.of_side(user_membership(user).distributor_id)
        return self.none()


class Subscription(SideKeptBy):
    url = models.CharField(_("URL"), max_length=URL_MAX)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    active = models.BooleanField(_("active"), default=True)
    # Encrypted at rest (drm.crypto): the database never holds a secret a receiver trusts.
    secret = EncryptedTextField(max_length=100, default=secret_new, editable=False)
    # The secret before the last rotation, still signed with until `previous_secret_until`.
    previous_secret = EncryptedTextField(max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    failure_streak = models.PositiveIntegerField(_("failed attempts in a row"), default=0)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self):
        return f"{self.distributor_id or 'channel'} → {self.url}"

    def secrets_valid(self, now=None):
        """The secrets a delivery is signed with now: the current one, and the previous one
        while the rotation's overlap lasts."""
        now = now or timezone.now()
        valid = [self.secret]
        if self.previous_secret and self.previous_secret_until and self.previous_secret_until > now:
            valid.append(self.previous_secret)
        return valid

    def wants(self, event_type, distributor_id):
        """Does this subscription hear of `event_type` about `distributor_id` (None: channel)?"""
        if not self.active or event_type not in self.events:
            return False
        return self.is_channel or distributor_id == self.distributor_id


class Message(models.Model):
    """One event, as it is sent: its id (the `webhook-id`), type, distributor and data."""

    id = models.CharField(primary_key=True, max_length=40, default=message_id_new, editable=False)
    event_type = models.CharField(_("event"), max_length=60)
    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(_("occurred at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.id} {self.event_type}"

    def envelope(self):
        """The body every subscriber receives (Standard Webhooks' recommended shape)."""
        return {
            "type": self.event_type,
            "timestamp": self.created_at.isoformat().replace("+00:00", "Z"),
            "data": self.data,
        }


class DeliveryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(subscription__in=Subscription.objects.visible_to(user))


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed, will retry")
        GAVE_UP = "gave_up", _("Gave up")

    class Failure(models.TextChoices):
        REFUSED = "refused", _("Refused: not an http(s) URL on a public address")
        TIMEOUT = "timeout", _("No answer in time")
        REDIRECT = "redirect", _("Redirected (redirects are not followed)")
        CONNECTION = "connection", _("Could not connect")
        STATUS = "status", _("The receiver answered with an error")
        DISABLED = "disabled", _("The subscription is disabled")

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(_("event"), max_length=60)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    response_excerpt = models.TextField(_("response"), max_length=EXCERPT_MAX, blank=True)
    failure = models.CharField(_("failure"), max_length=12, choices=Failure.choices, blank=True)
    error = models.TextField(_("error"), max_length=PARAGRAPHS, blank=True)
    resent_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempted_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "failed"]),
                name="webhook_delivery_due",
            ),
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_log"),
        ]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self):
        return f"{self.message_id} → {self.subscription_id}: {self.status}"

    @property
    def is_open(self):
        return self.status in (self.Status.PENDING, self.Status.FAILED)
