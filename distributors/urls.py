"""Portal pages of the distributors app."""

from django.urls import path

from . import views

app_name = "distributors"

urlpatterns = [
    path("distributors/", views.distributor_list, name="list"),
    path("distributors/export/", views.distributor_export, name="export"),
    path("distributors/new/", views.distributor_create, name="create"),
    path("distributors/<slug:code>/", views.distributor_detail, name="detail"),
    path("distributors/<slug:code>/edit/", views.distributor_edit, name="edit"),
    path("my/", views.my_distributor, name="mine"),
    path("pickers/distributors/", views.distributor_pick, name="pick"),
    path("my/revenue/", views.revenue_report, name="my-revenue"),
    path("distributors/<slug:code>/revenue/", views.revenue_report, name="revenue"),
    path("exchange-rates/", views.exchange_rates, name="exchange-rates"),
    path(
        "exchange-rates/<int:pk>/delete/",
        views.exchange_rate_delete,
        name="exchange-rate-delete",
    ),
    path("partner-users/", views.partner_user_list, name="users"),
    path("partner-users/invite/", views.partner_user_invite, name="user-invite"),
    path(
        "partner-users/<int:user_id>/deactivate/",
        views.partner_user_deactivate,
        name="user-deactivate",
    ),
    path("tiers/", views.tier_list, name="tiers"),
    path("tiers/new/", views.tier_create, name="tier-create"),
    path("tiers/<slug:code>/edit/", views.tier_edit, name="tier-edit"),
    path("tiers/<slug:code>/delete/", views.tier_delete, name="tier-delete"),
    path("territories/", views.territory_list, name="territories"),
    path("territories/new/", views.territory_create, name="territory-create"),
    path("territories/<slug:code>/edit/", views.territory_edit, name="territory-edit"),
    path("territories/<slug:code>/delete/", views.territory_delete, name="territory-delete"),
    path("regions/", views.region_list, name="regions"),
    path("imports/", views.import_list, name="imports"),
    path("imports/new/", views.import_create, name="import-create"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/status/", views.import_status, name="import-status"),
    path("imports/<int:pk>/errors.csv", views.import_errors, name="import-errors"),
    path("imports/<int:pk>/commit/", views.import_commit, name="import-commit"),
    path("imports/template/<str:kind>.csv", views.import_template, name="import-template"),
    path(
        "imports/template/<str:kind>.xlsx",
        views.import_template,
        {"file_format": "xlsx"},
        name="import-template-xlsx",
    ),
    path("imports/codes/", views.import_codes, name="import-codes"),
]
