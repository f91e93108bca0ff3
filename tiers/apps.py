"""Tiers app: tiers earned by requirements. Each tier lists the figures a distributor must reach
to hold it; a nightly job requalifies every distributor and proposes upgrades and downgrades,
which a manager confirms or overrides; a partner sees where it stands."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TiersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tiers"
    verbose_name = _("Tiers")

    def ready(self):
        # Registers its notification kind and its section of the 360° record.
        from . import notices, sections  # noqa: F401

        sections.register()
