"""Goals app: SMART goals on three levels, co-setting, landmarks and reviews, action plans,
the contract annex."""

from django.apps import AppConfig


class GoalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "goals"
    verbose_name = "Goals"

    def ready(self):
        # Registers the notification kinds goals sends, the distributor list's goal attainment
        # column and the 360° record's sections; the metrics and checks register on import.
        from . import columns, metrics, notices, sections, smart  # noqa: F401

        sections.register()
