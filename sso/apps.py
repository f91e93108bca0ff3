"""Single sign-on: the manufacturer's staff and each distributor's people log in with their
company account (OpenID Connect or SAML 2.0); identities are linked by (provider, subject) and
provisioned just in time, always inside the one distributor that owns the provider."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sso"
    verbose_name = _("Single sign-on")
