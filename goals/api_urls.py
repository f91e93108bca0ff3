"""REST routes of the goals app, mounted under /api/v1/ beside the distributors' and leads'."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

# No root view of its own: /api/v1/ is the distributors router's (one "api-root").
router = SimpleRouter()
router.register("goals", api.GoalViewSet, basename="goal")
router.register("goal-amendments", api.AmendmentViewSet, basename="goal-amendment")
router.register("landmark-reviews", api.LandmarkReviewViewSet, basename="landmark-review")
router.register("activities", api.ActivityViewSet, basename="activity")

urlpatterns = [
    *router.urls,
    path(
        "distributors/<slug:code>/annex/",
        api.DistributorAnnexApi.as_view(),
        name="distributor-annex",
    ),
]
