"""REST routes of the distributors app, mounted under /api/v1/."""

from rest_framework.routers import DefaultRouter

from . import api


class Router(DefaultRouter):
    # JSON only: no ".json"/".api" suffix routes to guard twice.
    include_format_suffixes = False


router = Router()
router.register("distributors", api.DistributorViewSet, basename="distributor")
router.register("territories", api.TerritoryViewSet, basename="territory")
router.register("product-lines", api.ProductLineViewSet, basename="product-line")
router.register("revenue", api.RevenueViewSet, basename="revenue")
router.register("investments", api.InvestmentViewSet, basename="investment")

urlpatterns = router.urls
