"""API shapes of the training catalogue and of the partner agreement: they validate input and
render output; the rules are the services'. Ids stand for courses, certifications, completions and
acceptances in the URL, numbers for agreement versions; codes for courses, certifications, product
lines and distributors in bodies and rows; usernames for people."""

from django.contrib.auth import get_user_model
from django.core.exceptions import MultipleObjectsReturned
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from distributors.models import ProductLine
from distributors.serializers import CodeRelatedField
from drm.api import BlankRefused, NamedFields
from drm.limits import text_limit
from identity.access import is_manufacturer, user_membership

from .models import (
    MAX_DURATION_MINUTES,
    MAX_VALIDITY_MONTHS,
    STATUS_LABELS,
    AgreementAcceptance,
    AgreementVersion,
    Application,
    Certification,
    Completion,
    Course,
    Journey,
    JourneyStep,
    Onboarding,
    StepProgress,
)

STATUSES = list(STATUS_LABELS)


def _person(user):
    return user.get_full_name() or user.get_username()


# --- certifications ----------------------------------------------------------------------------


class CertificationSerializer(NamedFields, serializers.ModelSerializer):
    passing = serializers.CharField(
        source="display_passing",
        read_only=True,
        help_text="What passing means, in the request's language",
    )
    passing_en = serializers.CharField(source="passing", read_only=True, allow_blank=True)
    passing_fr = serializers.CharField(read_only=True, allow_blank=True)
    validity_months = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="How long a certificate runs; null: for ever"
    )
    product_lines = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text="Product line codes; empty: every product line",
    )

    class Meta:
        model = Certification
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "name_fr",
            "passing",
            "passing_en",
            "passing_fr",
            "validity_months",
            "product_lines",
            "created_at",
        ]
        read_only_fields = fields


class CertificationInputSerializer(serializers.Serializer):
    code = serializers.SlugField(
        max_length=text_limit(Certification, "code"),
        help_text="Letters, digits, hyphens or underscores; unique in any case",
    )
    name = serializers.CharField(max_length=text_limit(Certification, "name"))
    name_fr = serializers.CharField(
        max_length=text_limit(Certification, "name_fr"),
        required=False,
        allow_blank=True,
        default="",
        help_text="What French readers see; empty: the English name",
    )
    passing = serializers.CharField(
        max_length=text_limit(Certification, "passing"),
        required=False,
        allow_blank=True,
        default="",
        help_text="What a certified user can do, or what the test checks",
    )
    passing_fr = serializers.CharField(
        max_length=text_limit(Certification, "passing_fr"),
        required=False,
        allow_blank=True,
        default="",
    )
    validity_months = serializers.IntegerField(
        min_value=1,
        max_value=MAX_VALIDITY_MONTHS,
        required=False,
        allow_null=True,
        default=None,
        help_text="How long a certificate runs; null: it does not expire",
    )
    product_lines = CodeRelatedField(
        many=True,
        required=False,
        default=list,
        queryset=ProductLine.objects.all(),
        help_text="Product line codes; none: every product line",
    )


# --- courses -----------------------------------------------------------------------------------


class CourseSerializer(serializers.ModelSerializer):
    """A course of the catalogue, with how many of the people the caller may see passed it."""

    language = serializers.ChoiceField(
        choices=Course._meta.get_field("language").choices, read_only=True
    )
    product_lines = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        read_only=True,
        help_text="Product line codes; empty: every product line",
    )
    certification = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="Code of the certification passing it gives; null: none",
    )
    # Read-only model fields lose allow_blank in DRF: a course may have no link.
    url = serializers.CharField(read_only=True, allow_blank=True)
    description = serializers.CharField(read_only=True, allow_blank=True)
    material = serializers.SerializerMethodField(
        help_text="Path of the material's download (same authentication); null: no material"
    )
    passed_by = serializers.IntegerField(
        read_only=True, help_text="People who passed it, among those you may see"
    )

    class Meta:
        model = Course
        fields = [
            "id",
            "code",
            "title",
            "description",
            "language",
            "product_lines",
            "duration_minutes",
            "url",
            "material",
            "certification",
            "active",
            "passed_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_material(self, course) -> str | None:
        return reverse("api:course-material", args=[course.pk]) if course.material else None


class CourseInputSerializer(serializers.Serializer):
    code = serializers.SlugField(
        max_length=text_limit(Course, "code"),
        help_text="Letters, digits, hyphens or underscores; unique in any case",
    )
    title = serializers.CharField(max_length=text_limit(Course, "title"))
    description = serializers.CharField(
        max_length=text_limit(Course, "description"),
        required=False,
        allow_blank=True,
        default="",
    )
    language = serializers.ChoiceField(
        choices=Course._meta.get_field("language").choices, help_text="The course's language"
    )
    duration_minutes = serializers.IntegerField(min_value=1, max_value=MAX_DURATION_MINUTES)
    url = serializers.URLField(
        max_length=text_limit(Course, "url"),
        required=False,
        allow_blank=True,
        default="",
        help_text="Where the course is taken; required unless the course has a material "
        "(uploaded on its page)",
    )
    certification = CodeRelatedField(
        queryset=Certification.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Code of the certification passing it gives; null: none",
    )
    product_lines = CodeRelatedField(
        many=True,
        required=False,
        default=list,
        queryset=ProductLine.objects.all(),
        help_text="Product line codes; none: every product line",
    )
    active = serializers.BooleanField(
        default=True, help_text="In the catalogue (false: only the manufacturer sees it)"
    )


# --- completions -------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class PartnerUserField(BlankRefused, serializers.RelatedField):
    """A partner user named by username or e-mail, in any case. The queryset holds those the
    caller may name: anyone else (another distributor's) reads as unknown."""

    default_error_messages = {
        "does_not_exist": _("No partner user has this username or e-mail."),
        "several": _("Several partner users have this e-mail: give the username."),
        "invalid": _("Give a username or an e-mail."),
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data.strip():
            self.fail("invalid")
        value = data.strip()
        if "\x00" in value:  # no such name, and the database would refuse to compare it
            self.fail("does_not_exist")
        try:
            return self.get_queryset().get(Q(username__iexact=value) | Q(email__iexact=value))
        except MultipleObjectsReturned:
            self.fail("several")
        except (get_user_model().DoesNotExist, ValueError, TypeError):
            self.fail("does_not_exist")

    def to_representation(self, user):
        return user.get_username()


class CompletionSerializer(serializers.ModelSerializer):
    """A completion, with the status of the certificate it gives (context: `today`)."""

    username = serializers.CharField(source="user.username", read_only=True)
    person = serializers.SerializerMethodField(help_text="The user's full name, or username")
    distributor = serializers.CharField(
        source="distributor.code",
        read_only=True,
        help_text="Code of the distributor the user was at when it was recorded",
    )
    course = serializers.CharField(source="course.code", read_only=True, help_text="Course code")
    course_title = serializers.CharField(source="course.title", read_only=True)
    certification = serializers.SlugRelatedField(
        source="course.certification",
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="Code of the certification it gives; null: the course certifies nothing",
    )
    expires_on = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text="The certificate's last day; null: it does not expire (or certifies nothing)",
    )
    status = serializers.SerializerMethodField(
        help_text="valid, expiring (ends within 60 days), expired; empty: certifies nothing"
    )
    score = serializers.IntegerField(read_only=True, allow_null=True, help_text="%")
    recorded_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Completion
        fields = [
            "id",
            "username",
            "person",
            "distributor",
            "course",
            "course_title",
            "certification",
            "completed_on",
            "expires_on",
            "status",
            "score",
            "source",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_person(self, completion) -> str:
        return _person(completion.user)

    def get_status(self, completion) -> str:
        return completion.status(self.context["today"])


class CompletionInputSerializer(serializers.Serializer):
    username = PartnerUserField(
        queryset=get_user_model().objects.none(),
        help_text="Username or e-mail of a partner user: the manufacturer names anyone's, a "
        "partner admin one of its own distributor",
    )
    course = CodeRelatedField(queryset=Course.objects.none(), help_text="Course code")
    completed_on = serializers.DateField(help_text="The day it was passed: today or before")
    score = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True, default=None, help_text="%"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        people = get_user_model().objects.filter(is_active=True, membership__isnull=False)
        courses = Course.objects.all()
        if not is_manufacturer(user):
            own = user_membership(user)
            people = people.filter(membership__distributor_id=own.distributor_id if own else None)
            courses = courses.filter(active=True)
        self.fields["username"].queryset = people
        self.fields["course"].queryset = courses


# --- certificates ------------------------------------------------------------------------------


class CertificateSerializer(serializers.Serializer):
    """A person's standing in a certification, as `partnership.selectors.certificates_read`
    reads it (read only)."""

    username = serializers.CharField(source="user__username", read_only=True)
    person = serializers.CharField(read_only=True, help_text="Full name, or username")
    distributor = serializers.CharField(
        source="distributor__code", read_only=True, help_text="Distributor code"
    )
    certification = serializers.CharField(
        source="certification.code", read_only=True, help_text="Certification code"
    )
    certification_name = serializers.CharField(
        source="certification.display_name", read_only=True, help_text="In the request's language"
    )
    last_passed = serializers.DateField(
        read_only=True, help_text="The last day a course giving it was passed"
    )
    ends = serializers.DateField(
        read_only=True, allow_null=True, help_text="Its last valid day; null: it does not expire"
    )
    status = serializers.ChoiceField(
        choices=STATUSES,
        read_only=True,
        help_text="valid: ends after the next 60 days or never; expiring: within 60 days; "
        "expired: has ended",
    )


# --- the partner agreement ---------------------------------------------------------------------


class AgreementVersionSerializer(serializers.ModelSerializer):
    """A published version of the partner agreement (context: `current_number`)."""

    number = serializers.IntegerField(read_only=True, help_text="Version number: 1, 2, ...")
    # Read-only model fields lose allow_blank in DRF: a version may have neither.
    body_fr = serializers.CharField(
        read_only=True, allow_blank=True, help_text="The terms in French; empty: none"
    )
    title_fr = serializers.CharField(
        read_only=True, allow_blank=True, help_text="The title in French; empty: none"
    )
    summary = serializers.CharField(
        read_only=True, allow_blank=True, help_text="What changed against the version before"
    )
    summary_fr = serializers.CharField(
        read_only=True, allow_blank=True, help_text="What changed, in French; empty: none"
    )
    current = serializers.SerializerMethodField(
        help_text="The latest published version: the one partner admins are asked to accept"
    )

    class Meta:
        model = AgreementVersion
        fields = [
            "number",
            "title",
            "title_fr",
            "body",
            "body_fr",
            "summary",
            "summary_fr",
            "published_at",
            "current",
        ]
        read_only_fields = fields

    def get_current(self, version) -> bool:
        return version.number == self.context.get("current_number")


class AgreementVersionInputSerializer(serializers.Serializer):
    # Lengths count what is sent, as the schema says (the service trims what it keeps).
    title = serializers.CharField(
        trim_whitespace=False,
        max_length=text_limit(AgreementVersion, "title"),
    )
    title_fr = serializers.CharField(
        trim_whitespace=False,
        max_length=text_limit(AgreementVersion, "title_fr"),
        required=False,
        allow_blank=True,
        default="",
        help_text="What French readers see; empty: the English title",
    )
    body = serializers.CharField(
        trim_whitespace=False,
        max_length=text_limit(AgreementVersion, "body"),
        help_text="The terms, in English",
    )
    body_fr = serializers.CharField(
        trim_whitespace=False,
        max_length=text_limit(AgreementVersion, "body_fr"),
        required=False,
        allow_blank=True,
        default="",
        help_text="What French readers see; empty: the English terms",
    )
    summary = serializers.CharField(
        trim_whitespace=False,
        max_length=text_limit(AgreementVersion, "summary"),
        required=False,
        allow_blank=True,
        default="",
        help_text="What changed: shown to partners asked to accept it again",
    )
    summary_fr = serializers.CharField(
        trim_whitespace=False,
        max_length=text_limit(AgreementVersion, "summary_fr"),
        required=False,
        allow_blank=True,
        default="",
        help_text="What changed, in French",
    )


class AgreementAcceptanceSerializer(serializers.ModelSerializer):
    """A distributor's acceptance of a version: who, when (the name as it was then)."""

    version = serializers.IntegerField(
        source="version.number", read_only=True, help_text="Version number"
    )
    distributor = serializers.CharField(
        source="distributor.code", read_only=True, help_text="Distributor code"
    )
    accepted_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, help_text="Username of the partner admin"
    )
    accepted_by_name = serializers.CharField(
        read_only=True, help_text="Their full name (or username) when they accepted"
    )

    class Meta:
        model = AgreementAcceptance
        fields = ["id", "version", "distributor", "accepted_by", "accepted_by_name", "accepted_at"]
        read_only_fields = fields


class AgreementAcceptInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        help_text="Number of the version accepted: the current one",
    )

    def validate_version(self, number):
        version = AgreementVersion.objects.filter(number=number).first()
        if version is None:
            raise serializers.ValidationError(_("No version of the agreement has this number."))
        return version


class AgreementStandingSerializer(serializers.Serializer):
    """A distributor and its acceptance of the current version (read only)."""

    distributor = serializers.CharField(source="code", read_only=True, help_text="Code")
    name = serializers.CharField(read_only=True)
    accepted_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="null: not accepted yet"
    )
    accepted_by_name = serializers.CharField(
        read_only=True, allow_null=True, help_text="Who accepted it; null: not accepted yet"
    )


# --- onboarding journeys ---------------------------------------------------------------------


class JourneyStepSerializer(serializers.ModelSerializer):
    """A step of a journey: who does it, when it is due, what shows it done."""

    title_fr = serializers.CharField(
        read_only=True, allow_blank=True, help_text="The title in French; empty: none"
    )
    portal_check = serializers.CharField(
        read_only=True,
        allow_blank=True,
        help_text="For evidence `check`: the figure the portal checks (application_approved, "
        "agreement_accepted, portal_users_invited, first_training_passed, "
        "first_revenue_reported, first_lead_accepted); empty otherwise",
    )

    class Meta:
        model = JourneyStep
        fields = [
            "id",
            "position",
            "title",
            "title_fr",
            "side",
            "due_days",
            "evidence",
            "portal_check",
            "opens_access",
        ]
        read_only_fields = fields


class JourneySerializer(serializers.ModelSerializer):
    name_fr = serializers.CharField(
        read_only=True, allow_blank=True, help_text="The name in French; empty: none"
    )
    steps = JourneyStepSerializer(many=True, read_only=True)

    class Meta:
        model = Journey
        fields = ["id", "name", "name_fr", "for_applications", "steps"]
        read_only_fields = fields


class StepProgressSerializer(serializers.ModelSerializer):
    """Where the distributor stands on one step."""

    step = JourneyStepSerializer(read_only=True)
    done_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Who did it; null: not done, or checked by the portal",
    )
    evidence_name = serializers.CharField(
        read_only=True, allow_blank=True, help_text="The file it was done with; empty: none"
    )
    note = serializers.CharField(read_only=True, allow_blank=True)

    class Meta:
        model = StepProgress
        fields = ["id", "step", "due_on", "done_at", "done_by", "evidence_name", "note"]
        read_only_fields = fields


class OnboardingSerializer(serializers.ModelSerializer):
    """A distributor's onboarding journey and each step's progress."""

    distributor = serializers.CharField(
        source="distributor.code", read_only=True, help_text="Distributor code"
    )
    status = serializers.CharField(
        source="distributor.status",
        read_only=True,
        help_text="The distributor's status: applicant, onboarding, active…",
    )
    journey = serializers.CharField(source="journey.name", read_only=True)
    steps_done = serializers.IntegerField(source="done", read_only=True)
    steps = serializers.IntegerField(read_only=True, help_text="How many steps the journey has")
    overdue = serializers.IntegerField(read_only=True, help_text="Steps to do past their day")
    progress = StepProgressSerializer(many=True, read_only=True)

    class Meta:
        model = Onboarding
        fields = [
            "id",
            "distributor",
            "status",
            "journey",
            "started_on",
            "completed_at",
            "stopped_at",
            "steps_done",
            "steps",
            "overdue",
            "progress",
        ]
        read_only_fields = fields


class OnePart:
    """A field sent as one part of a multipart body: the same part repeated is refused, naming
    the field (DRF would keep the last one silently)."""

    def get_value(self, dictionary):
        if hasattr(dictionary, "getlist") and len(dictionary.getlist(self.field_name)) > 1:
            return dictionary.getlist(self.field_name)  # a list: not a string, not a file
        return super().get_value(dictionary)


class OnePartCharField(OnePart, serializers.CharField):
    pass


class OnePartFileField(OnePart, serializers.FileField):
    pass


class StepDoneInputSerializer(serializers.Serializer):
    note = OnePartCharField(
        required=False,
        allow_blank=True,
        max_length=200,
        trim_whitespace=False,
        help_text="A note kept with the step",
    )
    evidence = OnePartFileField(
        required=False,
        help_text="For a step shown done by a file (multipart): a PDF, JPEG, PNG, CSV or XLSX",
    )


class ApplicationSerializer(serializers.ModelSerializer):
    """An application from the public form, and the decision on it."""

    distributor = serializers.CharField(
        source="distributor.code", read_only=True, help_text="The applicant's distributor code"
    )
    company = serializers.CharField(source="distributor.name", read_only=True)
    country = serializers.CharField(source="distributor.country", read_only=True)
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    phone = serializers.CharField(read_only=True, allow_blank=True)
    website = serializers.CharField(read_only=True, allow_blank=True)
    message = serializers.CharField(read_only=True, allow_blank=True)
    decision = serializers.CharField(
        read_only=True, allow_blank=True, help_text="approved, declined; empty: to decide"
    )
    reason = serializers.CharField(read_only=True, allow_blank=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "distributor",
            "company",
            "country",
            "contact_name",
            "email",
            "phone",
            "website",
            "message",
            "language",
            "submitted_at",
            "decision",
            "reason",
            "decided_at",
            "decided_by",
        ]
        read_only_fields = fields


class DecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Application.Decision.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        trim_whitespace=False,
        help_text="Required to decline: the applicant reads it in the e-mail",
    )
    invite_contact = serializers.BooleanField(
        required=False,
        default=False,
        help_text="On approval: invite the contact as the distributor's partner admin",
    )
