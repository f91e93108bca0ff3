"""REST routes of scoring, mounted under /api/v1/ beside the other apps'."""

from rest_framework.routers import SimpleRouter

from . import api

# No root view of its own: /api/v1/ is the distributors router's (one "api-root").
router = SimpleRouter()
router.register("scorecards", api.ScorecardViewSet, basename="scorecard")
router.register("scoring-runs", api.ScoringRunViewSet, basename="scoring-run")

urlpatterns = router.urls
