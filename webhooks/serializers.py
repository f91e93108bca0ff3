"""API shapes of the webhooks: subscriptions (the secret only when created or rotated) and
their deliveries. They validate shape; the services decide."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import URL_MAX, Delivery, Subscription


class SubscriptionSerializer(serializers.ModelSerializer):
    distributor = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="Distributor code (a partner's subscription); null: the channel's",
    )
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    rotating = serializers.SerializerMethodField(
        help_text="True while the previous secret is still signed with"
    )

    class Meta:
        model = Subscription
        fields = [
            "id",
            "distributor",
            "url",
            "description",
            "events",
            "active",
            "failure_streak",
            "disabled_at",
            "disabled_reason",
            "rotating",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_rotating(self, row) -> bool:
        return len(row.secrets_valid()) > 1


class SubscriptionSecretSerializer(SubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The signing secret (whsec_…), shown only in this answer"
    )

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class SubscriptionInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=URL_MAX, help_text="http(s) URL the events go to")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    events = serializers.ListField(
        child=serializers.CharField(max_length=60),
        max_length=50,
        help_text="Event types, e.g. lead.assigned (GET /api/v1/webhook-events/ lists them)",
    )
    active = serializers.BooleanField(required=False, default=True)


class DeliverySerializer(serializers.ModelSerializer):
    message_id = serializers.CharField(read_only=True, help_text="The webhook-id header")
    failure = serializers.ChoiceField(
        choices=Delivery.Failure.choices,
        allow_blank=True,
        read_only=True,
        help_text="Why the last attempt failed; empty when it did not",
    )
    payload = serializers.SerializerMethodField(help_text="The body sent")

    class Meta:
        model = Delivery
        fields = [
            "id",
            "subscription",
            "message_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "status_code",
            "latency_ms",
            "response_excerpt",
            "failure",
            "error",
            "resent_from",
            "created_at",
            "attempted_at",
            "delivered_at",
            "payload",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {"type": "object", "properties": {"type": {}, "timestamp": {}, "data": {}}}
    )
    def get_payload(self, row):
        return row.message.envelope()


class EventTypeSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
