"""The tiers' requirements, the proposals the nightly requalification makes, and its runs.

A distributor qualifies for a tier when it meets every requirement of that tier; it earns the
best-ranked tier it qualifies for (a tier without requirements is one everyone qualifies for).
When the earned tier differs from the one it holds, the nightly run proposes the change
(`TierReview`): an upgrade at once, a downgrade once the distributor has fallen short for the
whole grace period (`TierShortfall.since`). A manager confirms it (the tier changes) or
overrides it with a reason; a later run finding the distributor back in its tier withdraws it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from drm.limits import PARAGRAPHS
from identity.access import VisibleToQuerySet

THRESHOLD_DIGITS = 16


class TierRequirement(models.Model):
    """A figure a distributor must reach to hold a tier: "revenue of the last 12 months ≥
    250,000 EUR". `key` names the requirement's strategy (tiers.requirements)."""

    tier = models.ForeignKey(
        "distributors.Tier",
        on_delete=models.CASCADE,
        related_name="requirements",
        verbose_name=_("tier"),
    )
    key = models.CharField(_("requirement"), max_length=30)
    threshold = models.DecimalField(_("at least"), max_digits=THRESHOLD_DIGITS, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tier__rank", "key"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "key"], name="tier_requirement_once"),
            models.CheckConstraint(condition=Q(threshold__gte=0), name="tier_threshold_positive"),
        ]
        verbose_name = _("tier requirement")
        verbose_name_plural = _("tier requirements")

    def __str__(self):
        return f"{self.tier_id} · {self.key} ≥ {self.threshold}"

    @property
    def requirement(self):
        from .requirements import requirement_get

        return requirement_get(self.key)


class TierShortfall(models.Model):
    """Since when a distributor has fallen short of the tier it holds (the grace period runs
    from `since`); gone once it meets it again."""

    distributor = models.OneToOneField(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="tier_shortfall"
    )
    tier = models.ForeignKey("distributors.Tier", on_delete=models.CASCADE, related_name="+")
    since = models.DateField()

    class Meta:
        verbose_name = _("tier shortfall")
        verbose_name_plural = _("tier shortfalls")

    def __str__(self):
        return f"{self.distributor_id} short of {self.tier_id} since {self.since.isoformat()}"


class TierReview(models.Model):
    """A tier change the nightly run proposed for a distributor, with the figures behind it,
    and what a manager decided."""

    class Direction(models.TextChoices):
        UP = "up", _("Upgrade")
        DOWN = "down", _("Downgrade")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        OVERRIDDEN = "overridden", _("Overridden")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.CASCADE,
        related_name="tier_reviews",
        verbose_name=_("distributor"),
    )
    current_tier = models.ForeignKey(
        "distributors.Tier",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tier held"),
    )
    proposed_tier = models.ForeignKey(
        "distributors.Tier",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("tier earned"),
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    # {key: {"value": "123.00" | null, "held": threshold | null, "earned": threshold | null}}
    figures = models.JSONField(_("figures"), default=dict)
    as_of = models.DateField(_("figures as of"))
    short_since = models.DateField(_("short since"), null=True, blank=True)
    proposed_at = models.DateTimeField(_("proposed at"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), max_length=PARAGRAPHS, blank=True)
    tier_set = models.ForeignKey(
        "distributors.Tier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tier set"),
    )

    objects = VisibleToQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["distributor"],
                condition=Q(status="proposed"),
                name="tier_review_one_open",
            ),
        ]
        indexes = [models.Index(fields=["status", "proposed_at"], name="tier_review_status")]
        verbose_name = _("tier review")
        verbose_name_plural = _("tier reviews")

    def __str__(self):
        return f"{self.distributor_id}: {self.current_tier_id} → {self.proposed_tier_id}"

    @property
    def is_open(self):
        return self.status == self.Status.PROPOSED

    def may(self, user, act):
        """Whether `user` may `act` ("decide") on this review: the manufacturer, while open."""
        from identity.access import is_manufacturer

        return act == "decide" and self.is_open and is_manufacturer(user)


class TierRun(models.Model):
    """One requalification: when, for which day, and what it found."""

    as_of = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # {"distributors": n, "proposed": n, "kept": n, "withdrawn": n, "short": n}
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"tiers requalified as of {self.as_of.isoformat()}"
