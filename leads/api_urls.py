"""REST routes of the leads app, mounted under /api/v1/ beside the distributors' routes."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import criteria, leads, materials

# No root view of its own: /api/v1/ is the distributors router's (one "api-root").
router = SimpleRouter()
router.register("leads", leads.LeadViewSet, basename="lead")
router.register("lead-sources", leads.LeadSourceViewSet, basename="lead-source")
router.register(
    "qualification-criteria", criteria.CriteriaVersionViewSet, basename="qualification-criteria"
)
router.register("materials", materials.MaterialViewSet, basename="material")

urlpatterns = [
    *router.urls,
    path("funnel/", leads.FunnelApi.as_view(), name="funnel"),
]
