"""API shapes of the tiers: requirements, proposals and a partner's standing. They validate
input and render output; the rules are the services'. Tiers and distributors are named by code."""

from rest_framework import serializers

from distributors.models import Tier
from distributors.serializers import CodeRelatedField
from drm.limits import text_limit

from .models import THRESHOLD_DIGITS, TierRequirement, TierReview
from .requirements import requirement_choices


class TierRequirementSerializer(serializers.ModelSerializer):
    tier = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="Tier code")
    tier_rank = serializers.IntegerField(source="tier.rank", read_only=True)
    label = serializers.SerializerMethodField(
        help_text="The requirement, in the request's language"
    )
    unit = serializers.SerializerMethodField(help_text="money, percent, count or yes")

    class Meta:
        model = TierRequirement
        fields = ["id", "tier", "tier_rank", "key", "label", "unit", "threshold", "updated_at"]
        read_only_fields = fields

    def get_label(self, row) -> str:
        return str(row.requirement.label)

    def get_unit(self, row) -> str:
        return row.requirement.unit


class TierRequirementInputSerializer(serializers.Serializer):
    tier = CodeRelatedField(queryset=Tier.objects.all(), help_text="Tier code")
    key = serializers.ChoiceField(choices=requirement_choices())
    threshold = serializers.DecimalField(
        max_digits=THRESHOLD_DIGITS,
        decimal_places=2,
        min_value=0,
        help_text="Money in the reporting currency, a percentage, a number of people, or 1 (yes)",
    )


class TierReviewSerializer(serializers.ModelSerializer):
    distributor = serializers.SlugRelatedField(slug_field="code", read_only=True)
    current_tier = serializers.SlugRelatedField(slug_field="code", read_only=True)
    proposed_tier = serializers.SlugRelatedField(slug_field="code", read_only=True)
    tier_set = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    decided_by = serializers.SerializerMethodField()
    figures = serializers.JSONField(
        read_only=True,
        help_text='{requirement key: {"value", "held", "earned"}}: the figure and the thresholds '
        "of the tier held and the tier earned (decimal strings; null where none)",
    )

    class Meta:
        model = TierReview
        fields = [
            "id",
            "distributor",
            "current_tier",
            "proposed_tier",
            "direction",
            "figures",
            "as_of",
            "short_since",
            "proposed_at",
            "status",
            "decided_by",
            "decided_at",
            "reason",
            "tier_set",
        ]
        read_only_fields = fields

    def get_decided_by(self, review) -> str | None:
        user = review.decided_by
        if user is None:
            return None
        return user.get_full_name() or user.get_username()


class TierDecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=text_limit(TierReview, "reason")
    )


class TierOverrideSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=text_limit(TierReview, "reason"))
    tier = CodeRelatedField(
        queryset=Tier.objects.all(),
        required=False,
        allow_null=True,
        help_text="Tier code to set; absent or null: keep the tier held",
    )


class TierLineSerializer(serializers.Serializer):
    key = serializers.CharField(
        read_only=True,
    )
    label = serializers.CharField(
        read_only=True,
    )
    threshold = serializers.DecimalField(
        read_only=True, max_digits=THRESHOLD_DIGITS, decimal_places=2
    )
    value = serializers.DecimalField(
        read_only=True, max_digits=24, decimal_places=2, allow_null=True
    )
    met = serializers.BooleanField(
        read_only=True,
    )
    gap = serializers.CharField(
        read_only=True, help_text="What it takes to meet it; empty when met"
    )


class TierStandingSerializer(serializers.Serializer):
    distributor = serializers.CharField(read_only=True, source="distributor.code")
    tier = serializers.CharField(read_only=True, source="tier.code")
    earned_tier = serializers.CharField(
        read_only=True, source="earned.code", help_text="The tier its figures earn today"
    )
    requirements = TierLineSerializer(read_only=True, source="lines", many=True)
    next_tier = serializers.CharField(
        read_only=True, source="next_tier.code", allow_null=True, default=None
    )
    next_requirements = TierLineSerializer(read_only=True, source="next_lines", many=True)
    by = serializers.DateField(
        read_only=True, allow_null=True, help_text="The day the next tier's gaps are counted by"
    )
    sentence = serializers.CharField(
        read_only=True, help_text="What it takes to reach the next tier, in words"
    )
    open_proposal = serializers.IntegerField(
        read_only=True, source="open_review.pk", allow_null=True, default=None
    )
