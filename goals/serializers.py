"""API shapes of the goals app: they validate input and render output; the rules are the
services'. Codes stand for related objects (distributor, product line, territory, customer
category), usernames for people, ids for goals."""

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from distributors.models import CustomerCategory, Distributor, ProductLine, Territory
from distributors.serializers import CodeRelatedField
from drm.api import BlankRefused, IdField
from drm.limits import text_limit

from . import formats
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
    LandmarkRule,
    NextAct,
    Proposal,
    Side,
    TeamBasis,
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


class GoalLandmarkSerializer(serializers.Serializer):
    date = serializers.DateField()
    expected = serializers.DecimalField(**MONEY)
    display = serializers.SerializerMethodField(help_text="The value as the goal page writes it")

    def get_display(self, landmark) -> str:
        return formats.value_text(landmark.goal, landmark.expected, exact=True)


class GoalBandSerializer(serializers.Serializer):
    threshold = serializers.DecimalField(
        max_digits=6, decimal_places=2, help_text="Attainment from which the band pays (%)"
    )
    kind = serializers.ChoiceField(choices=BonusBand.Kind.choices)
    amount = serializers.DecimalField(
        **MONEY,
        help_text="fixed: an amount in `currency`; percent_above: a % of the revenue above target",
    )
    currency = serializers.SerializerMethodField(
        help_text="The currency a fixed band pays in (the distributor's); null for a percentage"
    )
    display = serializers.SerializerMethodField(help_text="What the band pays, in words")

    def get_currency(self, band) -> str | None:
        return band.goal.payout_currency_code if band.kind == BonusBand.Kind.FIXED else None

    def get_display(self, band) -> str:
        return formats.band_text(band.goal, band)


class GoalDisplaySerializer(serializers.Serializer):
    """The goal's figures as the pages, the export and the annex write them, in the caller's
    language: the same formatter everywhere."""

    target = serializers.CharField()
    baseline = serializers.CharField()
    actual = serializers.CharField()
    expected = serializers.CharField()
    attainment = serializers.CharField()
    gap = serializers.CharField()
    projection = serializers.CharField()


class GoalSerializer(serializers.ModelSerializer):
    """A goal with its signed terms (landmarks and bonus bands included) and what the portal
    measures of it today (context "figures": {goal id: GoalFigures} from
    `selectors.goal_figures`, computed for the rows shown only)."""

    title = serializers.CharField(
        read_only=True, help_text="Written from the terms, in the caller's language"
    )
    landmarks = GoalLandmarkSerializer(many=True, read_only=True, source="landmarks.all")
    bands = GoalBandSerializer(many=True, read_only=True, source="bands.all")
    bonus_currency = serializers.CharField(
        source="payout_currency_code",
        read_only=True,
        help_text="The currency bonuses are paid in: the distributor's",
    )
    places = serializers.SerializerMethodField(
        help_text="The decimals the goal's figures are shown with (its target's precision)"
    )
    display = serializers.SerializerMethodField()

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
    team_basis = serializers.ChoiceField(
        choices=TeamBasis.choices,
        read_only=True,
        allow_blank=True,
        help_text="Team goals: what the actual adds up; empty for the others",
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
            "subtitle",
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
            "team_basis",
            "landmark_rule",
            "landmarks",
            "bands",
            "bonus_currency",
            "places",
            "attainment",
            "actual",
            "expected",
            "gap",
            "display",
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
            "payout_currency",
            "closed_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_gap(self, goal) -> str:
        return str(self.context["figures"][goal.pk].gap)

    def get_places(self, goal) -> int:
        return formats.places(goal)

    @extend_schema_field(GoalDisplaySerializer)
    def get_display(self, goal):
        figures = self.context["figures"][goal.pk]
        return {
            "target": figures.target_text,
            "baseline": formats.value_text(goal, goal.baseline, exact=True),
            "actual": figures.value_text,
            "expected": figures.expected_text,
            "attainment": figures.attainment_text,
            "gap": str(figures.gap),
            "projection": formats.value_text(goal, goal.projection),
        }


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
    previous = serializers.DictField(
        help_text="What those terms read before, in the same shape (empty for amendments "
        "proposed before it was kept)"
    )

    class Meta:
        model = Amendment
        fields = [
            "id",
            "goal",
            "review",
            "changes",
            "previous",
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

    subtitle = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="In the author's words; the title is written from the terms",
    )
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=text_limit(Goal, "description")
    )
    metric = serializers.ChoiceField(choices=[], required=False, help_text="Metric key")
    team_basis = serializers.ChoiceField(
        choices=TeamBasis.choices,
        required=False,
        help_text="Team goals: what the actual adds up (default channel)",
    )
    landmark_rule = serializers.ChoiceField(
        choices=LandmarkRule.choices,
        required=False,
        help_text="linear or profile: the portal proposes the landmarks and re-derives them "
        "when the target or the dates change; manual: the landmarks sent (landmarks sent "
        "without a rule are manual)",
    )
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
        many=True,
        required=False,
        help_text="Landmarks set by hand (the last one is the target on the due date, added "
        "when missing); left out: re-derived by the rule, or kept when set by hand",
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
        """The keyword arguments of `services.Terms`."""
        data = dict(self.validated_data)
        landmarks = data.pop("landmarks", None)
        bands = data.pop("bands", None)
        return {
            "acknowledgement": data.pop("acknowledgement", ""),
            "landmark_rule": data.pop("landmark_rule", None),
            "reason": data.pop("reason", ""),
            "landmarks": None
            if landmarks is None
            else [(row["date"], row["expected"]) for row in landmarks],
            "bands": None
            if bands is None
            else [(b["threshold"], b["kind"], b["amount"]) for b in bands],
            "fields": data,
        }


class CounterSerializer(GoalTermsSerializer):
    """The terms one answers with, and why (the other side reads both before it answers)."""

    reason = serializers.CharField(
        max_length=text_limit(Proposal, "reason"), help_text="Why you answer with other terms"
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

    subtitle = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=text_limit(Goal, "description")
    )
    exciting = serializers.CharField(
        required=False, allow_blank=True, max_length=text_limit(Goal, "exciting")
    )
    target = serializers.DecimalField(**MONEY, required=False)
    start = serializers.DateField(required=False)
    due = serializers.DateField(required=False)
    landmarks = LandmarkInputSerializer(
        many=True, required=False, help_text="Landmarks set by hand (makes them manual)"
    )
    landmark_rule = serializers.ChoiceField(
        choices=LandmarkRule.choices,
        required=False,
        help_text="linear or profile: the landmarks follow the amended target and dates",
    )
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
    display = serializers.SerializerMethodField(
        help_text="Expected and actual as the pages write them (the goal's precision and unit)"
    )
    next_act = serializers.ChoiceField(
        choices=NextAct.choices,
        read_only=True,
        help_text="What the review waits for next: account, acknowledge, close, figures (the "
        "portal: final figures), none (closed)",
    )
    next_side = serializers.CharField(
        read_only=True,
        help_text='Whose act it is: "manufacturer", "partner" (the distributor), or "" (none)',
    )
    overdue = serializers.SerializerMethodField(
        help_text="A missed landmark not accounted for SCORING_ACCOUNTING_DAYS after its "
        "review opened"
    )

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
            "display",
            "next_act",
            "next_side",
            "overdue",
        ]
        read_only_fields = fields

    def get_overdue(self, review) -> bool:
        return review.is_overdue(timezone.localdate())

    @extend_schema_field(
        serializers.DictField(child=serializers.CharField(), help_text="expected, actual")
    )
    def get_display(self, review):
        return {
            "expected": formats.value_text(review.goal, review.expected, exact=True),
            "actual": formats.value_text(review.goal, review.actual),
        }

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
    waiting = serializers.ChoiceField(
        choices=[("me", "me")],
        required=False,
        help_text="me: only goals whose proposal, counter-proposal or amendment waits for the "
        "caller's side to answer",
    )

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


# --- a team goal's plan: each distributor's share --------------------------------------------


class _Answer(serializers.Serializer):
    """An answer only (GET): every field read-only, nothing a client could send."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields


class PlanWeightsSerializer(_Answer):
    potential = serializers.DecimalField(max_digits=3, decimal_places=2)
    history = serializers.DecimalField(max_digits=3, decimal_places=2)
    peers = serializers.DecimalField(max_digits=3, decimal_places=2)
    trend = serializers.DecimalField(max_digits=3, decimal_places=2)


class PlanFitSerializer(_Answer):
    how = serializers.ChoiceField(
        choices=["fitted", "set", "too-little-past"],
        help_text="fitted: on the past year; set: GOALS_PLAN_WEIGHTS names them; "
        "too-little-past: the default weights, too few distributors to fit on",
    )
    weights = PlanWeightsSerializer(help_text="Each basis's weight, adding up to 1")
    distributors = serializers.IntegerField(
        help_text="Distributors with revenue in both years the fit was measured on"
    )
    error = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="The fitted split's mean absolute % error on the past year",
    )
    history_error = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="Last year's shares alone, the same year",
    )
    set_error = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text="The default weights'"
    )


class PlanLineSerializer(_Answer):
    product_line = serializers.CharField(help_text="Product line code")
    amount = serializers.DecimalField(**MONEY)


class PlanRowSerializer(_Answer):
    distributor = serializers.CharField(source="distributor.code", help_text="Distributor code")
    name = serializers.CharField(source="distributor.name")
    region = serializers.CharField(source="distributor.region")
    market_potential = serializers.DecimalField(
        source="distributor.market_potential", allow_null=True, **MONEY
    )
    revenue_last_12_months = serializers.DecimalField(source="history", **MONEY)
    share = serializers.DecimalField(**MONEY, help_text="The proposed share of the plan")
    own_proposal = serializers.DecimalField(
        source="bottom_up",
        allow_null=True,
        **MONEY,
        help_text="The target the distributor's side last put on the table, if any",
    )
    gap = serializers.DecimalField(allow_null=True, **MONEY)
    gap_pct = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    goal = serializers.IntegerField(
        source="child.pk", allow_null=True, help_text="Its distributor goal under the plan"
    )
    goal_status = serializers.CharField(source="child.status", allow_null=True)
    lines = serializers.SerializerMethodField(
        help_text="Its share by product line (a plan of none)"
    )

    @extend_schema_field(PlanLineSerializer(many=True))
    def get_lines(self, row):
        return PlanLineSerializer(
            [{"product_line": line.code, "amount": amount} for line, amount in row.lines],
            many=True,
        ).data


class PlanRegionSerializer(_Answer):
    region = serializers.CharField()
    share = serializers.DecimalField(**MONEY)
    own_proposals = serializers.DecimalField(source="bottom_up", **MONEY)


class PlanSerializer(_Answer):
    goal = serializers.IntegerField(source="goal.pk")
    plan = serializers.DecimalField(source="allocation.plan", **MONEY)
    currency = serializers.CharField()
    fit = PlanFitSerializer(source="allocation.fit")
    own_proposals = serializers.DecimalField(source="bottom_up_total", **MONEY)
    regions = PlanRegionSerializer(many=True)
    rows = PlanRowSerializer(many=True)
