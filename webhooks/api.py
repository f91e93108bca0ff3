"""REST API of the webhooks: subscriptions (the channel's for the manufacturer's staff, a
partner admin's for its own distributor; partner reps: 403), their deliveries with "send
again", and the event types one may subscribe to. Every read is scoped to the caller; every
write is one service."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from drm.api import Pagination, validated_payload
from identity.access import HasPortalRole, Role, is_manufacturer, user_role

from . import selectors, services
from .filters import DeliveryFilter
from .models import Delivery, Subscription
from .serializers import (
    DeliverySerializer,
    EventTypeSerializer,
    SubscriptionInputSerializer,
    SubscriptionSecretSerializer,
    SubscriptionSerializer,
)

REFUSALS = {
    400: OpenApiResponse(description='The rules refuse it: {"error": {...}} names the field'),
    403: OpenApiResponse(description="Not yours to do"),
    404: OpenApiResponse(description="No such row among those you may see"),
}
NO_STORE = {"Cache-Control": "no-store"}  # an answer that carries a signing secret
KEEPERS = (
    "The manufacturer's staff keep the channel's subscriptions, a partner admin its "
    "distributor's; a partner rep gets 403."
)


class KeepsSubscriptions(BasePermission):
    def has_permission(self, request, view):
        return is_manufacturer(request.user) or user_role(request.user) == Role.PARTNER_ADMIN


class SubscriptionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Webhook subscriptions: a URL, the events it wants, on or off."""

    serializer_class = SubscriptionSerializer
    permission_classes = [HasPortalRole, KeepsSubscriptions]
    pagination_class = Pagination
    filter_backends = []
    queryset = Subscription.objects.none()

    def get_queryset(self):
        return selectors.subscription_list(visible_to=self.request.user).order_by(
            "-created_at", "-pk"
        )

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def _read(self, subscription, serializer=SubscriptionSerializer):
        return serializer(self.get_queryset().get(pk=subscription.pk)).data

    @extend_schema(summary="Your webhook subscriptions, newest first", description=KEEPERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One webhook subscription", description=KEEPERS)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Subscribe a URL to events",
        description=KEEPERS + " The answer carries the signing `secret`, shown only here.",
        request=SubscriptionInputSerializer,
        responses={201: SubscriptionSecretSerializer, **REFUSALS},
    )
    def create(self, request):
        data = validated_payload(SubscriptionInputSerializer, request)
        subscription = services.subscription_create(by=request.user, **data)
        return Response(
            self._read(subscription, SubscriptionSecretSerializer),
            status=status.HTTP_201_CREATED,
            headers=NO_STORE,
        )

    @extend_schema(
        summary="Change a subscription (turning it on again clears its failures)",
        description=KEEPERS,
        request=SubscriptionInputSerializer,
        responses={200: SubscriptionSerializer, **REFUSALS},
    )
    def update(self, request, pk=None):
        subscription = self.get_object()
        data = validated_payload(SubscriptionInputSerializer, request)
        subscription = services.subscription_update(
            subscription=subscription, by=request.user, **data
        )
        return Response(self._read(subscription))

    @extend_schema(summary="Delete a subscription", responses={204: None, **REFUSALS})
    def destroy(self, request, pk=None):
        services.subscription_delete(subscription=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rotate the signing secret",
        description="A new secret, in the answer only; for 24 hours deliveries are signed with "
        "the old one too.",
        request=None,
        responses={200: SubscriptionSecretSerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        subscription = services.subscription_rotate_secret(
            subscription=self.get_object(), by=request.user
        )
        return Response(self._read(subscription, SubscriptionSecretSerializer), headers=NO_STORE)

    @extend_schema(
        summary="Send a test event (webhook.test)",
        description="Queues a `webhook.test` delivery to this subscription → 202 with it.",
        request=None,
        responses={202: DeliverySerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        delivery = services.subscription_test(subscription=self.get_object(), by=request.user)
        delivery = selectors.delivery_list(visible_to=request.user).get(pk=delivery.pk)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The delivery log of your subscriptions, newest first, and "send again"."""

    serializer_class = DeliverySerializer
    permission_classes = [HasPortalRole, KeepsSubscriptions]
    pagination_class = Pagination
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = DeliveryFilter
    queryset = Delivery.objects.none()

    def get_queryset(self):
        return selectors.delivery_list(visible_to=self.request.user)

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(summary="Deliveries of your subscriptions, newest first", description=KEEPERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One delivery", description=KEEPERS)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Send the event again",
        description="A new delivery of the same event (the same webhook-id) → 202 with it. "
        "The subscription must be active (else 400).",
        request=None,
        responses={202: DeliverySerializer, **REFUSALS},
    )
    @action(detail=True, methods=["post"], url_path="send-again")
    def send_again(self, request, pk=None):
        again = services.delivery_send_again(delivery=self.get_object(), by=request.user)
        again = self.get_queryset().get(pk=again.pk)
        return Response(DeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)


class EventTypeApi(APIView):
    permission_classes = [HasPortalRole, KeepsSubscriptions]

    @extend_schema(
        summary="The event types a subscription may choose",
        responses={200: EventTypeSerializer(many=True), 403: REFUSALS[403]},
    )
    def get(self, request):
        rows = [
            {"name": event.name, "label": str(event.label)}
            for event in services.subscribable_events()
        ]
        return Response(EventTypeSerializer(rows, many=True).data)
