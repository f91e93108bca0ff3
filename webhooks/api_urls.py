"""REST routes of the webhooks, mounted under /api/v1/ beside the other apps' routes."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("webhook-subscriptions", api.SubscriptionViewSet, basename="webhook-subscription")
router.register("webhook-deliveries", api.DeliveryViewSet, basename="webhook-delivery")

urlpatterns = [
    *router.urls,
    path("webhook-events/", api.EventTypeApi.as_view(), name="webhook-events"),
]
