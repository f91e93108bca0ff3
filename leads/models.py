"""Leads: the manufacturer's qualified leads (MQL) handed to distributors, and what became of them.

Every status change is a `LeadEvent`, so every duration (time to accept, to qualify, to win) can be
measured. `Lead.TRANSITIONS` says which status may follow which; the services in `services.py`
apply them under a row lock.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from distributors.access import VisibleToQuerySet
from distributors.codes import validate_country, validate_currency


class LeadSource(models.Model):
    """Where leads come from: a campaign, a channel, or partners registering their own deals."""

    class Kind(models.TextChoices):
        CAMPAIGN = "campaign", _("Campaign")
        CHANNEL = "channel", _("Channel")
        PARTNER = "partner", _("Partner-registered")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")

    def __str__(self):
        return self.name


class Lead(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        MQL = "mql", _("Marketing-qualified")
        ASSIGNED = "assigned", _("Assigned")
        ACCEPTED = "accepted", _("Accepted")
        DQL = "dql", _("Distributor-qualified")
        OPPORTUNITY = "opportunity", _("Opportunity")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    # Which status may follow which. A rejected lead goes back to the pool (assigned → mql).
    TRANSITIONS = {
        Status.NEW: {Status.MQL, Status.LOST},
        Status.MQL: {Status.ASSIGNED, Status.LOST},
        Status.ASSIGNED: {Status.ACCEPTED, Status.MQL, Status.ASSIGNED},
        Status.ACCEPTED: {Status.DQL, Status.LOST},
        Status.DQL: {Status.OPPORTUNITY, Status.LOST},
        Status.OPPORTUNITY: {Status.WON, Status.LOST},
        Status.WON: set(),
        Status.LOST: set(),
    }
    # Statuses in which a distributor owns the lead.
    OWNED = (Status.ASSIGNED, Status.ACCEPTED, Status.DQL, Status.OPPORTUNITY)

    source = models.ForeignKey(
        LeadSource, on_delete=models.PROTECT, related_name="leads", verbose_name=_("source")
    )
    external_ref = models.CharField(_("external reference"), max_length=100)
    company = models.CharField(_("company"), max_length=200)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    country = models.CharField(_("country"), max_length=2, validators=[validate_country])
    region = models.CharField(_("region"), max_length=60, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    product_line = models.ForeignKey(
        "distributors.ProductLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product line"),
    )
    estimated_value = models.DecimalField(
        _("estimated value"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, validators=[validate_currency]
    )
    mql_score = models.PositiveSmallIntegerField(
        _("MQL score"), default=0, validators=[MaxValueValidator(100)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW, db_index=True
    )
    distributor = models.ForeignKey(
        "distributors.Distributor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        verbose_name=_("distributor"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
        verbose_name=_("owner"),
        help_text=_("The partner rep working the lead"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    accept_deadline = models.DateTimeField(_("accept by"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_ref"], name="lead_unique_ref"),
            models.CheckConstraint(
                condition=Q(mql_score__lte=100), name="lead_mql_score_at_most_100"
            ),
            # A lead is owned by a distributor exactly in the owned statuses.
            models.CheckConstraint(
                condition=(
                    Q(status__in=["assigned", "accepted", "dql", "opportunity"])
                    & Q(distributor__isnull=False)
                )
                | (
                    ~Q(status__in=["assigned", "accepted", "dql", "opportunity"])
                    & Q(distributor__isnull=True)
                )
                | Q(status__in=["won", "lost"]),
                name="lead_owned_when_assigned",
            ),
        ]

    def __str__(self):
        return f"{self.company} ({self.get_status_display()})"

    def can_move_to(self, status):
        return status in self.TRANSITIONS[self.Status(self.status)]


class LeadEvent(models.Model):
    """One status change of a lead: who, when, from, to, for which distributor, and why."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=20, choices=Lead.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Lead.Status.choices)
    distributor = models.ForeignKey(
        "distributors.Distributor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("lead event")
        verbose_name_plural = _("lead events")

    def __str__(self):
        return f"{self.lead_id}: {self.from_status or '-'} → {self.to_status}"


class LeadRejection(models.Model):
    """A distributor's structured no: it is never offered the lead again."""

    class Reason(models.TextChoices):
        NOT_IN_TERRITORY = "not_in_territory", _("Not in our territory")
        NO_BUDGET = "no_budget", _("No budget")
        NO_NEED = "no_need", _("No need")
        BAD_CONTACT = "bad_contact", _("Bad contact data")
        DUPLICATE = "duplicate", _("Duplicate")
        ALREADY_CUSTOMER = "already_customer", _("Already a customer")
        COMPETITOR = "competitor", _("Competitor")
        SPAM = "spam", _("Spam")
        OTHER = "other", _("Other")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="rejections")
    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="lead_rejections"
    )
    rating = models.PositiveSmallIntegerField(
        _("lead quality (1–5)"), validators=[MaxValueValidator(5)]
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    contacted = models.BooleanField(_("contacted?"), default=False)
    text = models.TextField(_("comment"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(fields=["lead", "distributor"], name="lead_rejected_once"),
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="lead_rejection_rating_1_5"
            ),
        ]

    def __str__(self):
        return f"{self.lead_id} rejected by {self.distributor_id}: {self.reason}"
