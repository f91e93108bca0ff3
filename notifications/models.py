"""A notification to one user, and how that user wants each kind delivered."""

from django.conf import settings
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
        ]

    def __str__(self):
        return self.subject

    @property
    def is_read(self):
        return self.read_at is not None

    @property
    def pending_acts(self):
        """What the notification still asks its reader to do (act keys, in the order asked);
        empty for a notice that asks for nothing, or once all of it is done."""
        return [act.key for act in self.acts.order_by("id")]

    @property
    def is_done(self):
        return self.done_at is not None


class NotificationAct(models.Model):
    """One act a notification asks for, by key ("goal:12:answer", see services.act_key); the
    row goes once the act is done, by whomever (services.resolve). A table of its own rather
    than an array column, so that the embedded SQLite demo runs the same code."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="acts")
    key = models.CharField(max_length=100, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notification", "key"], name="notification_act_once")
        ]

    def __str__(self):
        return self.key


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
