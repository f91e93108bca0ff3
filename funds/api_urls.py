"""REST routes of the funds app, mounted under /api/v1/ beside the other apps' routes."""

from rest_framework.routers import SimpleRouter

from . import api

# No root view of its own: /api/v1/ is the distributors router's (one "api-root").
router = SimpleRouter()
router.register("funds", api.FundViewSet, basename="fund")
router.register("fund-balances", api.BalanceViewSet, basename="fund-balance")
router.register("fund-requests", api.FundRequestViewSet, basename="fund-request")
router.register("fund-claims", api.ClaimViewSet, basename="fund-claim")
router.register("impact-estimates", api.ImpactEstimateViewSet, basename="impact-estimate")

urlpatterns = router.urls
