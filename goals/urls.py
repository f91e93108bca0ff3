"""Portal pages of the goals app: the goals list and form (with the live SMART check), a goal's
page, co-setting acts, amendments, action steps, the review queue, the quarterly review, the
manager's activity log and the contract annex."""

from django.urls import path

from . import views

app_name = "goals"

urlpatterns = [
    # --- goals: list, entry, one goal and the acts on it ---
    path("goals/", views.goal_list, name="list"),
    path("goals/export/", views.goal_export, name="export"),
    path("goals/new/", views.goal_create, name="create"),
    path("goals/check/", views.goal_check, name="check"),
    path("goals/landmarks/suggest/", views.landmarks_suggest, name="landmarks-suggest"),
    path("goals/<int:pk>/", views.goal_detail, name="detail"),
    path("goals/<int:pk>/edit/", views.goal_edit, name="edit"),
    path("goals/<int:pk>/propose/", views.goal_propose, name="propose"),
    path("goals/<int:pk>/accept/", views.goal_accept, name="accept"),
    path("goals/<int:pk>/activate/", views.goal_activate, name="activate"),
    path("goals/<int:pk>/close/", views.goal_close, name="close"),
    path("goals/<int:pk>/plan/", views.plan_page, name="plan"),
    path("goals/<int:pk>/plan/apply/", views.plan_apply, name="plan-apply"),
    path("goals/<int:pk>/plan/export/", views.plan_export, name="plan-export"),
    path("goals/<int:pk>/amend/", views.amendment_create, name="amend"),
    path("goals/amendments/<int:pk>/accept/", views.amendment_accept, name="amendment-accept"),
    path("goals/amendments/<int:pk>/reject/", views.amendment_reject, name="amendment-reject"),
    # --- action plans ---
    path("goals/steps/", views.step_list, name="steps"),
    path("goals/<int:pk>/steps/", views.step_add, name="step-add"),
    path("goals/steps/<int:pk>/status/", views.step_status, name="step-status"),
    # --- landmark reviews ---
    path("goals/reviews/", views.review_queue, name="reviews"),
    path("goals/reviews/<int:pk>/", views.review_detail, name="review"),
    path("goals/reviews/<int:pk>/account/", views.review_account, name="review-account"),
    path(
        "goals/reviews/<int:pk>/acknowledge/",
        views.review_acknowledge,
        name="review-acknowledge",
    ),
    path("goals/reviews/<int:pk>/close/", views.review_close, name="review-close"),
    # --- the quarterly review, the activity log, the contract annex ---
    path("goals/quarterly/<slug:code>/", views.quarterly_review, name="quarterly"),
    path("goals/activities/", views.activity_log, name="activities"),
    path("goals/annex/<slug:code>/<int:year>/", views.annex_download, name="annex"),
]
