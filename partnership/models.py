"""The partner programme's data: the training catalogue and what partner users have passed of
it, and the partner agreement's versions and their acceptances.

The training catalogue and what partner users have passed of it.

A course (a title in its language, the product lines it covers, how long it takes, a link or an
uploaded material) may give a certification: passing the course certifies its user for the
certification's validity period. A completion records that a partner user passed a course on a
date, from the portal, an LMS export or the API. A user holds a certification while one of its
completions of a course giving it has not expired (`Completion.expires_on`, from the
certification's validity when it was recorded); passing the course again renews it.
"""

import calendar
import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from drm.caseless import caseless_unique
from drm.limits import ONE_LINE, PARAGRAPHS
from drm.names import FrenchNamed, name_in
from identity.access import VisibleToQuerySet

# A certificate is "expiring" this many days before its end: its holder and the partner admins
# hear of it then, and the pages flag it.
EXPIRING_DAYS = 60
MAX_VALIDITY_MONTHS = 120
MAX_DURATION_MINUTES = 100_000
# The agreement's terms: a long contract fits.
AGREEMENT_LENGTH = 100_000


def language_choices():
    """The portal's languages named in the reader's language ("Anglais" to a French reader):
    a callable, so that a form or filter built once reads them at each request."""
    from django.utils.translation import get_language_info

    return [
        (code, get_language_info(code)["name_translated"]) for code, _name in settings.LANGUAGES
    ]


def add_months_to_day(day, months):
    """`day` plus `months`, on the same day of the month or the month's last (31 Jan + 1 month is
    28 or 29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Certification(FrenchNamed):
    """What passing a course makes a user: "Certified installer", valid for so many months."""

    code = models.SlugField(
        _("code"), max_length=30, help_text=_("The code an LMS export or the API names it by")
    )
    name = models.CharField(_("name"), max_length=120)
    passing = models.TextField(
        _("what passing means"),
        max_length=PARAGRAPHS,
        blank=True,
        help_text=_("What a certified user can do, or what the test checks"),
    )
    passing_fr = models.TextField(
        _("what passing means, in French"), max_length=PARAGRAPHS, blank=True
    )
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_VALIDITY_MONTHS)],
        help_text=_("Empty: it does not expire"),
    )
    product_lines = models.ManyToManyField(
        "distributors.ProductLine",
        blank=True,
        related_name="certifications",
        verbose_name=_("product lines"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [caseless_unique("certification")]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")

    @property
    def display_passing(self):
        return name_in(self.passing, self.passing_fr)

    def expiry_after(self, day):
        """The last day a certificate earned on `day` is valid, or None (it does not expire)."""
        if self.validity_months is None:
            return None
        return add_months_to_day(day, self.validity_months) - datetime.timedelta(days=1)


class Course(models.Model):
    """A course of the catalogue, in one language."""

    code = models.SlugField(
        _("code"), max_length=30, help_text=_("The code an LMS export or the API names it by")
    )
    title = models.CharField(_("title"), max_length=ONE_LINE)
    description = models.TextField(_("description"), max_length=PARAGRAPHS, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    product_lines = models.ManyToManyField(
        "distributors.ProductLine",
        blank=True,
        related_name="courses",
        verbose_name=_("product lines"),
    )
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DURATION_MINUTES)],
    )
    url = models.URLField(
        _("link"), blank=True, help_text=_("Where the course is taken (the LMS, a video)")
    )
    material = models.FileField(
        _("material"),
        upload_to="training/%Y/%m/",
        blank=True,
        help_text=_("A PDF, a slide deck or a document handed to the learners"),
    )
    certification = models.ForeignKey(
        Certification,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("certification"),
        help_text=_("What passing this course certifies, if anything"),
    )
    active = models.BooleanField(
        _("in the catalogue"),
        default=True,
        help_text=_("A course taken out of the catalogue keeps its completions"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]
        constraints = [caseless_unique("course")]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self):
        return self.title


class Completion(models.Model):
    """A partner user passed a course on a date. Its distributor is the user's when it was
    recorded: a rep who moves on leaves its history where it was earned."""

    class Source(models.TextChoices):
        PORTAL = "portal", _("Recorded in the portal")
        IMPORT = "import", _("Imported from an LMS export")
        API = "api", _("Pushed through the API")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="completions",
        verbose_name=_("user"),
    )
    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.CASCADE,
        related_name="completions",
        verbose_name=_("distributor"),
        db_index=False,  # the (distributor, completed_on) index serves it
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="completions", verbose_name=_("course")
    )
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("The last day the certification it gives is held; empty: it does not expire"),
    )
    score = models.PositiveSmallIntegerField(
        _("score (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PORTAL)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The expiry its holder and partner admins were last told of (a renewal is told again).
    expiry_notice_for = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = VisibleToQuerySet.as_manager()

    class Meta:
        ordering = ["-completed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "completed_on"],
                name="completion_once_a_day",
                violation_error_message=_(
                    "This user's completion of this course on this day is already recorded."
                ),
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("completed_on")),
                name="completion_expires_after_completed",
            ),
        ]
        indexes = [
            models.Index(fields=["distributor", "completed_on"], name="completion_distributor"),
            models.Index(fields=["expires_on"], name="completion_expiry"),
        ]
        verbose_name = _("completion")
        verbose_name_plural = _("completions")

    def __str__(self):
        return f"{self.user} · {self.course} · {self.completed_on.isoformat()}"

    def status(self, today):
        """ "valid", "expiring" (within EXPIRING_DAYS of its end), "expired", or "" (the course
        gives no certification)."""
        return certificate_status(
            self.expires_on, today, certifies=self.course.certification_id is not None
        )


def certificate_status(expires_on, today, *, certifies=True):
    """The one reading of a certificate's end: "valid", "expiring", "expired" ("" when nothing
    is certified)."""
    if not certifies:
        return ""
    if expires_on is None:
        return "valid"
    if expires_on < today:
        return "expired"
    if expires_on <= today + datetime.timedelta(days=EXPIRING_DAYS):
        return "expiring"
    return "valid"


STATUS_LABELS = {
    "valid": _("valid"),
    "expiring": _("expiring"),
    "expired": _("expired"),
}


class AgreementVersion(models.Model):
    """A version of the partner agreement's terms. The latest published is the current one: a
    partner admin accepts it for its distributor, and a new version asks every distributor
    again."""

    number = models.PositiveIntegerField(_("version"), unique=True, editable=False)
    title = models.CharField(_("title"), max_length=ONE_LINE)
    title_fr = models.CharField(
        _("title in French"),
        max_length=ONE_LINE,
        blank=True,
        help_text=_("What French readers see; empty: the English title"),
    )
    body = models.TextField(_("terms"), max_length=AGREEMENT_LENGTH)
    body_fr = models.TextField(
        _("terms in French"),
        max_length=AGREEMENT_LENGTH,
        blank=True,
        help_text=_("What French readers see; empty: the English terms"),
    )
    summary = models.TextField(
        _("what changed"),
        max_length=PARAGRAPHS,
        blank=True,
        help_text=_("Shown to partners asked to accept it again"),
    )
    summary_fr = models.TextField(_("what changed, in French"), max_length=PARAGRAPHS, blank=True)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")

    def __str__(self):
        return f"{self.display_title} (v{self.number})"

    @property
    def display_title(self):
        return name_in(self.title, self.title_fr)

    @property
    def display_body(self):
        return name_in(self.body, self.body_fr)

    @property
    def display_summary(self):
        return name_in(self.summary, self.summary_fr)


class AgreementAcceptance(models.Model):
    """A partner admin accepted a version of the agreement for its distributor: who, when, which
    version (kept as it was: versions are never edited)."""

    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.PROTECT,
        related_name="acceptances",
        verbose_name=_("version"),
    )
    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.CASCADE,
        related_name="agreement_acceptances",
        verbose_name=_("distributor"),
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    # The name as it was when accepted: a user renamed or gone still names who accepted.
    accepted_by_name = models.CharField(max_length=ONE_LINE)
    accepted_at = models.DateTimeField(_("accepted at"))

    objects = VisibleToQuerySet.as_manager()

    class Meta:
        ordering = ["-accepted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "distributor"], name="agreement_accepted_once"
            )
        ]
        verbose_name = _("agreement acceptance")
        verbose_name_plural = _("agreement acceptances")

    def __str__(self):
        return f"{self.distributor_id} · v{self.version_id} · {self.accepted_by_name}"


# --- onboarding journeys ------------------------------------------------------------------


class Journey(models.Model):
    """The steps a new distributor goes through, defined once by the manufacturer. The one
    marked `for_applications` is started by the public application form; the others are
    started by a manager for a distributor onboarding."""

    name = models.CharField(_("name"), max_length=120)
    name_fr = models.CharField(
        _("name in French"),
        max_length=120,
        blank=True,
        help_text=_("What French readers see; empty: the English name"),
    )
    for_applications = models.BooleanField(
        _("started by applications"),
        default=False,
        help_text=_("A distributor applying through the public form starts this journey"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("onboarding journey")
        verbose_name_plural = _("onboarding journeys")
        constraints = [
            models.UniqueConstraint(
                fields=["for_applications"],
                condition=Q(for_applications=True),
                name="journey_one_for_applications",
                violation_error_message=_("Another journey is already started by applications."),
            )
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        return name_in(self.name, self.name_fr)


class JourneyStep(models.Model):
    """One step of a journey: who does it (the manufacturer's staff or the partner), how many
    days after the start it is due, and what shows it done: a tick, a file, or a figure the
    portal already holds (`portal_check`, a key of `partnership.journeys.CHECKS`), which no one
    ticks."""

    class Side(models.TextChoices):
        MANUFACTURER = "manufacturer", _("Manufacturer")
        PARTNER = "partner", _("Partner")

    class Evidence(models.TextChoices):
        TICK = "tick", _("A tick")
        FILE = "file", _("A file")
        CHECK = "check", _("Checked by the portal")

    journey = models.ForeignKey(
        Journey, on_delete=models.CASCADE, related_name="steps", verbose_name=_("journey")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=ONE_LINE)
    title_fr = models.CharField(
        _("title in French"),
        max_length=ONE_LINE,
        blank=True,
        help_text=_("What French readers see; empty: the English title"),
    )
    side = models.CharField(_("done by"), max_length=20, choices=Side.choices)
    due_days = models.PositiveSmallIntegerField(
        _("due after (days)"),
        validators=[MaxValueValidator(3650)],
        help_text=_("Days after the journey starts"),
    )
    evidence = models.CharField(_("evidence"), max_length=10, choices=Evidence.choices)
    portal_check = models.CharField(_("portal check"), max_length=40, blank=True)
    opens_access = models.BooleanField(
        _("opens access"),
        default=False,
        help_text=_(
            "Until this step is done the distributor stays onboarding: no leads are routed to it"
        ),
    )

    class Meta:
        ordering = ["journey", "position", "pk"]
        verbose_name = _("journey step")
        verbose_name_plural = _("journey steps")
        constraints = [
            models.UniqueConstraint(
                fields=["journey"],
                condition=Q(opens_access=True),
                name="journey_step_one_opens_access",
                violation_error_message=_("Another step of this journey already opens access."),
            ),
            models.CheckConstraint(
                condition=Q(evidence="check", portal_check__gt="")
                | (~Q(evidence="check") & Q(portal_check="")),
                name="journey_step_check_when_checked",
            ),
        ]

    def __str__(self):
        return self.display_title

    @property
    def display_title(self):
        return name_in(self.title, self.title_fr)


class Onboarding(models.Model):
    """A distributor's way through a journey. Complete once every step is done; stopped when
    its application is declined."""

    distributor = models.OneToOneField(
        "distributors.Distributor",
        on_delete=models.CASCADE,
        related_name="onboarding",
        verbose_name=_("distributor"),
    )
    journey = models.ForeignKey(
        Journey, on_delete=models.PROTECT, related_name="onboardings", verbose_name=_("journey")
    )
    started_on = models.DateField(_("started on"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)

    objects = VisibleToQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-pk"]
        verbose_name = _("onboarding")
        verbose_name_plural = _("onboardings")

    def __str__(self):
        return f"{self.distributor_id} · {self.journey_id}"

    @property
    def is_open(self):
        return self.completed_at is None and self.stopped_at is None


class StepProgress(models.Model):
    """Where one distributor stands on one step: due on a day, done (when, by whom: no one for
    a portal check) with its evidence."""

    onboarding = models.ForeignKey(
        Onboarding, on_delete=models.CASCADE, related_name="progress", verbose_name=_("onboarding")
    )
    step = models.ForeignKey(
        JourneyStep, on_delete=models.CASCADE, related_name="progress", verbose_name=_("step")
    )
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("done by"),
    )
    evidence_file = models.FileField(upload_to="onboarding/%Y/%m/", blank=True)
    evidence_name = models.CharField(max_length=ONE_LINE, blank=True)
    note = models.CharField(_("note"), max_length=ONE_LINE, blank=True)
    # The due day its owners were last told about (once per due day).
    due_notice_for = models.DateField(null=True, blank=True, editable=False)

    objects = VisibleToQuerySet.as_manager(distributor_lookup="onboarding__distributor")

    class Meta:
        ordering = ["onboarding", "step__position", "step_id"]
        constraints = [
            models.UniqueConstraint(fields=["onboarding", "step"], name="step_progress_once")
        ]
        indexes = [models.Index(fields=["done_at", "due_on"])]
        verbose_name = _("step progress")
        verbose_name_plural = _("step progress")

    def __str__(self):
        return f"{self.onboarding_id} · {self.step_id}"


class Application(models.Model):
    """What a prospective distributor sent through the public form, and the manager's decision."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")

    distributor = models.OneToOneField(
        "distributors.Distributor",
        on_delete=models.CASCADE,
        related_name="application",
        verbose_name=_("distributor"),
    )
    contact_name = models.CharField(_("contact name"), max_length=ONE_LINE)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), max_length=ONE_LINE, blank=True)
    message = models.TextField(_("about the company"), max_length=PARAGRAPHS, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    submitted_at = models.DateTimeField(_("submitted at"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    reason = models.TextField(_("reason"), max_length=PARAGRAPHS, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self):
        return f"{self.distributor_id} · {self.contact_name}"
