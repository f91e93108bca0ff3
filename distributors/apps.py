"""Distributors app: profiles, territories, product lines, memberships, revenue, investments."""

from django.apps import AppConfig


class DistributorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "distributors"
    verbose_name = "Distributors"

    def ready(self):
        from . import collation, notices  # noqa: F401 - registers the notification kinds

        collation.connect()  # names sort the reader's way on SQLite too
