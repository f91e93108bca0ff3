"""REST routes of scoring, mounted under /api/v1/ (being built: issue 9)."""

urlpatterns = []
