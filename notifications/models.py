"""A notification to one user, and how that user wants each kind delivered."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .kinds import Delivery


class NotificationQuerySet(models.QuerySet):
    def for_recipient(self, user):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        """Neither read nor done: what the navbar badge counts."""
        return self.filter(read_at__isnull=True, done_at__isnull=True)

    def open(self):
        """Not done yet (read or not)."""
        return self.filter(done_at__isnull=True)


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.SlugField(max_length=50)
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True, help_text=_("A path inside the portal."))
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # What the notification asks its reader to do, as keys ("goal:12:answer", see
    # services.act_key) that are not done yet; empty for a notice that asks for nothing.
    pending_acts = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    # When the last of its acts was done (by its reader or anyone else): it leaves the unread
    # count and is not e-mailed any more.
    done_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The navbar badge and the digest read unread rows of one user.
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(read_at__isnull=True, done_at__isnull=True),
                name="notification_unread_open_idx",
            ),
            # resolve() finds the open notifications that ask for an act.
            GinIndex(
                fields=["pending_acts"],
                condition=models.Q(done_at__isnull=True),
                name="notification_pending_acts_idx",
            ),
        ]

    def __str__(self):
        return self.subject

    @property
    def is_read(self):
        return self.read_at is not None

    @property
    def is_done(self):
        return self.done_at is not None


class NotificationPreference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.SlugField(max_length=50)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind"),
        ]

    def __str__(self):
        return f"{self.user} {self.kind}: {self.delivery}"
