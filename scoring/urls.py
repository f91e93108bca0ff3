"""Portal pages of scoring (being built: issue 9)."""

app_name = "scoring"

urlpatterns = []
