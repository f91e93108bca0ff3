"""Portal pages of the partner programme: the training catalogue, certifications, completions
and certificates."""

from django.urls import path

from . import exports, views
from .views import onboarding

app_name = "partnership"

urlpatterns = [
    path("training/", views.course_list, name="courses"),
    path("training/courses/new/", views.course_create, name="course-create"),
    path("training/courses/<int:pk>/", views.course_detail, name="course"),
    path("training/courses/<int:pk>/edit/", views.course_edit, name="course-edit"),
    path("training/courses/<int:pk>/material/", views.course_material, name="course-material"),
    path("training/certifications/", views.certification_list, name="certifications"),
    path("training/certifications/new/", views.certification_create, name="certification-create"),
    path(
        "training/certifications/<int:pk>/edit/",
        views.certification_edit,
        name="certification-edit",
    ),
    path("training/completions/", views.completion_list, name="completions"),
    path("training/completions/new/", views.completion_create, name="completion-create"),
    path("training/completions/export/", exports.completions_export, name="completions-export"),
    path(
        "training/completions/<int:pk>/delete/",
        views.completion_delete,
        name="completion-delete",
    ),
    path("training/certificates/", views.certificate_list, name="certificates"),
    path(
        "training/certificates/export/",
        exports.certificates_export,
        name="certificates-export",
    ),
    path("agreement/", views.agreement, name="agreement"),
    path("agreement/new/", views.agreement_publish, name="agreement-publish"),
    path("agreement/accept/", views.agreement_accept, name="agreement-accept"),
    path("agreement/v<int:number>/", views.agreement_version, name="agreement-version"),
    path("onboarding/", onboarding.onboarding_list, name="onboardings"),
    path("onboarding/export/", exports.onboardings_export, name="onboardings-export"),
    path("onboarding/journeys/", onboarding.journey_list, name="journeys"),
    path("onboarding/journeys/new/", onboarding.journey_create, name="journey-create"),
    path("onboarding/journeys/<int:pk>/", onboarding.journey_detail, name="journey"),
    path("onboarding/steps/<int:pk>/edit/", onboarding.step_edit, name="step-edit"),
    path("onboarding/steps/<int:pk>/delete/", onboarding.step_delete, name="step-delete"),
    path(
        "onboarding/distributors/<slug:code>/",
        onboarding.onboarding_detail,
        name="onboarding",
    ),
    path(
        "onboarding/distributors/<slug:code>/start/",
        onboarding.onboarding_start,
        name="onboarding-start",
    ),
    path(
        "onboarding/distributors/<slug:code>/decide/",
        onboarding.application_decide,
        name="application-decide",
    ),
    path("onboarding/progress/<int:pk>/done/", onboarding.step_done, name="step-done"),
    path("onboarding/progress/<int:pk>/reopen/", onboarding.step_reopen, name="step-reopen"),
    path(
        "onboarding/progress/<int:pk>/evidence/",
        onboarding.step_evidence,
        name="step-evidence",
    ),
    path("my/onboarding/", onboarding.my_onboarding, name="my-onboarding"),
    path("apply/", onboarding.apply, name="apply"),
    path("apply/thanks/", onboarding.apply_thanks, name="apply-thanks"),
]
