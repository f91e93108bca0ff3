"""REST routes of the goals app, mounted under /api/v1/ (being built)."""

urlpatterns = []
