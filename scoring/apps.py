"""Scoring app: nightly scorecards and rankings (filled by a later issue)."""

from django.apps import AppConfig


class ScoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "scoring"
