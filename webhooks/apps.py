"""Webhooks app: integrations hear of the portal's events. A subscription (the channel's, or a
partner's for its own distributor) names a URL and the events it wants; each event is signed
(Standard Webhooks) and delivered by Celery after commit, retried for about a day, and logged."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"
    verbose_name = _("Webhooks")

    def ready(self):
        # Registers its notification kind, and the sink every emitted event passes through.
        from drm.events import sink_register

        from . import notices, services  # noqa: F401

        sink_register(services.event_record)
