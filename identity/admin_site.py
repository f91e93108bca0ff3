"""The Django admin site: open to the manufacturer's people, never to a partner; with
TWO_FACTOR_REQUIRED_FOR_ADMINS on, only after their second factor."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from .access import admin_site_requires_verification, can_use_admin


class PortalAdminSite(admin.AdminSite):
    site_header = "DRM portal administration"
    site_title = "DRM portal admin"

    def has_permission(self, request):
        # With TWO_FACTOR_REQUIRED_FOR_ADMINS on, a password alone does not open the admin (the
        # TwoFactorMiddleware sends such a user to enter its code, or to set up an app first).
        user = request.user
        if admin_site_requires_verification(user) and not user.is_verified():
            return False
        return can_use_admin(user)


class PortalAdminConfig(AdminConfig):
    """`django.contrib.admin` with the portal's site as `admin.site`, for every app."""

    default_site = "identity.admin_site.PortalAdminSite"
