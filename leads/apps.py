"""Leads app: MQL to DQL qualification, routing with deadlines, partner feedback, analytics."""

from django.apps import AppConfig


class LeadsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "leads"
    verbose_name = "Leads"

    def ready(self):
        # Registers the notification kinds leads sends, the MQL import with the engine, the
        # distributor list's overdue leads column and the 360° record's sections.
        from . import columns, imports, notices, sections  # noqa: F401

        sections.register()
