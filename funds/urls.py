"""Portal pages of the funds app: funds and balances, requests before an activity, claims with
their proof after it, payment."""

from django.urls import path

from . import exports, views

app_name = "funds"

urlpatterns = [
    path("funds/", views.fund_list, name="list"),
    path("funds/new/", views.fund_create, name="create"),
    path("funds/balances/export/", exports.balances_export, name="balances-export"),
    path("funds/<int:pk>/", views.fund_detail, name="detail"),
    path("funds/<int:pk>/allocate/", views.fund_allocate, name="allocate"),
    path("funds/<int:pk>/accrue/", views.fund_accrue, name="accrue"),
    path("funds/requests/", views.request_list, name="requests"),
    path("funds/requests/export/", exports.requests_export, name="requests-export"),
    path("funds/requests/new/", views.request_create, name="request-create"),
    path("funds/requests/<int:pk>/", views.request_detail, name="request"),
    path("funds/requests/<int:pk>/decide/", views.request_decide, name="request-decide"),
    path("funds/requests/<int:pk>/cancel/", views.request_cancel, name="request-cancel"),
    path("funds/requests/<int:pk>/claim/", views.claim_submit, name="claim-submit"),
    path("funds/claims/<int:pk>/decide/", views.claim_decide, name="claim-decide"),
    path("funds/claims/<int:pk>/pay/", views.claim_pay, name="claim-pay"),
    path("funds/proofs/<int:pk>/", views.proof_download, name="proof"),
]
