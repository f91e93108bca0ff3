"""Provisioning tokens, the SCIM identity of a provisioned user (its externalId) and the log of what
each directory did.

A token without a distributor is the manufacturer's: it provisions staff (channel managers and
manufacturer admins). A token with one provisions that distributor's partner users, never anyone
else. The secret is shown once; only its SHA-256 is kept (it is 32 random bytes: a slow hash would
add nothing).
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from drm.sides import SideKept, SideKeptBy, SideQuerySet

TOKEN_PREFIX = "scim_"  # noqa: S105 - the prefix of every token, not one
TOKEN_BYTES = 32
EXTERNAL_ID_MAX = 255


def token_secret_new():
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


def token_digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


class KeptQuerySet(SideQuerySet):
    def visible_to(self, user):
        """A manufacturer admin: the manufacturer's (staff directory's); a partner admin: its
        distributor's."""
        from identity.access import Role, user_membership, user_role

        role = user_role(user)
        if role == Role.ADMIN:
            return self.of_side(None)
        if role == Role.PARTNER_ADMIN:
            return self.of_side(user_membership(user).distributor_id)
        return self.none()


class TokenQuerySet(KeptQuerySet):
    def usable(self):
        return self.filter(revoked_at__isnull=True)


class Token(SideKeptBy):
    description = models.CharField(_("description"), max_length=200, blank=True)
    # The first characters of the secret, shown to tell tokens apart.
    prefix = models.CharField(_("starts with"), max_length=16, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    objects = TokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("provisioning token")
        verbose_name_plural = _("provisioning tokens")
        indexes = [models.Index(fields=["distributor", "-created_at"], name="scim_token_scope")]

    def __str__(self):
        return f"{self.prefix}…"


class Identity(models.Model):
    """What SCIM knows of a user that the user row does not hold: the directory's own id for it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_identity"
    )
    external_id = models.CharField(_("external id"), max_length=EXTERNAL_ID_MAX, blank=True)
    # SCIM's meta.lastModified: when a directory last changed the user.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SCIM identity")
        verbose_name_plural = _("SCIM identities")
        indexes = [models.Index(fields=["external_id"], name="scim_identity_external")]

    def __str__(self):
        return self.external_id


class Event(SideKept):
    """One act of a directory on a user (or of a person on a token): the provisioning activity."""

    class Action(models.TextChoices):
        CREATED = "created", _("User created")
        UPDATED = "updated", _("User updated")
        DEACTIVATED = "deactivated", _("User deactivated")
        REACTIVATED = "reactivated", _("User reactivated")
        DELETED = "deleted", _("User deleted")
        TOKEN_CREATED = "token_created", _("Token created")
        TOKEN_REVOKED = "token_revoked", _("Token revoked")

    token = models.ForeignKey(
        Token, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # Kept as it was: the user may be deleted since.
    user_name = models.CharField(_("user name"), max_length=150, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    changed = models.JSONField(_("changed"), default=list, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    objects = KeptQuerySet.as_manager()

    class Meta:
        verbose_name = _("provisioning event")
        verbose_name_plural = _("provisioning events")
        indexes = [models.Index(fields=["distributor", "-at"], name="scim_event_scope")]

    def __str__(self):
        return f"{self.get_action_display()} {self.user_name}"
