"""Single sign-on's routes: the company sign-in, its protocols' endpoints, and the pages that
keep the identity providers (the manufacturer's under /integrations/, a partner admin's own
under /my/)."""

from django.urls import path
from django.views.decorators.http import require_safe

from . import saml, signin, views

app_name = "sso"


def _pages(prefix, side, name_prefix):
    side_kwargs = {"side": side}
    return [
        path(prefix, views.provider_list, side_kwargs, name=name_prefix + "list"),
        path(f"{prefix}new/", views.provider_new, side_kwargs, name=name_prefix + "new"),
        path(f"{prefix}<int:pk>/", views.provider_detail, side_kwargs, name=name_prefix + "detail"),
        path(
            f"{prefix}<int:pk>/deactivate/",
            views.provider_deactivate,
            side_kwargs,
            name=name_prefix + "deactivate",
        ),
    ]


urlpatterns = [
    *_pages("integrations/sign-in/", views.CHANNEL, ""),
    *_pages("my/sign-in/", views.PARTNER, "mine-"),
    path("sso/company/", signin.company_sign_in, name="company"),
    path("sso/saml/<int:pk>/acs/", saml.assertion_consumer, name="saml-acs"),
    path("sso/saml/<int:pk>/metadata/", saml.metadata, name="saml-metadata"),
    path("sso/<int:pk>/start/", require_safe(signin.start), name="start"),
    path(
        "sso/oidc/callback/", require_safe(signin.OIDCCallbackView.as_view()), name="oidc-callback"
    ),
]
