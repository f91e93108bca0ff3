"""Portal pages of the identity app: the user's own settings and its second factor."""

from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/language/", views.language_switch, name="language"),
    path("accounts/two-factor/", views.two_factor_setup, name="two-factor"),
    path("accounts/two-factor/off/", views.two_factor_disable, name="two-factor-off"),
    path("accounts/two-factor/verify/", views.two_factor_verify, name="two-factor-verify"),
]
