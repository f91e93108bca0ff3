"""REST routes of the identity app, mounted under /api/v1/."""

from django.urls import path

from . import api

urlpatterns = [path("auth/token/", api.TokenObtainApi.as_view(), name="token")]
