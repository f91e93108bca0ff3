"""Portal pages of the tiers: requirements, proposals, history, and the partner's standing."""

from django.urls import path

from . import exports, views

app_name = "tiers"

urlpatterns = [
    path("tiers/", views.overview, name="overview"),
    path("tiers/requirements/", views.requirement_save, name="requirement-save"),
    path(
        "tiers/requirements/<int:pk>/delete/",
        views.requirement_delete,
        name="requirement-delete",
    ),
    path("tiers/proposals/", views.proposal_list, name="proposals"),
    path("tiers/proposals/export/", exports.proposals_export, name="proposals-export"),
    path("tiers/proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("tiers/distributors/<slug:code>/", views.history, name="history"),
    path("tiers/mine/", views.mine, name="mine"),
]
