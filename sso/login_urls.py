"""The portal's own log-in and log-out routes (names "login", "logout"): single sign-on's
versions, which know the company sign-in."""

from django.urls import path
from django.views.decorators.http import require_http_methods

from . import signin

urlpatterns = [
    # Django's form views also answer PUT as if it were POST; the portal's forms only POST.
    path(
        "accounts/login/",
        require_http_methods(["GET", "POST"])(signin.LoginView.as_view()),
        name="login",
    ),
    path("accounts/logout/", signin.LogoutView.as_view(), name="logout"),
]
