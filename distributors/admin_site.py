"""The Django admin site: open to the manufacturer's people, never to a partner."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from .access import can_use_admin


class PortalAdminSite(admin.AdminSite):
    site_header = "DRM portal administration"
    site_title = "DRM portal admin"

    def has_permission(self, request):
        return can_use_admin(request.user)


class PortalAdminConfig(AdminConfig):
    """`django.contrib.admin` with the portal's site as `admin.site`, for every app."""

    default_site = "distributors.admin_site.PortalAdminSite"
