"""Single sign-on's routes: the company sign-in, its protocols' endpoints, and the pages that
keep the identity providers (the manufacturer's under /integrations/, a partner admin's own
under /my/)."""

from django.urls import path
from django.views.decorators.http import require_safe

from . import signin

app_name = "sso"

urlpatterns = [
    path("sso/company/", signin.company_sign_in, name="company"),
    path("sso/<int:pk>/start/", require_safe(signin.start), name="start"),
    path(
        "sso/oidc/callback/", require_safe(signin.OIDCCallbackView.as_view()), name="oidc-callback"
    ),
]
