"""Writes of the training catalogue: courses and certifications (the manufacturer's), the
completions of partner users (the manufacturer's, or a partner admin's for its own team, from a
page, an LMS export or the API), and the nightly notice of certificates about to expire."""

import datetime
import logging
import os

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from distributors.models import ProductLine
from drm.errors import NotAllowed, ValidationFailed
from funds.services import PROOF_EXTENSIONS, _content_is, _text
from identity.access import Role, is_manufacturer, require_manufacturer, user_membership, user_role
from identity.models import Membership

from .. import notices
from ..models import (
    EXPIRING_DAYS,
    MAX_DURATION_MINUTES,
    MAX_VALIDITY_MONTHS,
    AgreementAcceptance,
    AgreementVersion,
    Certification,
    Completion,
    Course,
)

log = logging.getLogger(__name__)


def _code(model, value, *, instance=None):
    code = (value or "").strip()
    if not code:
        raise ValidationFailed(_("Give it a code."), field="code")
    if len(code) > model._meta.get_field("code").max_length or not all(
        ch.isalnum() or ch in "-_" for ch in code
    ):
        raise ValidationFailed(
            _("A code is at most 30 letters, digits, hyphens or underscores."), field="code"
        )
    taken = model.objects.filter(code__caseless=code)
    if instance is not None:
        taken = taken.exclude(pk=instance.pk)
    if taken.exists():
        raise ValidationFailed(
            _("This code is taken (codes are the same in any case)."), field="code"
        )
    return code


def _whole(value, *, field, lowest, highest, required=True):
    if value in (None, ""):
        if required:
            raise ValidationFailed(_("This field is required."), field=field)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(_("Enter a whole number."), field=field)
    if not lowest <= value <= highest:
        raise ValidationFailed(
            _("Enter a whole number from %(lowest)s to %(highest)s.")
            % {"lowest": lowest, "highest": highest},
            field=field,
        )
    return value


def _product_lines(items):
    lines = list(items or ())
    if any(not isinstance(line, ProductLine) or line.pk is None for line in lines):
        raise ValidationFailed(_("Choose existing product lines."), field="product_lines")
    return lines


# What a course's material may be: a PDF, an image or a workbook, told by its content.
MATERIAL_KINDS = ("pdf", "jpeg", "png", "xlsx")


def material_check(upload):
    """A ValidationFailed naming `material` unless the upload is a PDF, JPEG, PNG or XLSX file
    by its content, not empty and at most FUNDS_PROOF_MAX_BYTES (the portal's one file limit)."""
    from django.conf import settings
    from django.template.defaultfilters import filesizeformat

    name = os.path.basename(getattr(upload, "name", "") or "") or _("a file without a name")
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    kind = PROOF_EXTENSIONS.get(extension)
    if kind not in MATERIAL_KINDS:
        raise ValidationFailed(
            _("“%(name)s” cannot be course material: upload a PDF, JPEG, PNG or XLSX file.")
            % {"name": name},
            field="material",
        )
    size = upload.size or 0
    if size == 0:
        raise ValidationFailed(_("“%(name)s” is empty.") % {"name": name}, field="material")
    if size > settings.FUNDS_PROOF_MAX_BYTES:
        raise ValidationFailed(
            _("“%(name)s” is %(size)s; a file is at most %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.FUNDS_PROOF_MAX_BYTES),
            },
            field="material",
        )
    if not _content_is(kind, upload):
        raise ValidationFailed(
            _("“%(name)s” is not a real .%(extension)s file; upload the file itself.")
            % {"name": name, "extension": extension},
            field="material",
        )


# --- certifications and courses ----------------------------------------------------------------


@transaction.atomic
def certification_save(
    *,
    by,
    code,
    name,
    name_fr="",
    passing="",
    passing_fr="",
    validity_months=None,
    product_lines=(),
    certification=None,
):
    """Create a certification, or change `certification`: a new validity applies to what is
    passed from then on; the certificates already earned keep their end."""
    require_manufacturer(by, _("Only the manufacturer defines certifications."))
    certification = certification or Certification()
    certification.code = _code(Certification, code, instance=certification)
    certification.name = _text(
        Certification, "name", name, required=True, message=_("Give it a name.")
    )
    certification.name_fr = _text(Certification, "name_fr", name_fr)
    certification.passing = _text(Certification, "passing", passing)
    certification.passing_fr = _text(Certification, "passing_fr", passing_fr)
    certification.validity_months = _whole(
        validity_months,
        field="validity_months",
        lowest=1,
        highest=MAX_VALIDITY_MONTHS,
        required=False,
    )
    lines = _product_lines(product_lines)
    certification.save()
    certification.product_lines.set(lines)
    return certification


@transaction.atomic
def course_save(
    *,
    by,
    code,
    title,
    language,
    duration_minutes,
    description="",
    product_lines=(),
    url="",
    material=None,
    certification=None,
    active=True,
    course=None,
):
    """Create a course, or change `course` (`material=None` keeps the file it has). A course
    needs a way to take it: a link or a material."""
    from django.conf import settings

    require_manufacturer(by, _("Only the manufacturer edits the training catalogue."))
    course = course or Course()
    course.code = _code(Course, code, instance=course)
    course.title = _text(Course, "title", title, required=True, message=_("Give it a title."))
    course.description = _text(Course, "description", description)
    if language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Choose a language of the portal."), field="language")
    course.language = language
    course.duration_minutes = _whole(
        duration_minutes, field="duration_minutes", lowest=1, highest=MAX_DURATION_MINUTES
    )
    course.url = (url or "").strip()
    if material:
        material_check(material)
        course.material = material
    if not course.url and not course.material:
        raise ValidationFailed(
            _(
                "Give a link to the course or upload its material: a partner needs a way to "
                "take it."
            ),
            field="url",
        )
    if certification is not None and (
        not isinstance(certification, Certification) or certification.pk is None
    ):
        raise ValidationFailed(_("Choose an existing certification."), field="certification")
    course.certification = certification
    course.active = bool(active)
    lines = _product_lines(product_lines)
    course.save()
    course.product_lines.set(lines)
    return course


# --- completions -------------------------------------------------------------------------------


def _learner(user, by):
    """The learner's membership, once `by` may record for it: the manufacturer for any partner
    user, a partner admin for the users of its own distributor."""
    membership = user_membership(user) if user is not None else None
    if membership is None:
        raise ValidationFailed(
            _("Choose a partner user: completions are recorded for partners' people."),
            field="user",
        )
    if is_manufacturer(by):
        return membership
    if user_role(by) == Role.PARTNER_ADMIN:
        own = user_membership(by)
        if own is not None and own.distributor_id == membership.distributor_id:
            return membership
        # The same answer as a user that does not exist: nothing told of another's people.
        raise ValidationFailed(
            _("Choose a user of your distributor."),
            field="user",
        )
    raise NotAllowed(_("Only the manufacturer and partner admins record completions."))


def completion_record(
    *,
    user,
    course,
    completed_on,
    by,
    score=None,
    source=Completion.Source.PORTAL,
    today=None,
):
    """Record that `user` passed `course` on `completed_on`. The certificate it gives (if the
    course certifies) runs for the certification's validity from that day; passing again
    renews it. The same course passed twice the same day is refused."""
    today = today or timezone.localdate()
    membership = _learner(user, by)
    if not isinstance(course, Course) or course.pk is None:
        raise ValidationFailed(_("Choose a course of the catalogue."), field="course")
    if not isinstance(completed_on, datetime.date) or isinstance(completed_on, datetime.datetime):
        raise ValidationFailed(_("Enter a date."), field="completed_on")
    if completed_on > today:
        raise ValidationFailed(
            _("A course is recorded once passed: the date is in the future."),
            field="completed_on",
        )
    score = _whole(score, field="score", lowest=0, highest=100, required=False)
    if source not in Completion.Source.values:
        raise ValidationFailed(_("Unknown source."), field="source")
    certification = course.certification
    completion = Completion(
        user=user,
        distributor_id=membership.distributor_id,
        course=course,
        completed_on=completed_on,
        expires_on=certification.expiry_after(completed_on) if certification else None,
        score=score,
        source=source,
        recorded_by=by if getattr(by, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            completion.save()
    except IntegrityError as exc:
        raise ValidationFailed(
            _("This user's completion of this course on this day is already recorded."),
            field="completed_on",
        ) from exc
    # A first training passed may be the step that opens the distributor's access.
    onboardings_refresh(distributor_ids=[membership.distributor_id])
    return completion


@transaction.atomic
def completion_delete(*, completion, by):
    """Take back a completion recorded by mistake (the manufacturer, or a partner admin for its
    own distributor's)."""
    if not is_manufacturer(by):
        own = user_membership(by) if user_role(by) == Role.PARTNER_ADMIN else None
        if own is None or own.distributor_id != completion.distributor_id:
            raise NotAllowed(_("Only the manufacturer and partner admins take back completions."))
    completion.delete()


def certificates_expiring_notify(*, today=None):
    """The daily notice: each certificate (a user's latest completion of a course that
    certifies) ending within EXPIRING_DAYS is told to its holder and its partner admins, once
    per end date. A renewed certificate (a later completion) is not told of. Returns how many
    were told."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=EXPIRING_DAYS)
    latest = Completion.objects.filter(
        user=OuterRef("user"),
        course__certification=OuterRef("course__certification"),
        expires_on__gt=OuterRef("expires_on"),
    )
    renewed_forever = Completion.objects.filter(
        user=OuterRef("user"),
        course__certification=OuterRef("course__certification"),
        expires_on__isnull=True,
    )
    due = (
        Completion.objects.filter(
            course__certification__isnull=False,
            expires_on__gte=today,
            expires_on__lte=horizon,
            user__is_active=True,
        )
        .filter(Q(expiry_notice_for__isnull=True) | ~Q(expiry_notice_for=F("expires_on")))
        .exclude(Exists(latest))
        .exclude(Exists(renewed_forever))
        .select_related("user", "course__certification", "distributor")
        .order_by("expires_on", "pk")
    )
    told = 0
    for completion in due:
        if not Membership.objects.filter(
            user_id=completion.user_id, distributor_id=completion.distributor_id
        ).exists():
            continue  # the holder has left that distributor: nobody there to renew it
        notices.certificate_expiring_notify(completion)
        Completion.objects.filter(pk=completion.pk).update(expiry_notice_for=completion.expires_on)
        told += 1
    return told


# --- the partner agreement ---------------------------------------------------------------------


def agreement_versions():
    """The published versions, the current one (the one partners are asked to accept) first."""
    return AgreementVersion.objects.order_by("-number")


def agreement_current():
    """The version partners are asked to accept: the latest published, or None."""
    return agreement_versions().first()


@transaction.atomic
def agreement_publish(*, by, title, body, title_fr="", body_fr="", summary="", summary_fr=""):
    """Publish a new version of the agreement: it becomes the current one, and every partner
    admin of a distributor not terminated is asked to accept it."""
    require_manufacturer(by, _("Only the manufacturer publishes the agreement."))
    title = _text(AgreementVersion, "title", title, required=True, message=_("Give it a title."))
    body = _text(
        AgreementVersion, "body", body, required=True, message=_("Write the agreement's terms.")
    )
    title_fr = _text(AgreementVersion, "title_fr", title_fr)
    body_fr = _text(AgreementVersion, "body_fr", body_fr)
    summary = _text(AgreementVersion, "summary", summary)
    summary_fr = _text(AgreementVersion, "summary_fr", summary_fr)
    # One publication at a time: the numbers follow each other without a gap or a repeat.
    last = AgreementVersion.objects.select_for_update().order_by("-number").first()
    version = AgreementVersion.objects.create(
        number=(last.number + 1) if last else 1,
        title=title,
        title_fr=title_fr,
        body=body,
        body_fr=body_fr,
        summary=summary,
        summary_fr=summary_fr,
        published_at=timezone.now(),
        published_by=by,
    )
    from ..tasks import agreement_published_notify

    transaction.on_commit(lambda: agreement_published_notify.delay(version.pk, by.pk))
    return version


@transaction.atomic
def agreement_accept(*, version, by):
    """`by`, a partner admin, accepts `version` (the current one) for its distributor: who and
    when are kept with the version."""
    if user_role(by) != Role.PARTNER_ADMIN:
        raise NotAllowed(_("Only a partner admin accepts the agreement for its distributor."))
    distributor_id = user_membership(by).distributor_id
    current = agreement_current()
    if current is None or version.pk != current.pk:
        raise ValidationFailed(
            _("This version is no longer the current one: read and accept the current one."),
            field="version",
        )
    acceptance, created = AgreementAcceptance.objects.get_or_create(
        version=version,
        distributor_id=distributor_id,
        defaults={
            "accepted_by": by,
            "accepted_by_name": by.get_full_name() or by.get_username(),
            "accepted_at": timezone.now(),
        },
    )
    if not created:
        raise ValidationFailed(
            _("Your distributor has accepted this version already."), field="version"
        )
    from notifications.services import act_key, resolve

    resolve(key=act_key("agreement", version.pk, "accept", distributor_id))
    onboardings_refresh(distributor_ids=[distributor_id])
    return acceptance


# The onboarding journeys and applications live in their own module; re-exported here so that
# callers name every write of the programme as `partnership.services.<name>`.
from .onboarding import (  # noqa: E402, F401
    application_decide,
    application_decision_send,
    application_submit,
    journey_save,
    journey_step_delete,
    journey_step_save,
    onboarding_start,
    onboarding_status_guard,
    onboardings_refresh,
    step_complete,
    step_reopen,
    steps_due_notify,
)
