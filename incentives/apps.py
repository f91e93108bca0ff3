"""Incentives app: rebate and incentive programmes (volume, units and growth rebates, SPIFFs),
their accruals from the revenue the portal holds, advances and true-ups, and each
distributor's one statement of what it has earned (goal bonuses included)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "incentives"
    verbose_name = _("Incentives")

    def ready(self):
        # Registers the notification kinds it sends, its section of the 360° record, and
        # programmes as treatments of the impact estimates (funds.treatments).
        from . import notices, sections, treatments  # noqa: F401

        sections.register()
