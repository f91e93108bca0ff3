"""Portal pages of the tiers: requirements, proposals, history, and the partner's standing."""

from django.urls import path

from . import exports, views

app_name = "tiers"

urlpatterns = [
    path("programme/tiers/", views.overview, name="overview"),
    path("programme/tiers/requirements/", views.requirement_save, name="requirement-save"),
    path(
        "programme/tiers/requirements/<int:pk>/delete/",
        views.requirement_delete,
        name="requirement-delete",
    ),
    path("programme/tiers/proposals/", views.proposal_list, name="proposals"),
    path("programme/tiers/proposals/export/", exports.proposals_export, name="proposals-export"),
    path("programme/tiers/proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("programme/tiers/distributors/<slug:code>/", views.history, name="history"),
    path("programme/tiers/mine/", views.mine, name="mine"),
]
