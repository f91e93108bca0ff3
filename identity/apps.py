"""Identity app: roles, memberships, user profiles and languages, two-factor authentication."""

from django.apps import AppConfig


class IdentityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "identity"
    verbose_name = "Identity"
