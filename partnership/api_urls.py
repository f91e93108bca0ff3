"""REST routes of the training catalogue and the partner agreement, mounted under /api/v1/ beside
the other apps' routes."""

from rest_framework.routers import SimpleRouter

from . import api

# No root view of its own: /api/v1/ is the distributors router's (one "api-root").
router = SimpleRouter()
router.register("courses", api.CourseViewSet, basename="course")
router.register("certifications", api.CertificationViewSet, basename="certification")
router.register("completions", api.CompletionViewSet, basename="completion")
router.register("certificates", api.CertificateViewSet, basename="certificate")
router.register("agreement-versions", api.AgreementVersionViewSet, basename="agreement-version")
router.register(
    "agreement-acceptances", api.AgreementAcceptanceViewSet, basename="agreement-acceptance"
)
router.register("agreement-standing", api.AgreementStandingViewSet, basename="agreement-standing")
router.register("journeys", api.JourneyViewSet, basename="journey")
router.register("onboardings", api.OnboardingViewSet, basename="onboarding")
router.register("onboarding-steps", api.StepProgressViewSet, basename="onboarding-step")
router.register("applications", api.ApplicationViewSet, basename="application")

urlpatterns = router.urls
