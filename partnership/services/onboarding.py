"""Writes of the onboarding journeys: the journeys and their steps (the manufacturer's), a
distributor's way through one (started by its application or by a manager), the steps done by
hand or checked by the portal, the access a journey opens, the public application and its
decision, and the daily notice of steps coming due.

Access: an onboarding distributor takes no leads (routing and assignment skip every distributor
not active or on probation). Its journey's step that "opens access" moves it to active once done
(the whole journey when no step is marked); until then the status guard refuses the move by hand.
"""

import datetime
import logging
import re

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from distributors.codes import validate_country, validate_currency
from distributors.models import Distributor, ProductLine, Tier
from drm.errors import NotAllowed, ValidationFailed
from funds.services import _text, proof_check
from identity.access import Role, is_manufacturer, require_manufacturer, user_membership, user_role
from identity.models import Membership

from .. import notices
from ..journeys import CHECKS, checks_done
from ..models import Application, Journey, JourneyStep, Onboarding, StepProgress

log = logging.getLogger(__name__)

# Steps are told to their owners this many days before they are due (and once overdue).
STEP_DUE_SOON_DAYS = 3
MAX_STEPS = 30


# --- journeys -------------------------------------------------------------------------------


@transaction.atomic
def journey_save(*, by, name, journey=None, name_fr="", for_applications=False):
    """Create or rename a journey; `for_applications` makes it the one the public form starts
    (the journey that was takes it no longer)."""
    require_manufacturer(by, _("Only the manufacturer defines onboarding journeys."))
    journey = journey or Journey()
    journey.name = _text(Journey, "name", name, required=True, message=_("Give it a name."))
    journey.name_fr = _text(Journey, "name_fr", name_fr)
    if for_applications:
        Journey.objects.filter(for_applications=True).exclude(pk=journey.pk).update(
            for_applications=False
        )
    journey.for_applications = bool(for_applications)
    journey.save()
    return journey


@transaction.atomic
def journey_step_save(
    *,
    by,
    journey,
    title,
    side,
    due_days,
    evidence,
    step=None,
    title_fr="",
    portal_check="",
    opens_access=False,
    position=None,
):
    """Add a step to a journey, or change one. A new step joins the open onboardings of the
    journey too, due that many days after each one's start."""
    require_manufacturer(by, _("Only the manufacturer defines onboarding journeys."))
    if step is not None and step.journey_id != journey.pk:
        raise ValidationFailed(_("This step is not of this journey."), field="step")
    step = step or JourneyStep(journey=journey)
    if step.pk is None and journey.steps.count() >= MAX_STEPS:
        raise ValidationFailed(
            _("A journey has at most %(count)s steps.") % {"count": MAX_STEPS}, field="title"
        )
    step.title = _text(JourneyStep, "title", title, required=True, message=_("Give it a title."))
    step.title_fr = _text(JourneyStep, "title_fr", title_fr)
    if side not in JourneyStep.Side.values:
        raise ValidationFailed(_("Choose who does it."), field="side")
    step.side = side
    if isinstance(due_days, bool) or not isinstance(due_days, int) or not 0 <= due_days <= 3650:
        raise ValidationFailed(_("Enter a whole number of days from 0 to 3650."), field="due_days")
    step.due_days = due_days
    if evidence not in JourneyStep.Evidence.values:
        raise ValidationFailed(_("Choose what shows it done."), field="evidence")
    step.evidence = evidence
    portal_check = (portal_check or "").strip()
    if evidence == JourneyStep.Evidence.CHECK:
        if portal_check not in CHECKS:
            raise ValidationFailed(_("Choose the figure the portal checks."), field="portal_check")
    elif portal_check:
        raise ValidationFailed(
            _("Only a step checked by the portal names a portal check."), field="portal_check"
        )
    step.portal_check = portal_check
    step.opens_access = bool(opens_access)
    if step.opens_access:
        JourneyStep.objects.filter(journey=journey, opens_access=True).exclude(pk=step.pk).update(
            opens_access=False
        )
    if position is None:
        if step.position is None:
            last = journey.steps.order_by("-position").values_list("position", flat=True).first()
            step.position = (last or 0) + 1
    else:
        if isinstance(position, bool) or not isinstance(position, int) or not 1 <= position <= 999:
            raise ValidationFailed(_("Enter a position from 1 to 999."), field="position")
        step.position = position
    created = step.pk is None
    step.save()
    if created:
        StepProgress.objects.bulk_create(
            [
                StepProgress(
                    onboarding=onboarding,
                    step=step,
                    due_on=onboarding.started_on + datetime.timedelta(days=step.due_days),
                )
                for onboarding in journey.onboardings.filter(
                    completed_at__isnull=True, stopped_at__isnull=True
                )
            ]
        )
    else:
        # A new due offset moves the steps still to do; the done ones keep their day.
        for progress in step.progress.filter(done_at__isnull=True).select_related("onboarding"):
            due = progress.onboarding.started_on + datetime.timedelta(days=step.due_days)
            if due != progress.due_on:
                progress.due_on = due
                progress.save(update_fields=["due_on"])
    return step


@transaction.atomic
def journey_step_delete(*, by, step):
    """Remove a step no distributor has done yet."""
    require_manufacturer(by, _("Only the manufacturer defines onboarding journeys."))
    if step.progress.filter(done_at__isnull=False).exists():
        raise ValidationFailed(
            _("Distributors have done this step; it stays in the journey."), field="step"
        )
    journey = step.journey
    step.delete()
    # An onboarding whose only step left undone was this one is now complete.
    _advance(list(journey.onboardings.filter(completed_at__isnull=True, stopped_at__isnull=True)))


# --- a distributor's onboarding -------------------------------------------------------------


@transaction.atomic
def onboarding_start(*, by, distributor, journey, today=None):
    """Start `journey` for `distributor` (an applicant, or a distributor onboarding): each step
    becomes due its offset after today. `by` None: the public application started it."""
    if by is not None:
        require_manufacturer(by, _("Only the manufacturer starts an onboarding journey."))
    if distributor.status not in (Distributor.Status.APPLICANT, Distributor.Status.ONBOARDING):
        raise ValidationFailed(
            _("Only an applicant or a distributor onboarding goes through a journey."),
            field="distributor",
        )
    if Onboarding.objects.filter(distributor=distributor).exists():
        raise ValidationFailed(
            _("This distributor already has an onboarding journey."), field="distributor"
        )
    steps = list(journey.steps.all())
    if not steps:
        raise ValidationFailed(_("This journey has no steps yet."), field="journey")
    today = today or timezone.localdate()
    onboarding = Onboarding.objects.create(
        distributor=distributor, journey=journey, started_on=today
    )
    StepProgress.objects.bulk_create(
        [
            StepProgress(
                onboarding=onboarding,
                step=step,
                due_on=today + datetime.timedelta(days=step.due_days),
            )
            for step in steps
        ]
    )
    return onboarding


def _may_do(by, progress):
    """The manufacturer does any step done by hand; a partner admin its own distributor's
    partner-side steps; nobody ticks a step the portal checks."""
    step = progress.step
    if step.evidence == JourneyStep.Evidence.CHECK:
        raise ValidationFailed(
            _("The portal checks this step itself: it is done once %(check)s.")
            % {"check": str(CHECKS[step.portal_check].label).lower()},
            field="step",
        )
    if is_manufacturer(by):
        return
    membership = user_membership(by)
    if membership is None or membership.distributor_id != progress.onboarding.distributor_id:
        raise NotAllowed(_("This is not your distributor's."))
    if user_role(by) != Role.PARTNER_ADMIN:
        raise NotAllowed(_("Only a partner admin does its distributor's onboarding steps."))
    if step.side != JourneyStep.Side.PARTNER:
        raise NotAllowed(_("The manufacturer does this step."))


@transaction.atomic
def step_complete(*, by, progress, note="", evidence_file=None, now=None):
    """Mark a step done by hand: a tick, or a file (a PDF, an image, a CSV or a workbook checked
    by its content). Done steps that open access activate the distributor."""
    progress = (
        StepProgress.objects.select_for_update()
        .select_related("step", "onboarding__distributor")
        .get(pk=progress.pk)
    )
    _may_do(by, progress)
    if not progress.onboarding.is_open:
        raise ValidationFailed(_("This onboarding is over."), field="step")
    if progress.done_at is not None:
        raise ValidationFailed(_("This step is done already."), field="step")
    note = _text(StepProgress, "note", note)
    if progress.step.evidence == JourneyStep.Evidence.FILE:
        if evidence_file is None:
            raise ValidationFailed(_("Upload the file that shows it done."), field="evidence")
        try:
            proof_check(evidence_file)
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, field="evidence") from exc
        progress.evidence_file = evidence_file
        progress.evidence_name = evidence_file.name[-200:]
    progress.done_at = now or timezone.now()
    progress.done_by = by
    progress.note = note
    progress.save()
    _advance([progress.onboarding], by=by)
    return progress


@transaction.atomic
def step_reopen(*, by, progress):
    """The manufacturer takes back a step done by mistake (its file goes with it). The access
    it opened stays: a distributor once active is not sent back by this."""
    require_manufacturer(by, _("Only the manufacturer reopens a step."))
    progress = StepProgress.objects.select_for_update().select_related("step").get(pk=progress.pk)
    if progress.step.evidence == JourneyStep.Evidence.CHECK:
        raise ValidationFailed(_("The portal checks this step itself."), field="step")
    if progress.done_at is None:
        raise ValidationFailed(_("This step is not done."), field="step")
    if progress.evidence_file:
        # Once the reopening is committed: rolled back, the step keeps its file.
        stored, name = progress.evidence_file.storage, progress.evidence_file.name
        transaction.on_commit(lambda: stored.delete(name))
    progress.evidence_file = ""
    progress.evidence_name = ""
    progress.done_at = None
    progress.done_by = None
    progress.note = ""
    progress.save()
    Onboarding.objects.filter(pk=progress.onboarding_id).update(completed_at=None)
    return progress


def onboardings_refresh(*, distributor_ids=None, now=None):
    """Mark done the steps the portal checks whose figure now holds, for every open onboarding
    (or those of `distributor_ids`): one query per check, then advance them. Idempotent: a run
    finds nothing new to mark the second time. Returns how many steps it marked."""
    now = now or timezone.now()
    pending = StepProgress.objects.filter(
        done_at__isnull=True,
        step__evidence=JourneyStep.Evidence.CHECK,
        onboarding__completed_at__isnull=True,
        onboarding__stopped_at__isnull=True,
    )
    if distributor_ids is not None:
        pending = pending.filter(onboarding__distributor_id__in=list(distributor_ids))
    rows = list(pending.values_list("pk", "onboarding__distributor_id", "step__portal_check"))
    if not rows:
        return 0
    held = checks_done((distributor_id, key) for _pk, distributor_id, key in rows)
    done = [pk for pk, distributor_id, key in rows if (distributor_id, key) in held]
    if not done:
        return 0
    with transaction.atomic():
        marked = StepProgress.objects.filter(pk__in=done, done_at__isnull=True).update(done_at=now)
        _advance(list(Onboarding.objects.filter(progress__pk__in=done).distinct()))
    return marked


def _advance(onboardings, *, by=None):
    """Open access (onboarding → active) where the step that opens it is done (or every step,
    when none does), and mark complete the onboardings with every step done."""
    if not onboardings:
        return
    ids = [o.pk for o in onboardings]
    counts = {
        row["onboarding_id"]: row
        for row in StepProgress.objects.filter(onboarding_id__in=ids)
        .values("onboarding_id")
        .annotate(
            steps=Count("pk"),
            left=Count("pk", filter=Q(done_at__isnull=True)),
            gate_done=Count("pk", filter=Q(step__opens_access=True, done_at__isnull=False)),
            gates=Count("pk", filter=Q(step__opens_access=True)),
        )
    }
    now = timezone.now()
    for onboarding in Onboarding.objects.filter(pk__in=ids).select_related("distributor"):
        row = counts.get(onboarding.pk)
        if row is None or onboarding.stopped_at is not None:
            continue
        opened = row["gate_done"] > 0 if row["gates"] else row["left"] == 0
        distributor = onboarding.distributor
        if opened and distributor.status == Distributor.Status.ONBOARDING:
            distributor.status = Distributor.Status.ACTIVE
            distributor.save_with_links(by=by)
            notices.access_opened_notify(distributor)
        if row["left"] == 0 and onboarding.completed_at is None:
            onboarding.completed_at = now
            onboarding.save(update_fields=["completed_at"])


def onboarding_status_guard(current, new_status):
    """Registered in distributors' STATUS_GUARDS: an applicant leaves that status only by the
    decision on its application; an onboarding distributor on a journey becomes active only once
    the journey opens access."""
    if current.status == Distributor.Status.APPLICANT:
        decided = Application.objects.filter(distributor_id=current.pk).exclude(decision="")
        if Application.objects.filter(distributor_id=current.pk).exists() and not decided.exists():
            raise ValidationFailed(
                _("Approve or decline the application on its page, with the reason."),
                field="status",
            )
    if current.status == Distributor.Status.ONBOARDING and new_status == Distributor.Status.ACTIVE:
        onboarding = Onboarding.objects.filter(
            distributor_id=current.pk, completed_at__isnull=True, stopped_at__isnull=True
        ).first()
        if onboarding is None:
            return
        gate = onboarding.progress.filter(step__opens_access=True).select_related("step").first()
        if gate is not None and gate.done_at is None:
            raise ValidationFailed(
                _("Its onboarding journey opens access at “%(step)s”, not done yet.")
                % {"step": gate.step.display_title},
                field="status",
            )
        if gate is None and onboarding.progress.filter(done_at__isnull=True).exists():
            raise ValidationFailed(
                _("Its onboarding journey opens access once every step is done."),
                field="status",
            )


def steps_due_notify(*, today=None):
    """Tell the owners of each step due within STEP_DUE_SOON_DAYS or overdue, once per due day:
    partner admins for a partner-side step, the account manager (else every channel manager)
    for the manufacturer's. Returns how many steps were told about."""
    today = today or timezone.localdate()
    due = (
        StepProgress.objects.filter(
            done_at__isnull=True,
            due_on__lte=today + datetime.timedelta(days=STEP_DUE_SOON_DAYS),
            onboarding__completed_at__isnull=True,
            onboarding__stopped_at__isnull=True,
        )
        .exclude(due_notice_for=F("due_on"))
        .select_related("step", "onboarding__distributor")
        .order_by("pk")
    )
    told = 0
    for progress in due.iterator(chunk_size=500):
        # The conditional update keeps two runs (or two workers) from telling twice.
        claimed = (
            StepProgress.objects.filter(pk=progress.pk)
            .exclude(due_notice_for=progress.due_on)
            .update(due_notice_for=progress.due_on)
        )
        if claimed:
            notices.step_due_notify(progress, today=today)
            told += 1
    return told


# --- the public application -----------------------------------------------------------------


def _code_for(company):
    """A free distributor code made from the company's name (never telling which are taken)."""
    base = slugify(company)[:24].strip("-") or "applicant"
    code, n = base, 1
    while Distributor.objects.filter(code__caseless=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


def _currency_of(country, day):
    """The currency a country pays in (its first legal tender that day), "" when none."""
    from babel.numbers import get_territory_currencies

    found = get_territory_currencies(country, day)
    return found[0] if found else ""


PHONE = re.compile(r"^[0-9+()./\- ]{4,40}$")


@transaction.atomic
def application_submit(
    *,
    company,
    country,
    contact_name,
    email,
    currency="",
    phone="",
    website="",
    message="",
    product_lines=(),
    language="en",
    now=None,
):
    """A prospective distributor applies: a distributor in "applicant" status, its application,
    and the journey applications start. The manufacturer's channel managers are told."""
    now = now or timezone.now()
    company = _text(
        Distributor, "name", company, field="company", required=True, message=_("Name the company.")
    )
    country = (country or "").strip().upper()
    try:
        validate_country(country)
    except DjangoValidationError as exc:
        raise ValidationFailed(_("Choose the country."), field="country") from exc
    currency = (currency or "").strip().upper() or _currency_of(country, now.date())
    if not currency:
        raise ValidationFailed(_("Choose a country that has a currency."), field="country")
    try:
        validate_currency(currency)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            _("Enter the currency you report in (an ISO code such as EUR)."), field="currency"
        ) from exc
    contact_name = _text(
        Application, "contact_name", contact_name, required=True, message=_("Give your name.")
    )
    email = (email or "").strip()
    try:
        validate_email(email)
    except DjangoValidationError as exc:
        raise ValidationFailed(_("Enter a valid e-mail address."), field="email") from exc
    phone = (phone or "").strip()
    if phone and not PHONE.match(phone):
        raise ValidationFailed(_("Enter a phone number of digits and + ( ) - . /"), field="phone")
    website = (website or "").strip()
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except DjangoValidationError as exc:
            raise ValidationFailed(
                _("Enter the address of the website (https://…)."), field="website"
            ) from exc
    message = _text(Application, "message", message)
    lines = list(product_lines or ())
    if any(not isinstance(line, ProductLine) or not line.is_active for line in lines):
        raise ValidationFailed(_("Choose among the product lines offered."), field="product_lines")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE[:2]
    tier = Tier.objects.order_by("-rank").first()
    if tier is None:
        raise ValidationFailed(_("Applications are not open yet."), field="company")
    distributor = Distributor(
        code=_code_for(company),
        name=company,
        country=country,
        currency=currency,
        tier=tier,
        status=Distributor.Status.APPLICANT,
        language=language,
    )
    distributor.full_clean(exclude=["territories", "product_lines"])
    for attempt in range(3):
        try:
            with transaction.atomic():
                distributor.save_with_links(by=None, product_lines=lines)
            break
        except IntegrityError:  # the same name, applied at the same moment
            if attempt == 2:
                raise
            distributor.pk = None
            distributor.code = f"{_code_for(company)}-{attempt + 2}"
    application = Application.objects.create(
        distributor=distributor,
        contact_name=contact_name,
        email=email,
        phone=phone,
        website=website,
        message=message,
        language=language,
        submitted_at=now,
    )
    journey = Journey.objects.filter(for_applications=True).first()
    if journey is not None and journey.steps.exists():
        onboarding_start(by=None, distributor=distributor, journey=journey, today=now.date())
    transaction.on_commit(lambda: notices.application_received_notify(application.pk))
    return application


@transaction.atomic
def application_decide(*, by, application, approve, reason="", invite_contact=False):
    """Approve (the distributor goes onboarding; its contact may be invited as its partner
    admin) or decline (the distributor is declined, its journey stopped; a reason is required)
    an application. The applicant is told by e-mail, in its language, with the reason."""
    from distributors.services import distributor_save, partner_user_invite

    require_manufacturer(by, _("Only the manufacturer decides on applications."))
    application = (
        Application.objects.select_for_update().select_related("distributor").get(pk=application.pk)
    )
    if application.decision:
        raise ValidationFailed(_("This application is decided already."), field="decision")
    reason = _text(Application, "reason", reason)
    if not approve and not reason:
        raise ValidationFailed(_("Say why it is declined: the applicant reads it."), field="reason")
    application.decision = (
        Application.Decision.APPROVED if approve else Application.Decision.DECLINED
    )
    application.reason = reason
    application.decided_at = timezone.now()
    application.decided_by = by
    application.save()
    distributor = application.distributor
    distributor_save(
        distributor=distributor,
        by=by,
        changed_status=Distributor.Status.ONBOARDING if approve else Distributor.Status.DECLINED,
    )
    if approve:
        if invite_contact:
            first, _space, last = application.contact_name.partition(" ")
            partner_user_invite(
                by=by,
                email=application.email,
                first_name=first[:150],
                last_name=last[:150],
                site_url=settings.SITE_URL,
                distributor=distributor,
                role=Membership.Role.ADMIN,
            )
        transaction.on_commit(lambda: onboardings_refresh(distributor_ids=[distributor.pk]))
    else:
        Onboarding.objects.filter(distributor=distributor, stopped_at__isnull=True).update(
            stopped_at=timezone.now()
        )
    transaction.on_commit(lambda: application_decision_send(application_id=application.pk))
    return application


def application_decision_send(*, application_id):
    """E-mail the applicant the decision on its application, in the language it applied in."""
    application = Application.objects.select_related("distributor").get(pk=application_id)
    context = {"application": application, "site_url": settings.SITE_URL.rstrip("/")}
    with translation.override(application.language):
        subject = render_to_string("partnership/onboarding/decision_subject.txt", context)
        body = render_to_string("partnership/onboarding/decision_email.txt", context)
    send_mail(
        subject=" ".join(subject.split()),
        message=body,
        from_email=None,
        recipient_list=[application.email],
    )
