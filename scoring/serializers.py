"""Shapes of the scoring API: scorecards with their metrics, a distributor's history, runs, and
the query parameters the endpoints take."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from distributors.models import Tier

from .metrics import HIGHER, LOWER
from .models import RateEstimate, Scorecard, ScoringRun
from .selectors import DEFAULT_ORDERING, ORDERINGS, RANKING_COLUMNS

# The stored precision of each figure (see MetricValue).
FIGURE = {"max_digits": 20, "decimal_places": 4, "allow_null": True, "read_only": True}
AMOUNT = {"max_digits": 22, "decimal_places": 2, "allow_null": True, "read_only": True}
POINTS = {"max_digits": 6, "decimal_places": 2, "allow_null": True, "read_only": True}


class MetricLineSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    direction = serializers.ChoiceField(
        choices=[HIGHER, LOWER], help_text="Which way is better: higher or lower"
    )
    unit = serializers.CharField(help_text="money, percent, hours, count or ratio")
    raw = serializers.DecimalField(**FIGURE, help_text="The measured value (null: no data)")
    numerator = serializers.DecimalField(**AMOUNT)
    denominator = serializers.DecimalField(**AMOUNT, help_text="null: a plain sum or count")
    peer_median = serializers.DecimalField(**FIGURE, help_text="Median of the tier's peers")
    normalised = serializers.DecimalField(
        **POINTS, help_text="Percentile (0-100) among the distributors with data"
    )
    weight = serializers.DecimalField(max_digits=6, decimal_places=2, read_only=True)
    contribution = serializers.DecimalField(
        **POINTS, help_text="Points this metric adds to the score"
    )
    explanation = serializers.CharField(
        help_text="How the metric is measured (and what it left out for want of a rate)"
    )
    of = serializers.CharField(
        allow_null=True,
        read_only=True,
        help_text="A lead rate's denominator, as the funnel names it (handed_over, accepted, "
        "…): raw is numerator ÷ denominator × 100; null for the other metrics",
    )
    shrunk = serializers.DecimalField(
        **FIGURE,
        help_text="A rate of counts: the estimate shrunk toward the peers (empirical-Bayes "
        "beta-binomial posterior mean), in raw's unit; null for the other metrics",
    )
    shrunk_low = serializers.DecimalField(
        **FIGURE, help_text="Lower end of the shrunk estimate's 90 % interval (posterior 5 %)"
    )
    shrunk_high = serializers.DecimalField(
        **FIGURE, help_text="Upper end of the shrunk estimate's 90 % interval (posterior 95 %)"
    )
    prior_mean = serializers.DecimalField(
        **FIGURE,
        help_text="The peers' mean the estimate is pulled toward (null: too few peers to pool)",
    )
    missing_rates = serializers.IntegerField(
        allow_null=True,
        read_only=True,
        help_text="Won leads left out of the figure: their currency has no exchange rate for "
        "the month they were won in (null: the metric converts no currency)",
    )


class RankedOnSerializer(serializers.Serializer):
    """What a scorecard's rank rests on: the rates its run scored and the rank's interval (the
    scorecard and its history give both)."""

    rate_estimate = serializers.ChoiceField(
        source="run.rate_estimate",
        choices=RateEstimate.choices,
        read_only=True,
        help_text="Which figure of the rates of counts the run scored on: raw or shrunk",
    )
    rank_low = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The rank's 90 % interval, best end"
    )
    rank_high = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The rank's 90 % interval, worst end"
    )


class ScorecardSerializer(RankedOnSerializer, serializers.ModelSerializer):
    distributor = serializers.CharField(source="distributor.code", help_text="Distributor code")
    name = serializers.CharField(source="distributor.name")
    tier = serializers.CharField(source="tier.code", help_text="Tier code (at the run)")
    as_of = serializers.DateField(source="run.as_of")
    computed_at = serializers.DateTimeField(
        source="run.started_at",
        read_only=True,
        allow_null=True,
        help_text="When the run read the data its figures come from",
    )
    published_at = serializers.DateTimeField(
        source="run.published_at", read_only=True, help_text="When the run was published"
    )
    changed_since_run = serializers.SerializerMethodField(
        help_text="The live figures changed since the run was computed, which a new run would "
        "count: revenue, investments, leads (empty: none)"
    )
    model_version = serializers.IntegerField(source="run.model.version")
    top_quartile_probability = serializers.DecimalField(
        max_digits=4,
        decimal_places=3,
        read_only=True,
        allow_null=True,
        help_text="Probability (0-1) of being in the top quartile, simulated from the rates' "
        "posteriors",
    )
    bottom_quartile_probability = serializers.DecimalField(
        max_digits=4,
        decimal_places=3,
        read_only=True,
        allow_null=True,
        help_text="Probability (0-1) of being in the bottom quartile",
    )
    metrics = MetricLineSerializer(many=True, source="metric_lines")

    class Meta:
        model = Scorecard
        fields = [
            *RANKING_COLUMNS,
            "score_change",
            "as_of",
            "run",
            "computed_at",
            "published_at",
            "changed_since_run",
            "model_version",
            "rate_estimate",
            "metrics",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_changed_since_run(self, card):
        # Asked once per answer (scoring.freshness) and handed over by the view.
        return list(self.context.get("changed_since_run", {}).get(card.run_id, []))


class ScorecardHistorySerializer(RankedOnSerializer, serializers.ModelSerializer):
    as_of = serializers.DateField(source="run.as_of")
    published_at = serializers.DateTimeField(source="run.published_at")
    model_version = serializers.IntegerField(source="run.model.version")

    class Meta:
        model = Scorecard
        fields = [
            "as_of",
            "run",
            "published_at",
            "model_version",
            "rate_estimate",
            "score",
            "rank",
            "rank_low",
            "rank_high",
            "percentile",
            "rank_change",
            "score_change",
        ]
        read_only_fields = fields


class ScorecardQuerySerializer(serializers.Serializer):
    """The scorecard list's query parameters."""

    as_of = serializers.DateField(
        required=False,
        help_text="The last published run with this as-of date (none: 404); "
        "left out: the current run (the published run with the latest as-of date)",
    )
    tier = serializers.SlugRelatedField(
        slug_field="code", queryset=Tier.objects.all(), required=False, help_text="Tier code"
    )
    region = serializers.CharField(required=False, max_length=60)
    ordering = serializers.ChoiceField(
        choices=list(ORDERINGS), required=False, default=DEFAULT_ORDERING
    )


class ScorecardAsOfSerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False, help_text="The last published run with this as-of date (none: 404)"
    )


class ScoringRunSerializer(serializers.ModelSerializer):
    model_version = serializers.IntegerField(source="model.version")
    rate_estimate = serializers.ChoiceField(
        choices=RateEstimate.choices,
        read_only=True,
        help_text="Which figure of the rates of counts the run scored on: raw or shrunk",
    )
    back_dated = serializers.BooleanField(
        read_only=True,
        help_text="A run with a later as-of date was published before it: history, never "
        "the current ranking (GET /scorecards/ reads the published run with the latest as-of "
        "date)",
    )
    triggered_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ScoringRun
        fields = [
            "id",
            "status",
            "as_of",
            "back_dated",
            "model_version",
            "rate_estimate",
            "stage",
            "attempts",
            "timings",
            "counts",
            "error",
            "triggered_by",
            "created_at",
            "started_at",
            "published_at",
            "finished_at",
        ]
        read_only_fields = fields


class ScoringRunInputSerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Default: today. From the first month of data the portal holds (revenue or "
        "leads) to today; an earlier day than the current run's is published as history",
    )
