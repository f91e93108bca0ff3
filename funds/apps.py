"""Funds app: market development funds and co-op (budgets and accruals, requests before an
activity, claims with proof after it, payment)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "funds"
    verbose_name = _("Funds")

    def ready(self):
        # Registers the notification kinds funds sends, its "Waiting for you" items, and fund
        # activities as treatments of the impact estimates.
        from . import notices, sections, treatments  # noqa: F401

        sections.register()
