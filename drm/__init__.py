"""DRM portal project package: settings, URLs, Celery app, shared base classes."""

from .celery import app as celery_app

__all__ = ("celery_app",)
