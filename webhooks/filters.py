"""The filter of the delivery log (a django-filter FilterSet), read by the subscription's page
and by the deliveries API alike: a subscription (API), a status, an event, a span of days."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from drm.events import event_types
from drm.filters import StrictFilterSet

from .models import Delivery


def event_choices():
    return [(event.name, event.name) for event in event_types()]


class DeliveryFilter(StrictFilterSet):
    subscription = filters.NumberFilter(
        field_name="subscription_id", label=_("Subscription"), help_text="Subscription id"
    )
    status = filters.ChoiceFilter(
        choices=Delivery.Status.choices, label=_("Status"), empty_label=_("Any status")
    )
    event = filters.ChoiceFilter(
        field_name="event_type",
        choices=event_choices,
        label=_("Event"),
        empty_label=_("Any event"),
    )
    message = filters.CharFilter(
        field_name="message_id", label=_("Event id"), help_text="The webhook-id header"
    )
    created_from = filters.DateFilter(
        field_name="created_at__date", lookup_expr="gte", label=_("From"), help_text="YYYY-MM-DD"
    )
    created_to = filters.DateFilter(
        field_name="created_at__date", lookup_expr="lte", label=_("To"), help_text="YYYY-MM-DD"
    )

    class Meta:
        model = Delivery
        fields = []
