"""Portal pages of the incentives app: programmes, their standings, accrual, advances and
true-up, the earnings statement and the payment of goal bonuses."""

from django.urls import path

from . import exports, views

app_name = "incentives"

urlpatterns = [
    path("incentives/", views.programme_list, name="list"),
    path("incentives/new/", views.programme_create, name="create"),
    path("incentives/earnings/", views.statement, name="statement"),
    path("incentives/earnings/export/", exports.ledger_export, name="ledger-export"),
    path("incentives/bonuses/<int:pk>/pay/", views.bonus_pay, name="bonus-pay"),
    path("incentives/<int:pk>/", views.programme_detail, name="detail"),
    path(
        "incentives/<int:pk>/standings/export/", exports.standings_export, name="standings-export"
    ),
    path("incentives/<int:pk>/accrue/", views.programme_accrue, name="accrue"),
    path("incentives/<int:pk>/advance/", views.programme_advance, name="advance"),
    path("incentives/<int:pk>/true-up/", views.programme_true_up, name="true-up"),
]
