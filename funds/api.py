"""REST API of funds: funds and their allocations, the balances, requests and their decisions,
claims with their proof files, their decisions and payment. Every read is scoped to the caller
(`visible_to`: another distributor's row is a 404); every write is one service, which decides
who may do it."""

from django.http import FileResponse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from distributors.models import Distributor
from drm.api import Pagination, validated_payload
from identity.access import HasPortalRole, IsPortalUser

from . import selectors, services
from .filters import BalanceFilter, ClaimFilter, FundFilter, ImpactEstimateFilter, RequestFilter
from .models import Allocation, Claim, Fund, FundRequest, ImpactEstimate
from .serializers import (
    AllocationInputSerializer,
    BalanceSerializer,
    ClaimApproveSerializer,
    ClaimInputSerializer,
    ClaimPaySerializer,
    ClaimRejectSerializer,
    ClaimSerializer,
    FundInputSerializer,
    FundRequestApproveSerializer,
    FundRequestInputSerializer,
    FundRequestRejectSerializer,
    FundRequestSerializer,
    FundSerializer,
    ImpactEstimateSerializer,
)

REFUSALS = {
    400: OpenApiResponse(description='The rules refuse it: {"error": {...}} names the field'),
    403: OpenApiResponse(description="Not yours to do (the manufacturer's, or the partner's)"),
    404: OpenApiResponse(description="No such row among those you may see"),
}
ACCRUED = inline_serializer(
    "FundAccrued",
    {"changed": serializers.IntegerField(help_text="Allocations created or changed")},
)
MANUFACTURER = "The manufacturer's staff only (403 for a partner)."
PARTNER = "The partner users of the request's distributor only (403 for the manufacturer)."


class FundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Funds. The manufacturer sees and writes all; a partner reads the funds its distributor
    has an allocation in or may draw on (`Fund.objects.visible_to`)."""

    serializer_class = FundSerializer
    permission_classes = [IsPortalUser]
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = FundFilter
    queryset = Fund.objects.none()

    def get_queryset(self):
        return (
            selectors.fund_list(visible_to=self.request.user)
            .select_related("created_by")
            .prefetch_related("tiers", "regions")
        )

    def _answer(self, fund, code=status.HTTP_200_OK):
        return Response(FundSerializer(self.get_queryset().get(pk=fund.pk)).data, status=code)

    @extend_schema(summary="Funds, newest period first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One fund")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Create a fund (budget or accrual)",
        description=MANUFACTURER + " Tiers and regions left out: every distributor.",
        request=FundInputSerializer,
        responses={201: FundSerializer, **REFUSALS},
    )
    def create(self, request):
        data = validated_payload(FundInputSerializer, request)
        fund = services.fund_create(by=request.user, **data)
        return self._answer(fund, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Accrue an accrual fund: every eligible distributor's allocation from revenue",
        description=MANUFACTURER + " The allocations become the fund's share of the revenue "
        "reported in its period; none falls below what its requests and claims already hold.",
        request=None,
        responses={200: ACCRUED, **REFUSALS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def accrue(self, request, pk=None):
        changed = services.fund_accrue(fund=self.get_object(), by=request.user)
        return Response({"changed": changed})

    @extend_schema(
        summary="Set a distributor's allocation in a budget fund",
        description=MANUFACTURER + " Never below what its requests and claims already hold. "
        "Answers the allocation's balance.",
        parameters=[
            OpenApiParameter(
                "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="Distributor code"
            )
        ],
        request=AllocationInputSerializer,
        responses={200: BalanceSerializer, **REFUSALS},
    )
    @action(
        detail=True,
        methods=["put"],
        url_path=r"allocations/(?P<code>[^/]+)",
        url_name="allocation",
        filter_backends=[],
    )
    def allocation(self, request, pk=None, code=None):
        fund = self.get_object()
        distributor = get_object_or_404(
            Distributor.objects.visible_to(request.user), code__caseless=code
        )
        data = validated_payload(AllocationInputSerializer, request)
        services.allocation_set(
            fund=fund, distributor=distributor, amount=data["amount"], by=request.user
        )
        row = selectors.balances(visible_to=request.user, fund=fund, distributor=distributor)
        return Response(BalanceSerializer(row.get()).data)


class BalanceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """What is left of each allocation: one row per fund and distributor, the figures of
    `funds.selectors.balances` (the one definition). A partner sees its distributor's only."""

    serializer_class = BalanceSerializer
    permission_classes = [HasPortalRole]
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = BalanceFilter
    queryset = Allocation.objects.none()

    def get_queryset(self):
        return selectors.balances(visible_to=self.request.user)

    @extend_schema(
        summary="Balances: allocated, reserved, claimed, paid, expired and available",
        description="allocated = reserved + claimed + paid + expired + available, per fund and "
        "distributor, in the reporting currency.",
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class ImpactEstimateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """What each paid activity and each programme bought each distributor: the stored estimates
    of `funds.estimates` (the pages' figures). A partner sees its distributor's only."""

    serializer_class = ImpactEstimateSerializer
    permission_classes = [HasPortalRole]
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ImpactEstimateFilter
    queryset = ImpactEstimate.objects.none()

    def get_queryset(self):
        return selectors.estimate_list(visible_to=self.request.user).select_related("distributor")

    @extend_schema(
        summary="Impact estimates: the incremental revenue each treatment bought",
        description="Difference-in-differences against matched peers, or a synthetic control "
        "where there are none; `low`–`high` at `confidence`; in the reporting currency.",
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class FundRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Requests for funds before an activity. The manufacturer sees all and decides; a partner
    sees its distributor's, submits, cancels and claims them."""

    serializer_class = FundRequestSerializer
    permission_classes = [HasPortalRole]
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = RequestFilter
    queryset = FundRequest.objects.none()

    def get_queryset(self):
        return (
            selectors.request_list(visible_to=self.request.user)
            .select_related("claim")
            .prefetch_related("materials")
        )

    def get_object(self):
        # The acts read the row as it is, whatever the list's filters say.
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _answer(self, fund_request, code=status.HTTP_200_OK):
        fund_request = self.get_queryset().get(pk=fund_request.pk)
        return Response(FundRequestSerializer(fund_request).data, status=code)

    @extend_schema(summary="Fund requests, newest first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One fund request")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Ask for the fund's share of an activity's planned cost",
        description="A partner user, for its own distributor, in a fund it has an allocation "
        "in (403 for the manufacturer). The share must fit in what is available.",
        request=FundRequestInputSerializer,
        responses={201: FundRequestSerializer, **REFUSALS},
    )
    def create(self, request):
        data = validated_payload(FundRequestInputSerializer, request)
        fund_request = services.request_submit(by=request.user, **data)
        return self._answer(fund_request, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve a submitted request, in full or in part (with the reason)",
        description=MANUFACTURER + " The approved amount is reserved from the allocation.",
        request=FundRequestApproveSerializer,
        responses={200: FundRequestSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        fund_request = self.get_object()
        data = validated_payload(FundRequestApproveSerializer, request)
        fund_request = services.request_approve(request=fund_request, by=request.user, **data)
        return self._answer(fund_request)

    @extend_schema(
        summary="Reject a request (submitted, or approved and not claimed yet), saying why",
        description=MANUFACTURER + " An approved one gives its reservation back.",
        request=FundRequestRejectSerializer,
        responses={200: FundRequestSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        fund_request = self.get_object()
        data = validated_payload(FundRequestRejectSerializer, request)
        fund_request = services.request_reject(
            request=fund_request, by=request.user, reason=data["reason"]
        )
        return self._answer(fund_request)

    @extend_schema(
        summary="Withdraw a request before it is claimed",
        description=PARTNER + " An approved one gives its reservation back.",
        request=None,
        responses={200: FundRequestSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        fund_request = services.request_cancel(request=self.get_object(), by=request.user)
        return self._answer(fund_request)

    @extend_schema(
        summary="Claim an approved request once the activity is over, with proof files",
        description=PARTNER + " multipart/form-data: the fields, and `files` repeated (one part "
        "a file). The fund's share of the actual cost is claimed, at most the amount approved.",
        request={"multipart/form-data": ClaimInputSerializer},
        responses={201: ClaimSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def claim(self, request, pk=None):
        fund_request = self.get_object()
        data = validated_payload(ClaimInputSerializer, request)
        claim = services.claim_submit(by=request.user, request=fund_request, **data)
        claims = selectors.claim_list(visible_to=request.user).prefetch_related("proofs")
        return Response(
            ClaimSerializer(claims.get(pk=claim.pk)).data, status=status.HTTP_201_CREATED
        )


class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Claims of approved requests, with their proof files; the manufacturer's decision and
    the payment (added to the distributor's market funds investment)."""

    serializer_class = ClaimSerializer
    permission_classes = [HasPortalRole]
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ClaimFilter
    queryset = Claim.objects.none()

    def get_queryset(self):
        return selectors.claim_list(visible_to=self.request.user).prefetch_related("proofs")

    def get_object(self):
        # The acts read the row as it is, whatever the list's filters say.
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _answer(self, claim):
        return Response(ClaimSerializer(self.get_queryset().get(pk=claim.pk)).data)

    @extend_schema(summary="Fund claims, newest first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One fund claim, with its proof files")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Approve a claim, in full or in part (with the reason)",
        description=MANUFACTURER,
        request=ClaimApproveSerializer,
        responses={200: ClaimSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        claim = self.get_object()
        data = validated_payload(ClaimApproveSerializer, request)
        claim = services.claim_approve(claim=claim, by=request.user, **data)
        return self._answer(claim)

    @extend_schema(
        summary="Reject a claim, saying why (the request closes)",
        description=MANUFACTURER,
        request=ClaimRejectSerializer,
        responses={200: ClaimSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        claim = self.get_object()
        data = validated_payload(ClaimRejectSerializer, request)
        claim = services.claim_reject(claim=claim, by=request.user, reason=data["reason"])
        return self._answer(claim)

    @extend_schema(
        summary="Record the payment of an approved claim",
        description=MANUFACTURER + " The amount is added to the distributor's market funds "
        "investment of the day paid; the request closes.",
        request=ClaimPaySerializer,
        responses={200: ClaimSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        claim = self.get_object()
        data = validated_payload(ClaimPaySerializer, request)
        claim = services.claim_pay(claim=claim, by=request.user, **data)
        return self._answer(claim)

    @extend_schema(
        summary="Download a proof file of the claim",
        description="The claim's distributor and the manufacturer only (404 for anyone else). "
        "Sent as an attachment under its original name.",
        parameters=[
            OpenApiParameter(
                "proof_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Proof file id"
            )
        ],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such claim or proof file among those you see"),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"proofs/(?P<proof_id>[0-9]+)",
        url_name="proof",
        filter_backends=[],
        pagination_class=None,
    )
    def proof(self, request, pk=None, proof_id=None):
        proof = get_object_or_404(self.get_object().proofs.all(), pk=proof_id)
        try:
            handle = proof.file.storage.open(proof.file.name, "rb")
        except FileNotFoundError as exc:
            raise NotFound(_("The file is missing from storage.")) from exc
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=proof.original_name,
            content_type=proof.content_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response
