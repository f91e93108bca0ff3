"""Leads: the manufacturer's qualified leads (MQL) handed to distributors, and what became of them.

Every status change is a `LeadEvent`, so every duration (time to accept, to qualify, to win) can be
measured. `Lead.TRANSITIONS` says which status may follow which; the services in `services.py`
apply them under a row lock.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from distributors.codes import validate_country, validate_currency
from drm.caseless import caseless_unique
from drm.limits import PARAGRAPHS
from drm.names import FrenchNamed
from identity.access import VisibleToQuerySet, is_manufacturer, user_membership

MONEY_DIGITS = 16


class LeadSource(FrenchNamed):
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
        # Unique in any case, like the distributors' codes: imports match them in any case.
        constraints = [caseless_unique("leadsource")]
        verbose_name = _("lead source")
        verbose_name_plural = _("lead sources")


class LostReason(models.TextChoices):
    PRICE = "price", _("Price")
    COMPETITOR = "competitor", _("Went to a competitor")
    NO_DECISION = "no_decision", _("No decision")
    TIMING = "timing", _("Timing, project postponed")
    NOT_QUALIFIED = "not_qualified", _("Did not qualify")
    PRODUCT_FIT = "product_fit", _("Product did not fit")
    REGISTRATION_DECLINED = "registration_declined", _("Deal registration declined")
    OTHER = "other", _("Other")


class LeadQuerySet(VisibleToQuerySet):
    """Leads, with the list's named states spelled once (Lead.overdue_q, Lead.escalated_q)."""

    def overdue(self, now=None):
        return self.filter(Lead.overdue_q(now))

    def escalated(self):
        return self.filter(Lead.escalated_q())


class Lead(models.Model):
    LostReason = LostReason

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

    # No index of its own on source, distributor or status: the composite indexes below start
    # with them (one index fewer to write per imported lead).
    source = models.ForeignKey(
        LeadSource,
        on_delete=models.PROTECT,
        related_name="leads",
        verbose_name=_("source"),
        db_index=False,
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
    # The currency of every value of the lead (estimated, opportunity, won). A lead its distributor
    # values without one takes the distributor's currency then (lead_convert, lead_win).
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, validators=[validate_currency]
    )
    mql_score = models.PositiveSmallIntegerField(
        _("MQL score"), default=0, validators=[MaxValueValidator(100)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    distributor = models.ForeignKey(
        "distributors.Distributor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        verbose_name=_("distributor"),
        db_index=False,
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
    # Indexed only while it matters, for leads waiting for an answer (lead_overdue).
    accept_deadline = models.DateTimeField(_("accept by"), null=True, blank=True)
    # Set when the deadline job found no one else to hand the lead to: a manager must act.
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    opportunity_value = models.DecimalField(
        _("opportunity value"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    won_value = models.DecimalField(
        _("won value"), max_digits=MONEY_DIGITS, decimal_places=2, null=True, blank=True
    )
    lost_reason = models.CharField(
        _("lost reason"), max_length=30, choices=LostReason.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    # The fields a partner sees only once its distributor has accepted the lead.
    CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")
    # Statuses in which the owning distributor has accepted the lead (and sees the contact).
    ACCEPTED_STATUSES = ("accepted", "dql", "opportunity", "won", "lost")
    # What the change history shows (lead_history); "distributor" is hidden from partners: a
    # lead may have been offered to others before.
    HISTORY_FIELDS = (
        "status",
        "distributor",
        "owner",
        "accept_deadline",
        "company",
        "contact_name",
        "contact_email",
        "contact_phone",
        "country",
        "region",
        "postcode",
        "product_line",
        "estimated_value",
        "currency",
        "opportunity_value",
        "expected_close",
        "won_value",
        "lost_reason",
    )

    objects = LeadQuerySet.as_manager(distributor_lookup="distributor")
    history = HistoricalRecords(
        excluded_fields=["updated_at", "created_at", "mql_score", "external_ref"]
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        indexes = [
            # The manager's list (newest first, keyset pages) and its common filters. Each ends
            # with the whole sort key: an import gives thousands of leads one created_at, and
            # without the id every page would sort them all.
            models.Index(fields=["-created_at", "-id"], name="lead_newest"),
            models.Index(fields=["status", "-created_at", "-id"], name="lead_status_newest"),
            models.Index(fields=["distributor", "-created_at", "-id"], name="lead_dist_newest"),
            models.Index(fields=["source", "-created_at", "-id"], name="lead_source_newest"),
            models.Index(fields=["country", "-created_at", "-id"], name="lead_country_newest"),
            # Source and country together: its count of up to COUNT_CAP rows reads the index
            # alone instead of AND-ing two bitmaps of hundreds of thousands of rows.
            models.Index(
                fields=["source", "country", "-created_at", "-id"], name="lead_source_country"
            ),
            # The partner inbox (selectors.lead_inbox) in its own order, and the open leads a
            # distributor holds (routing's capacity count): only leads a distributor owns.
            models.Index(
                F("distributor"),
                Case(
                    When(status="assigned", then=Value(0)),
                    default=Value(1),
                    output_field=models.IntegerField(),
                ),
                F("accept_deadline").asc(),  # nulls last: Postgres' default
                F("updated_at").desc(),
                F("id").desc(),
                condition=Q(status__in=["assigned", "accepted", "dql", "opportunity"]),
                name="lead_inbox",
            ),
            # The inbox's closed view: a distributor's won and lost leads, last closed first.
            models.Index(
                fields=["distributor", "-closed_at", "-id"],
                condition=Q(status__in=["won", "lost"]),
                name="lead_closed",
            ),
            # Leads past their accept deadline: the deadline job and the list's overdue filter.
            models.Index(
                fields=["accept_deadline", "id"],
                condition=Q(status="assigned"),
                name="lead_overdue",
            ),
        ]
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

    # The two states the lists, the deadline job, the dashboards and the to-dos name: each
    # rule is written here only, as a Q for querysets and a property for one row.

    @staticmethod
    def overdue_q(now=None):
        """Waiting for its distributor's answer past the accept deadline (the partial index
        `lead_overdue` serves it)."""
        return Q(status=Lead.Status.ASSIGNED, accept_deadline__lt=now or timezone.now())

    @staticmethod
    def escalated_q():
        """Back in the pool because nobody else could take it when its deadline passed: a
        manager must act."""
        return Q(status=Lead.Status.MQL, escalated_at__isnull=False)

    @property
    def is_overdue(self):
        return (
            self.status == self.Status.ASSIGNED
            and self.accept_deadline is not None
            and self.accept_deadline < timezone.now()
        )

    @property
    def is_escalated(self):
        return self.status == self.Status.MQL and self.escalated_at is not None

    @property
    def is_open(self):
        return self.status in self.OWNED

    def contact_visible_to(self, user):
        """The manufacturer always; a partner once its own distributor accepted the lead."""
        if is_manufacturer(user):
            return True
        membership = user_membership(user)
        return (
            membership is not None
            and self.distributor_id == membership.distributor_id
            and self.status in self.ACCEPTED_STATUSES
        )


class LeadEvent(models.Model):
    """One status change of a lead: who, when, from, to, for which distributor, and why."""

    class Cause(models.TextChoices):
        IMPORTED = "imported", _("Imported")
        REGISTERED = "registered", _("Deal registered by the partner")
        ROUTED = "routed", _("Routed by the rules")
        MANUAL = "manual", _("Assigned by a manager")
        REJECTED = "rejected", _("Rejected by the distributor")
        EXPIRED = "expired", _("Not accepted in time")
        WITHDRAWN = "withdrawn", _("Taken back by a manager")
        ESCALATED = "escalated", _("No other distributor: escalated")
        APPROVED = "approved", _("Deal registration approved")
        DECLINED = "declined", _("Deal registration declined")

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
    note = models.TextField(_("note"), max_length=PARAGRAPHS, blank=True)
    cause = models.CharField(max_length=20, choices=Cause.choices, blank=True)
    # A rejection's reason code, or a loss's (Lead.LostReason).
    reason = models.CharField(max_length=30, blank=True)
    # For an answer to a hand-over (accept, reject, expiry): hours since the hand-over, and
    # whether the deadline had passed.
    waited_hours = models.FloatField(null=True, blank=True)
    late = models.BooleanField(default=False)
    # A hand assignment against routing's warnings: the manager's reason (RoutingDecision has
    # the warnings). Shown to the manufacturer's staff only.
    # A default in the table too: imports and the bench write events in raw SQL.
    override_reason = models.TextField(
        _("reason to override"), max_length=PARAGRAPHS, blank=True, default="", db_default=""
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("lead event")
        verbose_name_plural = _("lead events")
        # A distributor's latest events (its record's timeline) without sorting all of them.
        indexes = [models.Index(fields=["distributor", "-at", "-id"], name="leadevent_dist_recent")]

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
    text = models.TextField(_("comment"), max_length=PARAGRAPHS, blank=True)
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


class LeadExclusion(models.Model):
    """A distributor that must never be offered this lead again: it rejected it or let it expire."""

    class Cause(models.TextChoices):
        REJECTED = "rejected", _("Rejected it")
        EXPIRED = "expired", _("Did not accept it in time")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="exclusions")
    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="+"
    )
    cause = models.CharField(max_length=20, choices=Cause.choices)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "distributor"], name="lead_excluded_once")
        ]

    def __str__(self):
        return f"{self.lead_id} excludes {self.distributor_id} ({self.cause})"


class RoutingDecision(models.Model):
    """Why a lead went where it went: the rules applied, the candidates left, the one chosen.

    `explanation` holds codes and numbers only; pages and the API word it in the reader's
    language (leads.routing.explain).
    """

    class Mode(models.TextChoices):
        AUTO = "auto", _("Routed by the rules")
        MANUAL = "manual", _("Assigned by hand")
        DEADLINE = "deadline", _("Re-routed after a missed deadline")
        IMPORT = "import", _("Routed on import")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="routings")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mode = models.CharField(max_length=20, choices=Mode.choices)
    distributor = models.ForeignKey(
        "distributors.Distributor",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    explanation = models.JSONField(default=dict)
    # Why a manager assigned by hand despite the warnings in `explanation["warnings"]`.
    # A default in the table too: imports and the bench write events in raw SQL.
    override_reason = models.TextField(
        _("reason to override"), max_length=PARAGRAPHS, blank=True, default="", db_default=""
    )

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.lead_id} → {self.distributor_id or '-'} ({self.mode})"


class OutcomePush(models.Model):
    """One item of a CRM's outcome push (leads.outcomes) for one of the distributor's leads: it
    moved the lead, found it already there, or was refused. Its `event_id`, unique per
    distributor, makes the same item sent again a no-op answered as the first time; the CRM's own
    record id and stage name are kept as they came, for the audit."""

    class Result(models.TextChoices):
        APPLIED = "applied", _("Applied")
        UNCHANGED = "unchanged", _("Already in that stage")
        REFUSED = "refused", _("Refused")

    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    event_id = models.CharField(_("event id"), max_length=100)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="outcome_pushes")
    stage = models.CharField(_("stage"), max_length=20, choices=Lead.Status.choices)
    result = models.CharField(_("result"), max_length=20, choices=Result.choices)
    crm_id = models.CharField(_("CRM record id"), max_length=100, blank=True)
    crm_stage = models.CharField(_("CRM stage"), max_length=100, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    # A refusal's code (invalid, forbidden), the item's field at fault and the message, as
    # answered the first time.
    code = models.CharField(max_length=20, blank=True)
    field = models.CharField(max_length=40, blank=True)
    message = models.TextField(max_length=PARAGRAPHS, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("received at"))

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("CRM outcome push")
        verbose_name_plural = _("CRM outcome pushes")
        constraints = [
            models.UniqueConstraint(fields=["distributor", "event_id"], name="outcome_event_once")
        ]

    def __str__(self):
        return f"{self.distributor_id}/{self.event_id}: {self.lead_id} → {self.stage}"


# --- the agreed definition of a distributor-qualified lead -------------------------------------


class CriteriaVersion(models.Model):
    """One version of the DQL checklist. A draft is edited; a published version is frozen."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    notes = models.TextField(_("what changed"), max_length=PARAGRAPHS, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("qualification criteria version")
        verbose_name_plural = _("qualification criteria versions")
        constraints = [
            # One draft at a time: every unpublished row has the same key.
            models.UniqueConstraint(
                models.ExpressionWrapper(
                    Q(published_at__isnull=True), output_field=models.BooleanField()
                ),
                condition=Q(published_at__isnull=True),
                name="criteria_one_draft",
            )
        ]

    def __str__(self):
        return f"v{self.number}"

    @property
    def is_published(self):
        return self.published_at is not None


class Criterion(models.Model):
    """One item of the checklist: "Budget confirmed", "Purchase within 6 months"…"""

    version = models.ForeignKey(CriteriaVersion, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label (English)"), max_length=200)
    label_fr = models.CharField(_("label (French)"), max_length=200, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="criterion_code_once")
        ]

    def __str__(self):
        return self.label

    @property
    def text(self):
        """The label in the active language (French when there is one and French is active)."""
        if self.label_fr and (get_language() or "").startswith("fr"):
            return self.label_fr
        return self.label


class CriteriaAcknowledgement(models.Model):
    """A partner admin agreed to a published version on its distributor's behalf."""

    version = models.ForeignKey(
        CriteriaVersion, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField()

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["version", "distributor"], name="criteria_acknowledged_once"
            )
        ]

    def __str__(self):
        return f"{self.distributor_id} acknowledged v{self.version_id}"


class LeadQualification(models.Model):
    """The distributor's answers to a criteria version for one lead, and whether it passed."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="qualifications")
    version = models.ForeignKey(CriteriaVersion, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict)
    passed = models.BooleanField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.lead_id} v{self.version_id}: {'passed' if self.passed else 'failed'}"


# --- deal registration ------------------------------------------------------------------------


class DealRegistration(models.Model):
    """A lead a partner found itself and registers; a manager approves or declines it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    lead = models.OneToOneField(Lead, on_delete=models.CASCADE, related_name="registration")
    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="deal_registrations"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note"), max_length=PARAGRAPHS, blank=True)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")

    class Meta:
        ordering = ["-registered_at"]
        indexes = [models.Index(fields=["status", "-registered_at"], name="dealreg_status")]

    def __str__(self):
        return f"{self.lead_id} by {self.distributor_id} ({self.status})"


# --- sales materials, products and promotions -------------------------------------------------


class Material(models.Model):
    """An item of the catalogue shown to partners on a lead at the stage it serves."""

    class Kind(models.TextChoices):
        MATERIAL = "material", _("Sales material")
        PRODUCT = "product", _("Product")
        PROMOTION = "promotion", _("Promotion")

    class Stage(models.TextChoices):
        ANY = "any", _("Any stage")
        ASSIGNED = "assigned", _("Deciding to accept")
        ACCEPTED = "accepted", _("Qualifying")
        DQL = "dql", _("Distributor-qualified")
        OPPORTUNITY = "opportunity", _("Opportunity")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=PARAGRAPHS, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    product_line = models.ForeignKey(
        "distributors.ProductLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product line"),
        help_text=_("Empty: every product line"),
    )
    stage = models.CharField(_("sales stage"), max_length=20, choices=Stage.choices)
    file = models.FileField(_("file"), upload_to="materials/%Y/%m/", blank=True)
    url = models.URLField(_("link"), blank=True)
    is_active = models.BooleanField(_("shown to partners"), default=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=[(code, name) for code, name in settings.LANGUAGES if "-" not in code],
        blank=True,
        help_text=_("The language it is written in; empty: any (a drawing, a price list)"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        constraints = [
            models.CheckConstraint(
                condition=~Q(file="") | ~Q(url=""), name="material_has_file_or_link"
            )
        ]

    def __str__(self):
        return self.title


class MaterialFeedback(models.Model):
    """A partner user's rating and comment on a catalogue item, at a sales stage."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="feedback")
    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stage = models.CharField(max_length=20, choices=Material.Stage.choices)
    rating = models.PositiveSmallIntegerField(
        _("rating (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), max_length=PARAGRAPHS, blank=True)
    at = models.DateTimeField()

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["material", "by", "stage"], name="material_feedback_once_per_stage"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=1) & Q(rating__lte=5), name="material_rating_1_5"
            ),
        ]

    def __str__(self):
        return f"{self.material_id} rated {self.rating} by {self.by_id}"


# --- analytics ---------------------------------------------------------------------------------


class Stage(models.TextChoices):
    """What a rollup row counts: leads that entered a stage (or an outcome) in its month."""

    MQL = "mql", _("Marketing-qualified")
    ASSIGNED = "assigned", _("Handed to a distributor")
    ACCEPTED = "accepted", _("Accepted")
    ACCEPT_TIME = "accept_time", _("Time to accept")
    LATE = "late", _("Past the deadline")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Taken back after the deadline")
    DQL = "dql", _("Distributor-qualified")
    OPPORTUNITY = "opportunity", _("Opportunity")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    ESCALATED = "escalated", _("Escalated")


class LeadRollup(models.Model):
    """Monthly counts that analytics read instead of the leads table.

    One row per grain × distributor × month × source × stage (× reason, × time-to-accept
    bucket). The lifecycle services add to it in the same transaction as the move they count
    (leads.rollups), so it is exact at every commit; `lead_rollups_rebuild` recounts it from
    the events. Grains: per distributor and source, per distributor (all sources), and per source
    for the whole channel; the last two keep the dashboards and peer comparisons small.
    """

    class Grain(models.IntegerChoices):
        DISTRIBUTOR_SOURCE = 0
        DISTRIBUTOR = 1
        CHANNEL_SOURCE = 2

    grain = models.PositiveSmallIntegerField(choices=Grain.choices)
    distributor = models.ForeignKey(
        "distributors.Distributor",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    month = models.DateField()
    source = models.ForeignKey(
        LeadSource,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    stage = models.CharField(max_length=20, choices=Stage.choices)
    # A rejection's or loss's reason code; "" for the other stages.
    reason = models.CharField(max_length=30, blank=True, default="")
    # Time-to-accept histogram (stage accept_time): the bucket's index in rollups.BUCKETS.
    bucket = models.PositiveSmallIntegerField(default=0)
    # The currency of `total` where it is money (stage won: the lead's currency), "" elsewhere.
    # Won values are summed per currency and priced in the reporting currency when read
    # (leads.pricing), so a rate that arrives later re-prices them and none is summed raw.
    currency = models.CharField(max_length=3, blank=True, default="")
    count = models.IntegerField(default=0)
    # Sum of the stage's amount: the won value (in `currency`), or the quality rating of
    # rejections (an average is total / count).
    total = models.DecimalField(max_digits=22, decimal_places=2, default=0)
    # Sum of hours from hand-over to acceptance (stage accepted).
    hours = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "grain",
                Coalesce("distributor", Value(0)),
                "month",
                Coalesce("source", Value(0)),
                "stage",
                "reason",
                "bucket",
                "currency",
                name="lead_rollup_key",
            )
        ]
        indexes = [
            models.Index(fields=["grain", "distributor", "month"], name="lead_rollup_dist"),
            # The stage too: the channel's ranking reads two stages of a month's thousands of
            # distributor rows.
            models.Index(fields=["grain", "month", "stage"], name="lead_rollup_month_stage"),
        ]

    def __str__(self):
        return f"{self.grain}/{self.distributor_id}/{self.month}/{self.source_id}/{self.stage}"
