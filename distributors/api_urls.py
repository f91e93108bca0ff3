"""REST routes of the distributors app, mounted under /api/v1/."""

from rest_framework.routers import DefaultRouter

from . import api

router = DefaultRouter()
router.register("distributors", api.DistributorViewSet, basename="distributor")
router.register("territories", api.TerritoryViewSet, basename="territory")
router.register("product-lines", api.ProductLineViewSet, basename="product-line")
router.register("revenue", api.RevenueViewSet, basename="revenue")
router.register("investments", api.InvestmentViewSet, basename="investment")

urlpatterns = router.urls
