"""Portal pages of the partner programme: the training catalogue, certifications, completions
and certificates."""

from django.urls import path

from . import exports, views

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
]
