"""Root URLs: portal pages, the REST API under /api/v1/, its schema and docs, admin, health."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.http import require_http_methods, require_safe
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from distributors import views as distributor_views
from drm.accounts import PasswordResetView
from drm.health import healthz

form_methods = require_http_methods(["GET", "POST"])


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links: the portal's icon, under /static/."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))


api_v1 = [
    # auth/token/ (name "token") is identity's own: it asks for the second factor too.
    path("", include("identity.api_urls")),
    path("", include("distributors.api_urls")),
    path("", include("leads.api_urls")),
    path("", include("goals.api_urls")),
    path("", include("funds.api_urls")),
    path("", include("incentives.api_urls")),
    path("", include("scoring.api_urls")),
    path("", include("partnership.api_urls")),
    path("", include("tiers.api_urls")),
    path("", include("webhooks.api_urls")),
]

urlpatterns = [
    # The API first: a request resolves through the patterns in order, and an API client's
    # every call would otherwise try each page's pattern before its own.
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("", distributor_views.home, name="home"),
    # Django's form views also answer PUT as if it were POST; the portal's forms only POST.
    # Log-in and log-out are single sign-on's (they know the company sign-in).
    path("", include("sso.login_urls")),
    path(
        "accounts/password/",
        form_methods(auth_views.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # Forgotten passwords: the same answer whether or not the address has an account.
    path(
        "accounts/password/reset/",
        form_methods(PasswordResetView.as_view()),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/done/",
        require_safe(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    # Invited users set their first password here (the link comes by e-mail).
    path(
        "accounts/reset/<uidb64>/<token>/",
        form_methods(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        require_safe(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
    path("notifications/", include("notifications.urls")),
    path("", include("identity.urls")),
    path("", include("distributors.urls")),
    path("", include("leads.urls")),
    path("", include("goals.urls")),
    path("", include("funds.urls")),
    path("", include("incentives.urls")),
    path("", include("scoring.urls")),
    path("", include("partnership.urls")),
    path("", include("tiers.urls")),
    path("", include("webhooks.urls")),
    path("", include("sso.urls")),
    path("", include("scim.urls")),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
]

# The portal's own error pages (drm/error_pages.py); under /api/ a missing route and a server
# error answer in the API's error shape instead.
handler400 = "drm.error_pages.bad_request"
handler403 = "drm.error_pages.permission_denied"
handler404 = "drm.api.not_found"
handler500 = "drm.api.server_error"
