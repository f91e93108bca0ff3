"""Leads app: MQL to DQL qualification, routing, partner feedback (filled by a later issue)."""

from django.apps import AppConfig


class LeadsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "leads"
