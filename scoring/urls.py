"""Portal pages of scoring: dashboard, ranking, scorecards, runs, weights, resources."""

from django.urls import path

from . import views

app_name = "scoring"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("scoring/rankings/", views.rankings, name="rankings"),
    path("scoring/rankings/export/", views.rankings_export, name="rankings-export"),
    path("scoring/distributors/<slug:code>/", views.scorecard, name="scorecard"),
    path("scoring/my/", views.my_scorecard, name="mine"),
    path("scoring/runs/", views.run_list, name="runs"),
    path("scoring/runs/trigger/", views.run_trigger, name="run-trigger"),
    path("scoring/runs/<int:pk>/progress/", views.run_progress, name="run-progress"),
    path("scoring/weights/", views.weights, name="weights"),
    path("scoring/resources/", views.resources, name="resources"),
]
