"""REST routes of the tiers, mounted under /api/v1/ beside the other apps' routes."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("tier-requirements", api.RequirementViewSet, basename="tier-requirement")
router.register("tier-proposals", api.ReviewViewSet, basename="tier-proposal")

urlpatterns = [
    *router.urls,
    path("tier-standing/", api.StandingApi.as_view(), name="tier-standing"),
]
