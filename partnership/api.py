"""REST API of the partner programme: the onboarding journeys (read), the onboardings and their
steps (a step done by hand), the applications and their decision; the training catalogue,
courses and certifications (every portal user reads them, the manufacturer writes them),
completions (pushed by an LMS or an integration: the manufacturer for any partner user, a
partner admin for its own team) and the certificates they give; the partner agreement, its
versions (the manufacturer publishes them) and the distributors' acceptances (a partner admin
accepts the current version). Every read is scoped to the caller (`visible_to`: another
distributor's completion is a 404); every write is one service, which decides who may do it."""

import os

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from distributors.models import Distributor
from drm.api import Pagination, validated_payload
from goals.api import IsManufacturer
from identity.access import HasPortalRole, IsPortalUser

from . import selectors, services
from .filters import (
    AcceptanceFilter,
    AgreementStandingFilter,
    CertificateFilter,
    CompletionFilter,
    CourseFilter,
    OnboardingFilter,
)
from .models import (
    AgreementAcceptance,
    AgreementVersion,
    Application,
    Certification,
    Completion,
    Course,
    Journey,
    Onboarding,
    StepProgress,
)
from .serializers import (
    AgreementAcceptanceSerializer,
    AgreementAcceptInputSerializer,
    AgreementStandingSerializer,
    AgreementVersionInputSerializer,
    AgreementVersionSerializer,
    ApplicationSerializer,
    CertificateSerializer,
    CertificationInputSerializer,
    CertificationSerializer,
    CompletionInputSerializer,
    CompletionSerializer,
    CourseInputSerializer,
    CourseSerializer,
    DecisionInputSerializer,
    JourneySerializer,
    OnboardingSerializer,
    StepDoneInputSerializer,
    StepProgressSerializer,
)

REFUSALS = {
    400: OpenApiResponse(description='The rules refuse it: {"error": {...}} names the field'),
    403: OpenApiResponse(description="Not yours to do"),
    404: OpenApiResponse(description="No such row among those you may see"),
}
MANUFACTURER = "The manufacturer's staff only (403 for a partner)."
RECORDERS = (
    "The manufacturer, for any partner user; a partner admin, for the users of its own "
    "distributor (403 for a rep)."
)


class CourseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The course catalogue. Every portal user reads it (a partner: the courses in the
    catalogue; the manufacturer also those taken out); the manufacturer writes it."""

    serializer_class = CourseSerializer
    permission_classes = [IsPortalUser]
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = CourseFilter
    queryset = Course.objects.none()

    def get_queryset(self):
        return selectors.course_list(visible_to=self.request.user).order_by("title", "pk")

    def get_object(self):
        # A write reads the course as it is, whatever the list's filters say.
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _answer(self, course, code=status.HTTP_200_OK):
        return Response(CourseSerializer(self.get_queryset().get(pk=course.pk)).data, status=code)

    @extend_schema(summary="Courses of the catalogue, by title")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One course")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Add a course to the catalogue",
        description=MANUFACTURER + " JSON: a course needs a `url` here (its material is "
        "uploaded on its page, not through the API).",
        request=CourseInputSerializer,
        responses={201: CourseSerializer, **REFUSALS},
    )
    def create(self, request):
        data = validated_payload(CourseInputSerializer, request)
        course = services.course_save(by=request.user, **data)
        return self._answer(course, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a course (every field; its material stays as it is)",
        description=MANUFACTURER + " A course with a material may leave `url` empty.",
        request=CourseInputSerializer,
        responses={200: CourseSerializer, **REFUSALS},
    )
    def update(self, request, pk=None):
        course = self.get_object()
        data = validated_payload(CourseInputSerializer, request)
        course = services.course_save(by=request.user, course=course, **data)
        return self._answer(course)

    @extend_schema(
        summary="Download the course's material",
        description="Any portal user who may see the course. Sent as an attachment.",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such course among those you see, or no material"),
        },
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def material(self, request, pk=None):
        course = self.get_object()
        if not course.material:
            raise NotFound(_("This course has no material."))
        try:
            handle = course.material.storage.open(course.material.name, "rb")
        except FileNotFoundError as exc:
            raise NotFound(_("The file is missing from storage.")) from exc
        response = FileResponse(
            handle, as_attachment=True, filename=os.path.basename(course.material.name)
        )
        response["Cache-Control"] = "private, no-store"
        return response


class CertificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Certifications: what passing a course makes a user, for how long. Every portal user reads
    them; the manufacturer writes them."""

    serializer_class = CertificationSerializer
    permission_classes = [IsPortalUser]
    pagination_class = Pagination
    filter_backends = []
    queryset = Certification.objects.none()

    def get_queryset(self):
        return selectors.certification_list()

    def _answer(self, certification, code=status.HTTP_200_OK):
        certification = self.get_queryset().get(pk=certification.pk)
        return Response(CertificationSerializer(certification).data, status=code)

    @extend_schema(summary="Certifications, by name")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One certification")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Define a certification",
        description=MANUFACTURER,
        request=CertificationInputSerializer,
        responses={201: CertificationSerializer, **REFUSALS},
    )
    def create(self, request):
        data = validated_payload(CertificationInputSerializer, request)
        certification = services.certification_save(by=request.user, **data)
        return self._answer(certification, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a certification (every field)",
        description=MANUFACTURER + " A new validity applies to what is passed from then on; "
        "the certificates already earned keep their end.",
        request=CertificationInputSerializer,
        responses={200: CertificationSerializer, **REFUSALS},
    )
    def update(self, request, pk=None):
        certification = self.get_object()
        data = validated_payload(CertificationInputSerializer, request)
        certification = services.certification_save(
            by=request.user, certification=certification, **data
        )
        return self._answer(certification)


class CompletionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Completions: a partner user passed a course on a date. The manufacturer sees all; a
    partner its own distributor's. Pushed by an LMS or an integration (source `api`)."""

    serializer_class = CompletionSerializer
    permission_classes = [HasPortalRole]
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = CompletionFilter
    queryset = Completion.objects.none()

    def get_queryset(self):
        return (
            selectors.completion_list(visible_to=self.request.user)
            .select_related("recorded_by")
            .order_by("-completed_on", "-pk")
        )

    def get_object(self):
        # The acts read the row as it is, whatever the list's filters say.
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(summary="Completions, newest first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One completion")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Record that a partner user passed a course (pushed through the API)",
        description=RECORDERS + " A user the caller may not name (another distributor's) "
        "answers like an unknown one: a 400 naming `username`. The certificate it gives runs "
        "for the certification's validity from `completed_on`; the same course passed twice "
        "the same day is a 400.",
        request=CompletionInputSerializer,
        responses={201: CompletionSerializer, **REFUSALS},
    )
    def create(self, request):
        data = validated_payload(CompletionInputSerializer, request)
        completion = services.completion_record(
            by=request.user,
            user=data["username"],
            course=data["course"],
            completed_on=data["completed_on"],
            score=data["score"],
            source=Completion.Source.API,
        )
        completion = self.get_queryset().get(pk=completion.pk)
        return Response(self.get_serializer(completion).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Take back a completion recorded by mistake",
        description="The manufacturer, or a partner admin for its own distributor's (403 for a "
        "rep). The certificate it gave goes with it.",
        request=None,
        responses={204: None, **REFUSALS},
    )
    def destroy(self, request, pk=None):
        services.completion_delete(completion=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CertificateViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Certificates held: one row per person and certification, the latest end of its
    completions (`partnership.selectors.certificate_list`). A partner sees its own people's."""

    serializer_class = CertificateSerializer
    permission_classes = [HasPortalRole]
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = CertificateFilter
    queryset = Completion.objects.none()

    def get_queryset(self):
        return selectors.certificate_list(visible_to=self.request.user)

    @extend_schema(
        summary="Certificates held, the soonest to end first",
        description="valid: ends after the next 60 days or never (`ends` null); expiring: ends "
        "within 60 days; expired: has ended. Passing a course again renews it.",
    )
    def list(self, request, *args, **kwargs):
        rows = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(rows)
        rows = selectors.certificates_read(page, timezone.localdate())
        return self.get_paginated_response(CertificateSerializer(rows, many=True).data)


# --- the partner agreement ---------------------------------------------------------------------


NUMBER = OpenApiParameter(
    "number", int, OpenApiParameter.PATH, description="Version number, as in v3"
)


def _current_number():
    current = services.agreement_current()
    return current.number if current is not None else None


class AgreementVersionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Published versions of the partner agreement, newest first, looked up by version number.
    Every portal user reads them; the manufacturer publishes a new one."""

    serializer_class = AgreementVersionSerializer
    permission_classes = [IsPortalUser]
    pagination_class = Pagination
    filter_backends = []
    lookup_field = "number"
    lookup_value_regex = "[0-9]+"
    queryset = AgreementVersion.objects.none()

    def get_queryset(self):
        return AgreementVersion.objects.order_by("-number")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["current_number"] = _current_number()
        return context

    @extend_schema(summary="Versions of the partner agreement, newest first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One version of the partner agreement", parameters=[NUMBER])
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Publish a new version of the agreement",
        description=MANUFACTURER + " It takes the next number and becomes the current version: "
        "every partner admin of a distributor not terminated is asked to accept it.",
        request=AgreementVersionInputSerializer,
        responses={201: AgreementVersionSerializer, **REFUSALS},
    )
    def create(self, request):
        data = validated_payload(AgreementVersionInputSerializer, request)
        version = services.agreement_publish(by=request.user, **data)
        answer = AgreementVersionSerializer(version, context={"current_number": version.number})
        return Response(answer.data, status=status.HTTP_201_CREATED)


class AgreementAcceptanceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Acceptances of the agreement: which distributor accepted which version, who and when.
    The manufacturer sees all; a partner its own distributor's."""

    serializer_class = AgreementAcceptanceSerializer
    permission_classes = [HasPortalRole]
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = AcceptanceFilter
    queryset = AgreementAcceptance.objects.none()

    def get_queryset(self):
        return (
            selectors.acceptance_list(visible_to=self.request.user)
            .select_related("accepted_by")
            .order_by("-accepted_at", "-pk")
        )

    @extend_schema(summary="Acceptances of the agreement, newest first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One acceptance")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Accept the current version for your distributor",
        description="A partner admin only (403 for a rep or the manufacturer), for its own "
        "distributor, once a version. A version that is not the current one, or one already "
        "accepted, is a 400 naming `version`.",
        request=AgreementAcceptInputSerializer,
        responses={201: AgreementAcceptanceSerializer, **REFUSALS},
    )
    def create(self, request):
        data = validated_payload(AgreementAcceptInputSerializer, request)
        acceptance = services.agreement_accept(version=data["version"], by=request.user)
        acceptance = self.get_queryset().get(pk=acceptance.pk)
        return Response(self.get_serializer(acceptance).data, status=status.HTTP_201_CREATED)


class AgreementStandingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Where each distributor (terminated ones left out) stands on the current version: accepted
    (who, when) or not yet. The manufacturer's staff only."""

    serializer_class = AgreementStandingSerializer
    permission_classes = [IsManufacturer]
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = AgreementStandingFilter
    queryset = Distributor.objects.none()

    def get_queryset(self):
        current = services.agreement_current()
        standing = selectors.agreement_standing(version=current, visible_to=self.request.user)
        return standing if current is not None else standing.none()

    @extend_schema(
        summary="The distributors' acceptance of the current version",
        description="The manufacturer's staff only. Every distributor not terminated, by "
        "name; `accepted_at` and `accepted_by_name` are null where it is not accepted yet. "
        "No version published yet: an empty list.",
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


# --- onboarding journeys ---------------------------------------------------------------------


class JourneyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The onboarding journeys and their steps (defined in the portal). The manufacturer's
    staff only."""

    serializer_class = JourneySerializer
    permission_classes = [IsManufacturer]
    pagination_class = Pagination
    filter_backends = []
    queryset = Journey.objects.none()

    def get_queryset(self):
        return Journey.objects.prefetch_related("steps").order_by("name", "pk")

    @extend_schema(summary="Onboarding journeys with their steps")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One onboarding journey")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class OnboardingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Distributors' onboarding journeys and each step's progress. The manufacturer sees all;
    a partner its own distributor's."""

    serializer_class = OnboardingSerializer
    permission_classes = [HasPortalRole]
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = OnboardingFilter
    queryset = Onboarding.objects.none()

    def get_queryset(self):
        from django.db.models import Prefetch

        progress = StepProgress.objects.select_related("step", "done_by").order_by(
            "step__position", "step_id"
        )
        return (
            selectors.onboarding_list(visible_to=self.request.user, today=timezone.localdate())
            .prefetch_related(Prefetch("progress", queryset=progress))
            .order_by("-started_on", "-pk")
        )

    @extend_schema(summary="Onboardings, latest started first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One onboarding with its steps")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)


class StepProgressViewSet(viewsets.GenericViewSet):
    """Do a step of an onboarding by hand (a tick, or a file sent as multipart)."""

    serializer_class = StepProgressSerializer
    permission_classes = [HasPortalRole]
    queryset = StepProgress.objects.none()

    def get_queryset(self):
        return StepProgress.objects.visible_to(self.request.user).select_related(
            "step", "onboarding__distributor"
        )

    @extend_schema(
        summary="Mark a step done",
        description="The manufacturer, for any step done by hand; a partner admin, for its own "
        "distributor's partner-side steps (403 otherwise). A step the portal checks, one done "
        "already or one shown by a file sent without it is a 400 naming the field. A step "
        "that opens access makes the distributor active.",
        request={"multipart/form-data": StepDoneInputSerializer},
        responses={200: StepProgressSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        progress = self.get_object()
        data = validated_payload(StepDoneInputSerializer, request)
        services.step_complete(
            by=request.user,
            progress=progress,
            note=data.get("note", ""),
            evidence_file=data.get("evidence"),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=progress.pk)).data)


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Applications from the public form and their decisions. The manufacturer's staff only."""

    serializer_class = ApplicationSerializer
    permission_classes = [IsManufacturer]
    pagination_class = Pagination
    filter_backends = []
    queryset = Application.objects.none()

    def get_queryset(self):
        return Application.objects.select_related("distributor", "decided_by").order_by(
            "-submitted_at", "-pk"
        )

    @extend_schema(summary="Applications, newest first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One application")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Approve or decline an application",
        description=MANUFACTURER + " Approved: the distributor goes onboarding (and its contact "
        "is invited as partner admin when asked). Declined: a reason is required; the journey "
        "stops. The applicant is told by e-mail either way. Decided already: a 400.",
        request=DecisionInputSerializer,
        responses={200: ApplicationSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        application = self.get_object()
        data = validated_payload(DecisionInputSerializer, request)
        approve = data["decision"] == Application.Decision.APPROVED
        services.application_decide(
            by=request.user,
            application=application,
            approve=approve,
            reason=data.get("reason", ""),
            invite_contact=approve and data.get("invite_contact", False),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=application.pk)).data)
