"""Who a portal user is: its own settings (language) and, for a partner, its membership of one
distributor, with the membership's history."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .access import VisibleToQuerySet


class MembershipHistory(models.Model):
    """What a membership's history records besides its own fields: whether the user could log in."""

    user_is_active = models.BooleanField(_("active"), null=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.user_is_active is None:
            # The user as it is when the record is written (deactivation is an UPDATE).
            self.user_is_active = (
                get_user_model().objects.filter(pk=self.user_id).values_list("is_active", flat=True)
            ).first()
        super().save(*args, **kwargs)


class UserProfile(models.Model):
    """A portal user's own settings: the language pages and e-mails speak to it in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: the browser's language"),
    )

    class Meta:
        db_table = "distributors_userprofile"  # created when profiles lived in `distributors`
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self):
        return f"{self.user} ({self.language or '-'})"


class Membership(models.Model):
    """Ties a partner user to its one distributor."""

    HISTORY_FIELDS = ("role", "user_is_active")

    class Role(models.TextChoices):
        ADMIN = "admin", _("Partner admin")
        REP = "rep", _("Partner rep")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.REP)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")
    history = HistoricalRecords(
        bases=[MembershipHistory],
        excluded_fields=["updated_at"],
        table_name="distributors_historicalmembership",
    )

    class Meta:
        # The tables were created when memberships lived in `distributors`.
        db_table = "distributors_membership"

    def __str__(self):
        return f"{self.user} @ {self.distributor.code} ({self.get_role_display()})"
