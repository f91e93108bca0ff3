"""API shapes of the goals app: they validate input and render output; the rules are the
services'. Codes stand for related objects (distributor, product line, territory, customer
category), usernames for people, ids for goals."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from distributors.models import CustomerCategory, Distributor, ProductLine, Territory
from distributors.serializers import CodeRelatedField
from drm.api import BlankRefused, IdField
from drm.limits import text_limit

from .metrics import metric_list
from .models import (
    ACKNOWLEDGEMENT_MAX_LENGTH,
    Activity,
    Amendment,
    BonusBand,
    Cause,
    Goal,
    Landmark,
    LandmarkReview,
    Side,
)
from .selectors import step_owners_visible_to

MONEY = {"max_digits": 16, "decimal_places": 2}


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def _metric_choices():
    return [metric.key for metric in metric_list()]


# --- reading goals -----------------------------------------------------------------------------


class AcknowledgedWarningSerializer(serializers.Serializer):
    letter = serializers.CharField()
    check = serializers.CharField()
    severity = serializers.CharField()
    message = serializers.CharField()
    reason = serializers.CharField(help_text="Why the goal stands as it is")
    by = serializers.CharField(help_text="Username")
    at = serializers.DateTimeField()


def _figure(name, **kwargs):
    @extend_schema_field(serializers.DecimalField(**MONEY, allow_null=True, **kwargs))
    def get(self, goal):
        value = getattr(self.context["figures"][goal.pk], name)
        return None if value is None else f"{value:.2f}"

    return get


class GoalSerializer(serializers.ModelSerializer):
    """A goal with what the portal measures of it today (context "figures": {goal id:
    GoalFigures} from `selectors.goal_figures`, computed for the rows shown only)."""

    distributor = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="Distributor code; null for team and support",
    )
    parent = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Team goal id, or null"
    )
    product_line = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    territory = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    customer_category = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    attainment = serializers.SerializerMethodField(help_text="Actual as a % of the target")
    actual = serializers.SerializerMethodField(help_text="Measured from the portal's data")
    expected = serializers.SerializerMethodField(
        help_text="Where the landmarks say the goal should be today"
    )
    gap = serializers.SerializerMethodField(help_text="Actual against expected, in words")
    manufacturer_accepted_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    partner_accepted_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    # Read-only model fields lose allow_blank in DRF: a goal nobody proposed yet has "".
    proposed_by_side = serializers.ChoiceField(
        choices=Side.choices, read_only=True, allow_blank=True
    )
    smart_acknowledgements = AcknowledgedWarningSerializer(many=True, read_only=True)

    get_attainment = _figure("attainment")
    get_actual = _figure("value")
    get_expected = _figure("expected")

    class Meta:
        model = Goal
        fields = [
            "id",
            "title",
            "description",
            "level",
            "status",
            "distributor",
            "parent",
            "owner",
            "metric",
            "unit",
            "product_line",
            "territory",
            "customer_category",
            "baseline",
            "baseline_start",
            "baseline_end",
            "target",
            "start",
            "due",
            "exciting",
            "attainment",
            "actual",
            "expected",
            "gap",
            "at_risk",
            "projection",
            "proposed_by_side",
            "manufacturer_accepted_by",
            "manufacturer_accepted_at",
            "partner_accepted_by",
            "partner_accepted_at",
            "smart_acknowledgements",
            "final_actual",
            "payout",
            "closed_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_gap(self, goal) -> str:
        return str(self.context["figures"][goal.pk].gap)


class LandmarkReviewBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = LandmarkReview
        fields = ["id", "status", "outcome", "actual"]
        read_only_fields = fields


class LandmarkSerializer(serializers.ModelSerializer):
    review = serializers.SerializerMethodField(help_text="The landmark's review, once opened")

    class Meta:
        model = Landmark
        fields = ["date", "expected", "note", "review"]
        read_only_fields = fields

    @extend_schema_field(LandmarkReviewBriefSerializer(allow_null=True))
    def get_review(self, landmark):
        review = getattr(landmark, "review", None)
        return LandmarkReviewBriefSerializer(review).data if review else None


class AmendmentSerializer(serializers.ModelSerializer):
    proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    changes = serializers.DictField(
        help_text='Only what changes: {"target": "125000.00", "due": "2026-12-31", '
        '"landmarks": [[date, value], ...], "bands": [[threshold, kind, amount], ...]}'
    )

    class Meta:
        model = Amendment
        fields = [
            "id",
            "goal",
            "review",
            "changes",
            "reason",
            "status",
            "proposed_by",
            "proposed_by_side",
            "proposed_at",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields


# --- entering goals ----------------------------------------------------------------------------


class LandmarkInputSerializer(serializers.Serializer):
    date = serializers.DateField()
    expected = serializers.DecimalField(**MONEY)


class BandInputSerializer(serializers.Serializer):
    threshold = serializers.DecimalField(
        max_digits=6, decimal_places=2, help_text="Attainment from which the band pays (%)"
    )
    kind = serializers.ChoiceField(choices=BonusBand.Kind.choices)
    amount = serializers.DecimalField(**MONEY, help_text="An amount, or a % of revenue above")


class GoalTermsSerializer(serializers.Serializer):
    """A goal's terms as its author enters them. Only the fields sent are passed on; the SMART
    check and the co-setting rules are the services'."""

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=text_limit(Goal, "description")
    )
    metric = serializers.ChoiceField(choices=[], required=False, help_text="Metric key")
    parent = IdField(
        queryset=Goal.objects.none(), required=False, allow_null=True, help_text="Team goal id"
    )
    product_line = CodeRelatedField(
        queryset=ProductLine.objects.all(),
        required=False,
        allow_null=True,
        help_text="Product line code",
    )
    territory = CodeRelatedField(
        queryset=Territory.objects.none(),
        required=False,
        allow_null=True,
        help_text="Territory code",
    )
    customer_category = CodeRelatedField(
        queryset=CustomerCategory.objects.all(),
        required=False,
        allow_null=True,
        help_text="Customer category code",
    )
    baseline = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    baseline_start = serializers.DateField(required=False, allow_null=True)
    baseline_end = serializers.DateField(required=False, allow_null=True)
    target = serializers.DecimalField(**MONEY, required=False, allow_null=True)
    start = serializers.DateField(required=False)
    due = serializers.DateField(required=False)
    exciting = serializers.CharField(
        required=False, allow_blank=True, max_length=text_limit(Goal, "exciting")
    )
    landmarks = LandmarkInputSerializer(
        many=True, required=False, help_text="Replace the landmarks; left out: kept (or proposed)"
    )
    bands = BandInputSerializer(many=True, required=False, help_text="Replace the bonus bands")
    acknowledgement = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=ACKNOWLEDGEMENT_MAX_LENGTH,
        help_text="Why the goal stands despite the SMART check's warnings (kept with the goal)",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        self.fields["metric"].choices = _metric_choices()
        # What the caller cannot see answers like what does not exist.
        self.fields["parent"].queryset = Goal.objects.visible_to(user).filter(level=Goal.Level.TEAM)
        self.fields["territory"].queryset = Territory.objects.visible_to(user)
        if "distributor" in self.fields:
            self.fields["distributor"].queryset = Distributor.objects.visible_to(user)

    def terms(self):
        """(fields, landmarks or None, bands or None, acknowledgement) for `services.Terms`."""
        data = dict(self.validated_data)
        landmarks = data.pop("landmarks", None)
        bands = data.pop("bands", None)
        acknowledgement = data.pop("acknowledgement", "")
        return (
            data,
            None if landmarks is None else [(row["date"], row["expected"]) for row in landmarks],
            None if bands is None else [(b["threshold"], b["kind"], b["amount"]) for b in bands],
            acknowledgement,
        )


class GoalInputSerializer(GoalTermsSerializer):
    """A new goal: its level and, for a distributor goal, its distributor."""

    level = serializers.ChoiceField(choices=Goal.Level.choices)
    distributor = CodeRelatedField(
        queryset=Distributor.objects.none(),
        required=False,
        allow_null=True,
        help_text="Distributor code (distributor goals; a partner admin: its own)",
    )


class GoalCheckSerializer(GoalInputSerializer):
    """A draft to check: every field optional (what is missing is what the check reports)."""

    level = serializers.ChoiceField(choices=Goal.Level.choices, required=False)
    metric = serializers.ChoiceField(choices=[], required=False, allow_blank=True)


class FindingSerializer(serializers.Serializer):
    letter = serializers.ChoiceField(
        choices=["specific", "measurable", "achievable", "realistic", "time_bound"]
    )
    check = serializers.CharField(help_text="The check's key, e.g. vague_wording")
    severity = serializers.ChoiceField(choices=["refusal", "warning", "note"])
    message = serializers.CharField()


class VerdictSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=["refused", "warnings", "ok"])
    reasons = FindingSerializer(many=True)


class LandmarksInputSerializer(serializers.Serializer):
    landmarks = LandmarkInputSerializer(many=True, allow_empty=True)
    acknowledgement = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=ACKNOWLEDGEMENT_MAX_LENGTH
    )


class CloseSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=text_limit(Goal, "closed_reason"))


class AmendSerializer(serializers.Serializer):
    """Only what changes; the reason is kept with the amendment."""

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=text_limit(Goal, "description")
    )
    exciting = serializers.CharField(
        required=False, allow_blank=True, max_length=text_limit(Goal, "exciting")
    )
    target = serializers.DecimalField(**MONEY, required=False)
    start = serializers.DateField(required=False)
    due = serializers.DateField(required=False)
    landmarks = LandmarkInputSerializer(many=True, required=False)
    bands = BandInputSerializer(many=True, required=False)
    reason = serializers.CharField(allow_blank=True, max_length=text_limit(Amendment, "reason"))
    review = IdField(
        queryset=LandmarkReview.objects.none(),
        required=False,
        allow_null=True,
        help_text="The landmark review this adjustment answers",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["review"].queryset = LandmarkReview.objects.visible_to(_user(self))


class EmptySerializer(serializers.Serializer):
    pass


# --- landmark reviews --------------------------------------------------------------------------


class ActionStepBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    what = serializers.CharField()
    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)
    due = serializers.DateField()
    status = serializers.CharField()


class LandmarkReviewSerializer(serializers.ModelSerializer):
    goal_title = serializers.CharField(source="goal.title", read_only=True)
    distributor = serializers.SerializerMethodField(help_text="Distributor code, or null")
    landmark_date = serializers.DateField(source="landmark.date", read_only=True)
    accounted_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    acknowledged_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    # Read-only model fields lose allow_blank in DRF: an open review's cause is "".
    cause = serializers.ChoiceField(choices=Cause.choices, read_only=True, allow_blank=True)
    actions = ActionStepBriefSerializer(many=True, read_only=True, source="actions.all")

    class Meta:
        model = LandmarkReview
        fields = [
            "id",
            "goal",
            "goal_title",
            "distributor",
            "landmark_date",
            "opened_at",
            "early",
            "expected",
            "actual",
            "outcome",
            "status",
            "cause",
            "explanation",
            "accounted_by",
            "accounted_at",
            "acknowledged_by",
            "acknowledged_at",
            "closed_by",
            "closed_at",
            "actions",
        ]
        read_only_fields = fields

    def get_distributor(self, review) -> str | None:
        distributor = review.goal.distributor
        return distributor.code if distributor else None


class StepOwnerField(BlankRefused, serializers.SlugRelatedField):
    """A step's owner by username; to a partner, another distributor's user is unknown."""

    def get_queryset(self):
        return step_owners_visible_to(_user(self))


class CorrectiveActionSerializer(serializers.Serializer):
    what = serializers.CharField(max_length=300, allow_blank=True)
    owner = StepOwnerField(
        slug_field="username",
        queryset=get_user_model().objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Username (manufacturer staff or the distributor's users), or null",
    )
    due = serializers.DateField()


class AccountSerializer(serializers.Serializer):
    cause = serializers.ChoiceField(choices=Cause.choices)
    explanation = serializers.CharField(
        allow_blank=True, max_length=text_limit(LandmarkReview, "explanation")
    )
    actions = CorrectiveActionSerializer(many=True, required=False, default=list)


# --- the manager's activity log ----------------------------------------------------------------


class ActivitySerializer(serializers.ModelSerializer):
    manager = serializers.SlugRelatedField(slug_field="username", read_only=True)
    distributor = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Activity
        fields = ["id", "kind", "manager", "distributor", "date", "note", "created_at"]
        read_only_fields = fields


class ActivityInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Activity.Kind.choices)
    distributor = CodeRelatedField(
        queryset=Distributor.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Distributor code, or null",
    )
    date = serializers.DateField()
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_limit(Activity, "note")
    )


class AnnexQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class GoalQuerySerializer(serializers.Serializer):
    """The goals list's filters (query parameters)."""

    level = serializers.ChoiceField(choices=Goal.Level.choices, required=False)
    distributor = CodeRelatedField(
        queryset=Distributor.objects.none(),
        required=False,
        help_text="Distributor code",
    )
    status = serializers.ChoiceField(choices=Goal.Status.choices, required=False)
    year = serializers.IntegerField(
        min_value=2000, max_value=2100, required=False, help_text="Year of the due date"
    )
    at_risk = serializers.BooleanField(
        required=False, default=False, help_text="true: only goals flagged at risk"
    )
    metric = serializers.ChoiceField(choices=[], required=False, help_text="Metric key")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Another distributor's code answers like an unknown one: a partner learns nothing.
        self.fields["distributor"].queryset = Distributor.objects.visible_to(_user(self))
        self.fields["metric"].choices = _metric_choices()

    def filters(self):
        data = dict(self.validated_data)
        if data.get("distributor"):
            data["distributor"] = data["distributor"].code
        return data
