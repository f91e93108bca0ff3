"""Distributors: profiles, territories, product lines, revenue and investments."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from drm.caseless import caseless_unique
from drm.countries import validate_country_code
from drm.names import FrenchNamed
from identity.access import VisibleToQuerySet

from .codes import validate_country, validate_currency

# Column sizes, shared with the import specs so that a checked value always fits its column.
MONEY_DIGITS = 16  # up to 99,999,999,999,999.99
REPORTING_DIGITS = 22
RATE_DIGITS, RATE_PLACES = 20, 10
MAX_RATE = Decimal("100000")
MAX_UNITS = 2_147_483_647


class Tier(FrenchNamed):
    """A commercial tier; `rank` orders them (1 is the top tier)."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    rank = models.PositiveSmallIntegerField(unique=True)
    accept_hours = models.PositiveSmallIntegerField(
        _("hours to accept a lead"),
        default=48,
        help_text=_("How long a distributor of this tier has to accept a lead handed to it"),
    )
    lead_weight = models.PositiveSmallIntegerField(
        _("lead weight"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "Routing shares leads in proportion to this weight: a weight of 2 receives twice "
            "the open leads of a weight of 1"
        ),
    )
    max_open_leads = models.PositiveIntegerField(
        _("open leads at most"),
        null=True,
        blank=True,
        help_text=_("Routing skips a distributor with this many open leads; empty: no cap"),
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["rank"]
        constraints = [caseless_unique("tier")]


class Territory(FrenchNamed):
    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=120)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code")
    region = models.CharField(max_length=60, blank=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributors")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = _("territories")
        constraints = [caseless_unique("territory")]

    def __str__(self):
        return f"{self.display_name} ({self.country})"

    def clean(self):
        try:
            validate_country_code(self.country)
        except ValidationError as exc:
            raise ValidationError({"country": exc.messages}) from exc


class ProductLine(FrenchNamed):
    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["code"]
        constraints = [caseless_unique("productline")]


class CustomerCategory(FrenchNamed):
    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=120)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = _("customer categories")
        constraints = [caseless_unique("customercategory")]


class Region(FrenchNamed):
    """The French name of a region. Distributors and territories write their region as text, in
    English (filters, rankings within a region and routing match that text, in any case); a row
    here gives the name French readers see. See `distributors.regions`."""

    name = models.CharField(_("name"), max_length=60)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="region_name_unique_caseless",
                violation_error_message=_("This region already has a row (in any case)."),
            )
        ]


# Kept by name: `Distributor.history` becomes the records' manager, and save_with_links() writes
# a record itself.
DISTRIBUTOR_HISTORY = HistoricalRecords(
    m2m_fields=["territories", "product_lines"],
    excluded_fields=["updated_at", "renewal_notice_for"],
)


class Distributor(models.Model):
    class Status(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        ONBOARDING = "onboarding", _("Onboarding")
        ACTIVE = "active", _("Active")
        PROBATION = "probation", _("Probation")
        TERMINATED = "terminated", _("Terminated")
        DECLINED = "declined", _("Declined")

    # Which status may follow which: terminated and declined are final. An applicant (from the
    # public application form) is approved into onboarding or declined, with a reason, on its
    # application's page (partnership), not by editing the profile.
    TRANSITIONS = {
        Status.APPLICANT: {Status.ONBOARDING, Status.DECLINED},
        Status.ONBOARDING: {Status.ACTIVE, Status.TERMINATED},
        Status.ACTIVE: {Status.PROBATION, Status.TERMINATED},
        Status.PROBATION: {Status.ACTIVE, Status.TERMINATED},
        Status.TERMINATED: set(),
        Status.DECLINED: set(),
    }
    # Not (or no longer) part of the channel: no funds, incentives, agreement or notices.
    OUTSIDE_CHANNEL = (Status.APPLICANT, Status.DECLINED, Status.TERMINATED)

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(
        _("country"),
        max_length=2,
        validators=[validate_country],
        help_text=_("ISO 3166-1 alpha-2 code"),
    )
    region = models.CharField(_("region"), max_length=60, blank=True)
    currency = models.CharField(
        _("currency"),
        max_length=3,
        validators=[validate_currency],
        help_text=_("ISO 4217 code in which it reports revenue (past figures keep their own)"),
    )
    tier = models.ForeignKey(
        Tier, on_delete=models.PROTECT, related_name="distributors", verbose_name=_("tier")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ONBOARDING
    )
    contract_start = models.DateField(_("contract start"), null=True, blank=True)
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_distributors",
    )
    market_potential = models.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        verbose_name=_("market potential"),
        help_text=_("Yearly market potential in the reporting currency"),
    )
    language = models.CharField(
        _("preferred language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("Language of the e-mails to its users and of the documents made for it"),
    )
    lead_capacity = models.PositiveIntegerField(
        _("open leads at most"),
        null=True,
        blank=True,
        help_text=_(
            "Overrides the tier's cap on open leads for this distributor; empty: the tier's"
        ),
    )
    territories = models.ManyToManyField(
        Territory, blank=True, related_name="distributors", verbose_name=_("territories")
    )
    product_lines = models.ManyToManyField(
        ProductLine, blank=True, related_name="distributors", verbose_name=_("product lines")
    )
    # The contract end its account manager was last told is coming up (a renewed contract, with
    # a new end, is told about again).
    renewal_notice_for = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The manufacturer's own assessment: never shown to partners (pages, API, exports, history).
    INTERNAL_FIELDS = ("market_potential",)
    # What the change history shows (see services.distributor_history).
    HISTORY_FIELDS = (
        "name",
        "country",
        "region",
        "currency",
        "tier",
        "status",
        "contract_start",
        "contract_end",
        "account_manager",
        "market_potential",
        "lead_capacity",
        "territories",
        "product_lines",
    )

    objects = VisibleToQuerySet.as_manager(distributor_lookup="pk")
    history = DISTRIBUTOR_HISTORY

    class Meta:
        ordering = ["name"]
        constraints = [
            caseless_unique("distributor"),
            models.CheckConstraint(
                condition=Q(contract_end__isnull=True)
                | Q(contract_start__isnull=True)
                | Q(contract_end__gte=models.F("contract_start")),
                name="distributor_contract_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$") & Q(country__regex=r"^[A-Z]{2}$"),
                name="distributor_codes_upper_case",
            ),
        ]
        indexes = [models.Index(fields=["status", "tier"]), models.Index(fields=["country"])]

    def __str__(self):
        return f"{self.code} · {self.name}"

    def get_absolute_url(self):
        return reverse("distributors:detail", args=[self.code])

    @property
    def account_manager_name(self):
        """The account manager as people know them: full name, else username; "" when none."""
        manager = self.account_manager
        if manager is None:
            return ""
        return manager.get_full_name() or manager.get_username()

    class Contract(models.TextChoices):
        """Where the contract stands on a day (`contract_state`)."""

        NONE = "none", _("No contract dates")
        NOT_STARTED = "not_started", _("Not started yet")
        RUNNING = "running", _("Running")
        RENEWAL_DUE = "renewal_due", _("Renewal due")
        ENDED = "ended", _("Ended")

    def contract_days_left(self, today=None):
        """Days from `today` to the contract's last day (0 on that day, negative once ended)."""
        if self.contract_end is None:
            return None
        return (self.contract_end - (today or timezone.localdate())).days

    def contract_state(self, today=None):
        """Ended after its last day; renewal due within settings.CONTRACT_RENEWAL_DAYS of it."""
        today = today or timezone.localdate()
        if self.contract_start is None and self.contract_end is None:
            return self.Contract.NONE
        if self.contract_start and today < self.contract_start:
            return self.Contract.NOT_STARTED
        days_left = self.contract_days_left(today)
        if days_left is None:
            return self.Contract.RUNNING
        if days_left < 0:
            return self.Contract.ENDED
        if days_left <= settings.CONTRACT_RENEWAL_DAYS:
            return self.Contract.RENEWAL_DUE
        return self.Contract.RUNNING

    @classmethod
    def contract_q(cls, state, today=None, renewal_from=None):
        """The rows whose `contract_state` is `state` on `today`, as a filter (one rule).
        `renewal_from`: renewal_from(today), given by a caller that compiles the filter once
        (drm.compiled takes each date as a value of its own)."""
        today = today or timezone.localdate()
        renewal_from = renewal_from or cls.renewal_from(today)
        started = Q(contract_start__isnull=True) | Q(contract_start__lte=today)
        return {
            cls.Contract.NONE: Q(contract_start__isnull=True, contract_end__isnull=True),
            cls.Contract.NOT_STARTED: Q(contract_start__gt=today),
            cls.Contract.RUNNING: started
            & ~Q(contract_start__isnull=True, contract_end__isnull=True)
            & (Q(contract_end__isnull=True) | Q(contract_end__gt=renewal_from)),
            cls.Contract.RENEWAL_DUE: started
            & Q(contract_end__gte=today, contract_end__lte=renewal_from),
            cls.Contract.ENDED: started & Q(contract_end__lt=today),
        }[cls.Contract(state)]

    @staticmethod
    def renewal_from(today):
        """The last contract end that is due for renewal on `today`."""
        return today + datetime.timedelta(days=settings.CONTRACT_RENEWAL_DAYS)

    def clean(self):
        if self.contract_start and self.contract_end and self.contract_end < self.contract_start:
            raise ValidationError({"contract_end": _("The contract cannot end before it starts.")})

    def can_move_to(self, status):
        return status in self.TRANSITIONS[self.Status(self.status)]

    def save_with_links(self, *, by, territories=None, product_lines=None):
        """Save the profile and (when given) its links as one history record by `by`.

        Left alone, each many-to-many change would add a record of its own, so one edit would
        read as several.
        """
        created = self.pk is None
        self._history_user = by
        self.skip_history_when_saving = True
        try:
            self.save()
            if territories is not None:
                self.territories.set(territories)
            if product_lines is not None:
                self.product_lines.set(product_lines)
        finally:
            del self.skip_history_when_saving
        DISTRIBUTOR_HISTORY.create_historical_record(self, "+" if created else "~")


class ExchangeRate(models.Model):
    """How many units of the reporting currency one unit of `currency` was worth in `month`.

    Write rates through `services.exchange_rate_set`: it also re-prices the revenue they affect.
    """

    currency = models.CharField(max_length=3, validators=[validate_currency])
    month = models.DateField(help_text="First day of the month")
    rate = models.DecimalField(
        max_digits=RATE_DIGITS,
        decimal_places=RATE_PLACES,
        validators=[MinValueValidator(Decimal("0.0000000001")), MaxValueValidator(MAX_RATE)],
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["currency", "month"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "month"], name="exchange_rate_unique"),
            models.CheckConstraint(
                condition=Q(rate__gt=0) & Q(rate__lte=MAX_RATE), name="exchange_rate_in_range"
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="exchange_rate_currency_iso"
            ),
        ]

    def __str__(self):
        return f"{self.currency} {self.month:%Y-%m} = {self.rate}"


class RevenueRecord(models.Model):
    """Revenue a distributor reports for one month, product line and (optionally) category.

    `amount` and `margin` stay in the currency they were reported in; `reporting_amount` is
    `amount` priced at `rate`, the latest rate for that currency at or before the month
    (`rate_month`). No known rate leaves `rate` and `reporting_amount` NULL: the selectors flag
    such figures as missing a rate instead of summing them as zero.

    The foreign keys carry no database constraint: the import engine checks and locks the
    referenced rows set-wise at publish time, which costs a fraction of per-row FK triggers
    (see docs/user-guide-managers.md, "Importing").
    """

    # No FK constraints and no per-column indexes: the natural key's index (distributor first)
    # serves lookups by distributor; product lines and categories are looked up rarely (their
    # deletion) and every extra index slows each import row (see docs/user-guide-managers.md,
    # "Importing").
    distributor = models.ForeignKey(
        Distributor,
        on_delete=models.CASCADE,
        related_name="revenue",
        db_constraint=False,
        db_index=False,
    )
    month = models.DateField(help_text="First day of the month")
    product_line = models.ForeignKey(
        ProductLine, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    customer_category = models.ForeignKey(
        CustomerCategory,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    currency = models.CharField(
        max_length=3,
        validators=[validate_currency],
        help_text="ISO 4217 code of amount and margin",
    )
    amount = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2)
    units = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(MAX_UNITS)])
    margin = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=2, default=0, help_text="Gross margin"
    )
    rate = models.DecimalField(
        max_digits=RATE_DIGITS, decimal_places=RATE_PLACES, null=True, blank=True
    )
    rate_month = models.DateField(null=True, blank=True, help_text="Month of the rate used")
    reporting_amount = models.DecimalField(
        max_digits=REPORTING_DIGITS, decimal_places=2, null=True, blank=True
    )
    # Indexed by migration 0006: BRIN on Postgres, not B-tree: rows arrive in time order, the
    # index stays tiny, costs an import almost nothing, and `updated_after` still skips the
    # old part of the table.
    updated_at = models.DateTimeField(default=timezone.now)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")

    class Meta:
        ordering = ["distributor", "month", "product_line"]
        constraints = [
            # One natural key; a row without category takes category 0 so NULLs cannot repeat.
            models.UniqueConstraint(
                "distributor",
                "month",
                "product_line",
                Coalesce("customer_category", Value(0)),
                name="revenue_natural_key",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(margin__gte=0),
                name="revenue_amounts_in_range",
            ),
            models.CheckConstraint(
                condition=Q(units__lte=MAX_UNITS), name="revenue_units_in_range"
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="revenue_currency_iso"
            ),
        ]

    def __str__(self):
        return f"{self.distributor_id} {self.month:%Y-%m} {self.product_line_id}: {self.amount}"


class RevenueDeletion(models.Model):
    """A revenue row a manager deleted: what it held, who deleted it and when."""

    distributor = models.ForeignKey(
        Distributor, on_delete=models.CASCADE, related_name="revenue_deletions"
    )
    month = models.DateField()
    product_line_code = models.CharField(max_length=30)
    customer_category_code = models.CharField(max_length=30, blank=True)
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2)
    units = models.PositiveIntegerField()
    margin = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=2)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")

    class Meta:
        ordering = ["-deleted_at"]

    def __str__(self):
        return f"{self.distributor_id} {self.month:%Y-%m} {self.product_line_code} (deleted)"


class Investment(models.Model):
    """A resource the manufacturer invested in a distributor, valued in the reporting currency."""

    class Kind(models.TextChoices):
        MARKET_FUNDS = "market_funds", _("Market development funds")
        TRAINING_DAYS = "training_days", _("Training days")
        DEMO_UNITS = "demo_units", _("Demo units")
        LEADS_SUPPLIED = "leads_supplied", _("Leads supplied")
        MANAGER_HOURS = "manager_hours", _("Channel manager hours")

    distributor = models.ForeignKey(
        Distributor, on_delete=models.CASCADE, related_name="investments"
    )
    date = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    amount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Quantity in the kind's unit (days, units, leads, hours, or money)",
    )
    value = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Value in the reporting currency",
    )
    note = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")

    class Meta:
        ordering = ["-date", "distributor"]
        constraints = [
            models.UniqueConstraint(
                fields=["distributor", "date", "kind"], name="investment_unique"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(value__gte=0), name="investment_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.distributor_id} {self.date} {self.kind}: {self.value}"


class ImportBatch(models.Model):
    """One uploaded file (revenue, investments, leads, training completions) on its way from
    preview to commit.

    The checked rows wait in a staging table (`ingest.staging`) between check and commit; the
    file itself is kept only until the batch is committed or expires.
    """

    class Kind(models.TextChoices):
        REVENUE = "revenue", _("Revenue")
        INVESTMENT = "investment", _("Investments")
        LEAD = "lead", _("Leads (MQL)")
        COMPLETION = "completion", _("Training completions")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be checked")
        VALIDATING = "validating", _("Checking rows")
        VALIDATED = "validated", _("Ready to commit")
        INVALID = "invalid", _("Has errors")
        COMMITTING = "committing", _("Committing")
        COMMITTED = "committed", _("Committed")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    class NumberFormat(models.TextChoices):
        AUTO = "auto", _("Detect from the file")
        POINT = "point", _("1,234.56 (point for decimals)")
        COMMA = "comma", _("1.234,56 (comma for decimals)")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    filename = models.CharField(max_length=255)
    content = models.BinaryField(null=True, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    number_format = models.CharField(
        max_length=10, choices=NumberFormat.choices, default=NumberFormat.AUTO
    )
    # The convention the check applied: the declared one, or the one detected in the file.
    number_format_used = models.CharField(max_length=10, choices=NumberFormat.choices, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_batches"
    )
    # Set when a partner uploads: every row must belong to this distributor.
    distributor = models.ForeignKey(
        Distributor, null=True, blank=True, on_delete=models.CASCADE, related_name="imports"
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_rows = models.PositiveIntegerField(default=0)
    updated_rows = models.PositiveIntegerField(default=0)
    # The first errors, for the page; every error is in `errors_csv` (gzip CSV) for download.
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    errors_csv = models.BinaryField(null=True, blank=True)
    preview = models.JSONField(default=list, blank=True)
    # What the kind of import needs besides the file (leads: whether to route them after).
    options = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="distributor")

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = _("import batches")

    def __str__(self):
        return f"{self.get_kind_display()} import #{self.pk} ({self.status})"

    @property
    def is_running(self):
        return self.status in (
            self.Status.PENDING,
            self.Status.VALIDATING,
            self.Status.COMMITTING,
        )

    @property
    def staging_name(self):
        return f"ingest_stage_batch_{self.pk}"


class DataChange(models.Model):
    """When a kind of data the scorecards are computed from last changed (revenue, investments):
    one row per source, written by `freshness.data_changed` in the transaction of the write (the
    revenue writes through `revenue_changed`, the investment import). Kept in the database: a
    cache flush must not make stale figures look fresh."""

    class Source(models.TextChoices):
        REVENUE = "revenue", _("Revenue")
        INVESTMENTS = "investments", _("Investments")

    source = models.CharField(max_length=20, choices=Source.choices, primary_key=True)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("data change")
        verbose_name_plural = _("data changes")

    def __str__(self):
        return f"{self.source} {self.changed_at:%Y-%m-%d %H:%M}"
