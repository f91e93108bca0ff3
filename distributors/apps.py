"""Distributors app: profiles, territories, product lines, memberships, revenue, investments."""

from django.apps import AppConfig


class DistributorsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "distributors"
    verbose_name = "Distributors"

    def ready(self):
        # notices registers the notification kinds; sections the record's own parts.
        from drm import collation

        from . import notices, regions, sections  # noqa: F401

        collation.connect()  # names sort the reader's way on SQLite too
        sections.register()
        regions.connect()  # a region renamed reads at once
