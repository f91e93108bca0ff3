"""REST routes of the incentives app, mounted under /api/v1/ beside the other apps' routes."""

from rest_framework.routers import SimpleRouter

from . import api

# No root view of its own: /api/v1/ is the distributors router's (one "api-root").
router = SimpleRouter()
router.register("programmes", api.ProgrammeViewSet, basename="programme")
router.register("earnings", api.EarningViewSet, basename="earning")
router.register("bonus-payments", api.BonusPaymentViewSet, basename="bonus-payment")

urlpatterns = router.urls
