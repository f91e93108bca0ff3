"""Partnership app: the partner programme. This part: the training catalogue (courses and the
certifications they give), the completions of each partner user, and the certificates they hold
until they expire."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnershipConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "partnership"
    verbose_name = _("Partner programme")

    def ready(self):
        # Registers its notification kinds, its section of the 360° record, its panels on the
        # lead and goal pages, the goals' "trainings completed" metric read from completions, and
        # the import of completions from an LMS export (with the course codes it takes).
        # Its status guard keeps an onboarding distributor from going active by hand before its
        # journey opens access.
        from distributors.services import STATUS_GUARDS

        from . import imports, metrics, notices, panels, sections  # noqa: F401
        from .services import onboarding_status_guard

        sections.register()
        panels.register()
        if onboarding_status_guard not in STATUS_GUARDS:
            STATUS_GUARDS.append(onboarding_status_guard)
