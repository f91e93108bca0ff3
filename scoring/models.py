"""Scoring: versioned scoring models (metric weights), runs that recompute every distributor's
scorecard as of a date, and the snapshots they publish.

A run writes its scorecards and metric values under its own id while readers keep reading the
last published run; publishing is one short UPDATE of the run's status. A run that dies halfway
leaves rows nobody reads, and the next attempt at the same run deletes them first.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from identity.access import VisibleToQuerySet
from leads.pricing import unpriced_note


class ScoringModel(models.Model):
    """A version of the weights. Changing a weight makes a new version; runs keep theirs."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("scoring model")
        verbose_name_plural = _("scoring models")

    def __str__(self):
        return f"v{self.version}"

    @property
    def weights(self):
        """{metric key: weight} of this version."""
        return {w.metric: w.weight for w in self.weight_rows.all()}


class ScoringWeight(models.Model):
    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="weight_rows")
    metric = models.CharField(_("metric"), max_length=40)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["metric"]
        constraints = [
            models.UniqueConstraint(fields=["model", "metric"], name="weight_unique_metric"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="weight_not_negative"),
        ]

    def __str__(self):
        return f"{self.metric}: {self.weight}"

    @property
    def metric_label(self):
        """The metric's name in the reader's language (its key, for a metric no longer defined)."""
        from .metrics import metric_get

        try:
            return metric_get(self.metric).label
        except KeyError:
            return self.metric


class ScoringRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        PUBLISHED = "published", _("Published")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    as_of = models.DateField(_("as of"))
    model = models.ForeignKey(
        ScoringModel, on_delete=models.PROTECT, related_name="runs", verbose_name=_("model")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    # True while queued or running, NULL once published or failed: unique, so the database holds
    # one run under way at most (a rule on the status itself would let a queued run stand beside
    # a running one).
    active = models.BooleanField(null=True, default=True, editable=False)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("triggered by"),
    )
    # Which stage it is in and how far ("metrics 4/10"), for the progress shown to managers.
    stage = models.CharField(_("stage"), max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # {"metrics": 1.23, "normalise": 0.2, "write": 0.8, "publish": 0.01} seconds.
    timings = models.JSONField(default=dict, blank=True)
    # {"distributors": 10000, "scorecards": 10000, "metric_values": 100000}
    counts = models.JSONField(default=dict, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        constraints = [
            # One run at a time: a second trigger while one is queued or running is refused.
            models.UniqueConstraint(fields=["active"], name="scoring_one_run_under_way"),
            models.CheckConstraint(
                condition=Q(active=True, status__in=("queued", "running"))
                | Q(active__isnull=True, status__in=("published", "failed")),
                name="scoring_active_matches_status",
            ),
        ]
        indexes = [
            models.Index(
                fields=["-published_at"],
                name="scoring_run_published",
                condition=Q(status="published"),
            )
        ]

    def __str__(self):
        return f"{self.as_of} · {self.model} · {self.get_status_display()}"


class Scorecard(models.Model):
    """One distributor's score and ranks in one run."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="scorecards")
    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="scorecards"
    )
    tier = models.ForeignKey(
        "distributors.Tier", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    region = models.CharField(max_length=60, blank=True)
    score = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    rank = models.PositiveIntegerField(null=True)
    rank_in_tier = models.PositiveIntegerField(null=True)
    rank_in_region = models.PositiveIntegerField(null=True)
    percentile = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    # Against the previous published run (None: not ranked then).
    rank_change = models.IntegerField(null=True)
    score_change = models.DecimalField(max_digits=7, decimal_places=2, null=True)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")

    class Meta:
        ordering = ["rank", "distributor_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "distributor"], name="scorecard_unique"),
        ]
        indexes = [
            models.Index(fields=["run", "rank"], name="scorecard_run_rank"),
            models.Index(fields=["distributor", "run"], name="scorecard_distributor_run"),
            # The dashboard's attention lists: the bottom quartile, the ranks that fell.
            models.Index(fields=["run", "percentile"], name="scorecard_run_percentile"),
            models.Index(
                fields=["run", "distributor"],
                condition=models.Q(rank_change__lt=0),
                name="scorecard_run_fell",
            ),
        ]

    def __str__(self):
        return f"{self.distributor_id} · {self.score} · #{self.rank}"


class MetricValue(models.Model):
    """One metric of one distributor in one run, with how it was reached."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="metric_values")
    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    metric = models.CharField(max_length=40)
    raw = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    numerator = models.DecimalField(max_digits=22, decimal_places=2, null=True)
    denominator = models.DecimalField(max_digits=22, decimal_places=2, null=True)
    peer_median = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    normalised = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    weight = models.DecimalField(max_digits=6, decimal_places=2)
    contribution = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    # Figures left out of `raw` for want of an exchange rate (won leads whose currency has no
    # rate for their month); None where the metric converts no currency.
    missing_rates = models.PositiveIntegerField(null=True)

    class Meta:
        ordering = ["metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "distributor", "metric"], name="metric_value_unique"
            ),
        ]

    def __str__(self):
        return f"{self.distributor_id} · {self.metric}: {self.raw}"

    @property
    def has_data(self):
        return self.raw is not None

    @property
    def missing_rates_note(self):
        """What the figure says about the values it left out for want of a rate ("" if none)."""
        return unpriced_note(self.missing_rates)
