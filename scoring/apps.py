"""Scoring app: nightly scorecards and rankings, explained, for people and REST clients."""

from django.apps import AppConfig


class ScoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scoring"
    verbose_name = "Scoring"

    def ready(self):
        # Adds the score and rank columns to the distributor list and the record's section.
        from . import columns, sections  # noqa: F401

        sections.register()
