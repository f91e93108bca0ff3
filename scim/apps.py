"""SCIM 2.0 provisioning: a distributor's directory (or the manufacturer's, for its staff) creates,
updates, deactivates and deletes the portal users it owns, with a bearer token that decides the
scope."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScimConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scim"
    verbose_name = _("Provisioning (SCIM)")

    def ready(self):
        # Registers its notification kind.
        from . import notices  # noqa: F401
