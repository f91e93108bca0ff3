"""Goals app: SMART goals, landmarks, action plans, contract annex (filled by a later issue)."""

from django.apps import AppConfig


class GoalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "goals"
