"""REST API of goals: the list with today's figures, entry and co-setting (propose, counter,
accept), amendments, landmarks, the SMART check of a draft, landmark reviews and their
accounting, the manager's activity log and the contract annex. Every read is scoped to the
caller; the services decide who may write what."""

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from drm.api import Pagination, checked_serializer
from drm.errors import ValidationFailed
from identity.access import HasPortalRole, is_manufacturer

from . import allocation, selectors, services
from .filters import ReviewFilter
from .models import Activity, Amendment, Goal, LandmarkReview
from .serializers import (
    AccountSerializer,
    ActivityInputSerializer,
    ActivitySerializer,
    AmendmentSerializer,
    AmendSerializer,
    AnnexQuerySerializer,
    CloseSerializer,
    CounterSerializer,
    GoalCheckSerializer,
    GoalInputSerializer,
    GoalQuerySerializer,
    GoalSerializer,
    GoalTermsSerializer,
    LandmarkReviewSerializer,
    LandmarkSerializer,
    LandmarksInputSerializer,
    PlanSerializer,
    VerdictSerializer,
)

# The signed terms come with each goal: its landmarks and bands, one query each per page.
ACCEPTED_BY = ("manufacturer_accepted_by", "partner_accepted_by", "landmarks", "bands")

REFUSALS = {
    400: OpenApiResponse(description='The rules refuse it: {"error": {...}} says why'),
    403: OpenApiResponse(description="Not yours to do (a rep, the wrong side)"),
    404: OpenApiResponse(description="No such goal among those you may see"),
}


def _terms(payload):
    return services.Terms(**payload.terms())


class GoalViewSet(viewsets.GenericViewSet):
    """Goals on three levels. The manufacturer sees all; a partner its distributor's goals
    (team and support goals are internal). Items carry today's actual, attainment, expected
    value and gap, computed for the rows of the page only."""

    serializer_class = GoalSerializer
    permission_classes = [HasPortalRole]
    pagination_class = Pagination
    filter_backends = []
    queryset = Goal.objects.none()

    def get_queryset(self):
        return selectors.goal_queryset(visible_to=self.request.user).prefetch_related(*ACCEPTED_BY)

    def _render(self, goals, *, many=False):
        figures = {f.goal.pk: f for f in selectors.goal_figures(goals)}
        context = {**self.get_serializer_context(), "figures": figures}
        return GoalSerializer(goals if many else goals[0], many=many, context=context).data

    def _answer(self, goal, code=status.HTTP_200_OK):
        """The goal as the caller now sees it (re-read, with its figures)."""
        goal = self.get_queryset().get(pk=goal.pk)
        return Response(self._render([goal]), status=code)

    @extend_schema(
        summary="Goals, with today's figures",
        parameters=[GoalQuerySerializer],
        responses={200: GoalSerializer(many=True)},
    )
    def list(self, request):
        query = GoalQuerySerializer(
            data=dict(request.query_params.items()),
            context={"request": request},
        )
        query.is_valid(raise_exception=True)
        goals = selectors.goal_queryset(
            visible_to=request.user, filters=query.filters()
        ).prefetch_related(*ACCEPTED_BY)
        page = self.paginate_queryset(goals)
        return self.get_paginated_response(self._render(page, many=True))

    @extend_schema(summary="One goal, with today's figures", responses={200: GoalSerializer})
    def retrieve(self, request, pk=None):
        return Response(self._render([self.get_object()]))

    @extend_schema(
        summary="Enter a goal in draft (the SMART check runs; warnings need an acknowledgement)",
        description="Manufacturer staff: any level. A partner admin: distributor goals of its "
        "own distributor. A rep: 403. Landmarks left out are proposed (quarter ends).",
        request=GoalInputSerializer,
        responses={201: GoalSerializer, **REFUSALS},
    )
    def create(self, request):
        payload = checked_serializer(GoalInputSerializer, request)
        goal = services.goal_create(by=request.user, terms=_terms(payload))
        return self._answer(goal, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revise a goal under negotiation (a draft, or one's own proposal)",
        description="Only the fields sent change. Level, distributor and status are not "
        "writable (they are ignored); an agreed or active goal changes by amendment only.",
        request=GoalTermsSerializer,
        responses={200: GoalSerializer, **REFUSALS},
    )
    def partial_update(self, request, pk=None):
        goal = self.get_object()
        payload = checked_serializer(GoalTermsSerializer, request)
        goal = services.goal_update(goal=goal, by=request.user, terms=_terms(payload))
        return self._answer(goal)

    @extend_schema(
        summary="The SMART verdict for a draft; nothing is saved",
        request=GoalCheckSerializer,
        responses={200: VerdictSerializer},
    )
    @action(detail=False, methods=["post"])
    def check(self, request):
        entered = checked_serializer(GoalCheckSerializer, request).terms()
        verdict = services.goal_smart_check(
            by=request.user,
            fields=entered["fields"],
            landmarks=entered["landmarks"],
            bands=entered["bands"],
            landmark_rule=entered["landmark_rule"],
        )
        return Response(verdict.as_dict())

    @extend_schema(
        summary="Put a draft distributor goal to the other side (accepting one's own terms)",
        request=None,
        responses={200: GoalSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def propose(self, request, pk=None):
        goal = services.goal_propose(goal=self.get_object(), by=request.user)
        return self._answer(goal)

    @extend_schema(
        summary="Answer the terms on the table with one's own, and why",
        description="The body of a revision plus a required `reason`. The goal goes back to "
        "the other side with what changed (old → new for every term) and the reason.",
        request=CounterSerializer,
        responses={200: GoalSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def counter(self, request, pk=None):
        goal = self.get_object()
        payload = checked_serializer(CounterSerializer, request)
        goal = services.goal_counter(goal=goal, by=request.user, terms=_terms(payload))
        return self._answer(goal)

    @extend_schema(
        summary="Accept the terms on the table: agreed by both sides (active once started)",
        request=None,
        responses={200: GoalSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        goal = services.goal_accept(goal=self.get_object(), by=request.user)
        return self._answer(goal)

    @extend_schema(
        summary="Activate a team or support goal (manufacturer staff)",
        request=None,
        responses={200: GoalSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        goal = services.goal_activate(goal=self.get_object(), by=request.user)
        return self._answer(goal)

    @extend_schema(
        summary="Close a goal before its end, with the reason (manufacturer staff)",
        request=CloseSerializer,
        responses={200: GoalSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        goal = self.get_object()
        payload = checked_serializer(CloseSerializer, request)
        goal = services.goal_close(goal=goal, by=request.user, **payload.validated_data)
        return self._answer(goal)

    @extend_schema(
        summary="Propose an amendment of an agreed or active goal",
        description="Only what changes. It applies when the other side accepts it "
        "(POST /api/v1/goal-amendments/{id}/accept/); a team or support goal takes it at once.",
        request=AmendSerializer,
        responses={201: AmendmentSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        goal = self.get_object()
        data = dict(checked_serializer(AmendSerializer, request).validated_data)
        landmarks = data.pop("landmarks", None)
        bands = data.pop("bands", None)
        amendment = services.amendment_propose(
            goal=goal,
            by=request.user,
            reason=data.pop("reason"),
            review=data.pop("review", None),
            landmark_rule=data.pop("landmark_rule", None),
            fields=data,
            landmarks=None
            if landmarks is None
            else [(row["date"], row["expected"]) for row in landmarks],
            bands=None
            if bands is None
            else [(row["threshold"], row["kind"], row["amount"]) for row in bands],
        )
        return Response(AmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="A team goal's plan shared between its distributors",
        description="Manufacturer staff (a team goal is internal: a partner gets 404). Each "
        "distributor's proposed share from its market potential, history, peers' penetration "
        "and trend, with the weights and how they were chosen (README, 'Targets from "
        "potential'), its own proposal and the gap; totals by region add up to the plan. A "
        "goal that is not a team goal of amounts: 400.",
        responses={200: PlanSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def plan(self, request, pk=None):
        goal = self.get_object()
        if not is_manufacturer(request.user):
            raise Http404
        return Response(PlanSerializer(allocation.plan_for(goal)).data)

    @extend_schema(
        summary="The goal's amendments, newest first",
        responses={200: AmendmentSerializer(many=True)},
    )
    # The whole list, unpaginated (the schema says so).
    @action(detail=True, methods=["get"], pagination_class=None)
    def amendments(self, request, pk=None):
        goal = self.get_object()
        amendments = goal.amendments.select_related("proposed_by", "decided_by")
        return Response(AmendmentSerializer(amendments, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="The goal's landmarks, each with its review (status, outcome) once opened",
        request=None,
        responses={200: LandmarkSerializer(many=True)},
    )
    @extend_schema(
        methods=["PUT"],
        summary="Replace the landmarks of a goal under negotiation",
        description="An agreed or active goal is refused (400): its landmarks change by "
        "amendment (POST /api/v1/goals/{id}/amend/).",
        request=LandmarksInputSerializer,
        responses={200: LandmarkSerializer(many=True), **REFUSALS},
    )
    @action(detail=True, methods=["get", "put"], pagination_class=None)
    def landmarks(self, request, pk=None):
        goal = self.get_object()
        if request.method == "PUT":
            payload = checked_serializer(LandmarksInputSerializer, request)
            rows = [(row["date"], row["expected"]) for row in payload.validated_data["landmarks"]]
            services.goal_update(
                goal=goal,
                by=request.user,
                terms=services.Terms(
                    fields={},
                    landmarks=rows,
                    # No landmarks: the portal proposes them again.
                    landmark_rule=None if rows else "linear",
                    acknowledgement=payload.validated_data["acknowledgement"],
                ),
            )
        landmarks = goal.landmarks.select_related("review").order_by("date")
        return Response(LandmarkSerializer(landmarks, many=True).data)


class AmendmentViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Amendments of agreed goals, and the other side's decision on one."""

    serializer_class = AmendmentSerializer
    permission_classes = [HasPortalRole]
    filter_backends = []
    queryset = Amendment.objects.none()

    def get_queryset(self):
        return Amendment.objects.visible_to(self.request.user).select_related(
            "proposed_by", "decided_by"
        )

    def _answer(self, amendment):
        return Response(AmendmentSerializer(self.get_queryset().get(pk=amendment.pk)).data)

    @extend_schema(summary="One amendment")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Accept the amendment (the other side): the goal's terms change",
        request=None,
        responses={200: AmendmentSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        amendment = services.amendment_accept(amendment=self.get_object(), by=request.user)
        return self._answer(amendment)

    @extend_schema(
        summary="Reject the amendment (its author's side: withdraw it)",
        request=None,
        responses={200: AmendmentSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        amendment = services.amendment_reject(amendment=self.get_object(), by=request.user)
        return self._answer(amendment)


class LandmarkReviewViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Reviews of landmarks (opened by the daily job), open ones first, and their accounting:
    a cause, an explanation and corrective actions; the distributor admin's acknowledgement;
    the channel manager's closing."""

    serializer_class = LandmarkReviewSerializer
    permission_classes = [HasPortalRole]
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ReviewFilter
    queryset = LandmarkReview.objects.none()

    def get_queryset(self):
        return (
            selectors.review_queue(visible_to=self.request.user)
            .select_related("closed_by", "goal__distributor")
            .prefetch_related("actions__owner")
        )

    def _answer(self, review):
        return Response(LandmarkReviewSerializer(self.get_queryset().get(pk=review.pk)).data)

    @extend_schema(
        summary="Account for the missed (or at-risk) landmark",
        description="Either side; a partner: its distributor's admin (whose accounting carries "
        "the acknowledgement). Corrective actions join the goal's plan.",
        request=AccountSerializer,
        responses={200: LandmarkReviewSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def account(self, request, pk=None):
        review = self.get_object()
        data = checked_serializer(AccountSerializer, request).validated_data
        review = services.review_account(
            review=review,
            by=request.user,
            cause=data["cause"],
            explanation=data["explanation"],
            actions=[(row["what"], row["owner"], row["due"]) for row in data["actions"]],
        )
        return self._answer(review)

    @extend_schema(
        summary="Acknowledge the accounting (the distributor's admin)",
        request=None,
        responses={200: LandmarkReviewSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        review = services.review_acknowledge(review=self.get_object(), by=request.user)
        return self._answer(review)

    @extend_schema(
        summary="Close the review (the channel manager, once nothing is missing)",
        request=None,
        responses={200: LandmarkReviewSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        review = services.review_close(review=self.get_object(), by=request.user)
        return self._answer(review)


class IsManufacturer(BasePermission):
    """The manufacturer's staff only, for reads too."""

    def has_permission(self, request, view):
        return is_manufacturer(request.user)


class ActivityViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The channel managers' activity log: visits, one-to-ones, trainings held, calls (what
    support goals count). Manufacturer staff only."""

    serializer_class = ActivitySerializer
    permission_classes = [IsManufacturer]
    pagination_class = Pagination
    filter_backends = []
    queryset = Activity.objects.none()

    def get_queryset(self):
        return Activity.objects.visible_to(self.request.user).select_related(
            "manager", "distributor"
        )

    @extend_schema(summary="The activity log, newest first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="Log an activity that has happened (it is the caller's own)",
        request=ActivityInputSerializer,
        responses={201: ActivitySerializer, 400: REFUSALS[400]},
    )
    def create(self, request):
        data = checked_serializer(ActivityInputSerializer, request).validated_data
        activity = services.activity_record(by=request.user, **data)
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)


class DistributorAnnexApi(APIView):
    """The contract annex of a distributor for a year: its goals agreed by both sides, as PDF."""

    permission_classes = [HasPortalRole]

    @extend_schema(
        summary="The contract annex (goals agreed by both sides) as PDF",
        parameters=[
            OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH),
            OpenApiParameter("year", OpenApiTypes.INT, required=True, description="e.g. 2026"),
        ],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            400: OpenApiResponse(description="A missing or invalid year"),
            404: OpenApiResponse(description="No such distributor among those you may see"),
        },
    )
    def get(self, request, code):
        distributor = selectors.distributor_for_viewer(request.user, code)
        if distributor is None:
            raise Http404
        query = AnnexQuerySerializer(data=request.query_params)
        if not query.is_valid():
            raise ValidationFailed(_("Give the annex's year, e.g. ?year=2026."), field="year")
        year = query.validated_data["year"]
        from goals.annex import annex_pdf

        pdf = annex_pdf(distributor=distributor, year=year)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="goals-annex-{distributor.code}-{year}.pdf"'
        )
        return response
