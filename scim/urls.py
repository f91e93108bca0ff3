"""Portal pages of provisioning, and the SCIM 2.0 endpoints under /scim/v2/."""

from django.urls import include, path

from . import views

app_name = "scim"

urlpatterns = [
    path("scim/v2/", include("scim.api_urls")),
    path("my/provisioning/", views.provisioning, {"side": views.PARTNER}, name="mine"),
    path(
        "my/provisioning/tokens/<int:pk>/revoke/",
        views.token_revoke,
        {"side": views.PARTNER},
        name="mine-revoke",
    ),
    path("integrations/provisioning/", views.provisioning, {"side": views.STAFF}, name="staff"),
    path(
        "integrations/provisioning/tokens/<int:pk>/revoke/",
        views.token_revoke,
        {"side": views.STAFF},
        name="staff-revoke",
    ),
]
