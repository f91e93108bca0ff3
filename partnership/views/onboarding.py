"""The onboarding pages: the journeys (the manufacturer's), the onboardings under way with whose
move it is, one distributor's journey (its application and the decision, its steps to do), the
partner's own journey, and the public application form (no account needed)."""

import os

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.cache import cache
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from distributors.models import Distributor
from drm.acts import act, form_refusal
from drm.errors import DomainError
from drm.filters import page_form
from drm.names import name_in
from drm.proxies import client_address
from identity.access import (
    Role,
    is_manufacturer,
    manufacturer_required,
    partner_required,
    portal_user_required,
    user_membership,
    user_role,
)

from .. import selectors, services
from ..filters import OnboardingFilter
from ..forms import (
    ApplicationForm,
    DecisionForm,
    JourneyForm,
    StartForm,
    StepDoneForm,
    StepForm,
)
from ..journeys import CHECKS
from ..models import Journey, JourneyStep, Onboarding, StepProgress
from . import _filtered, _page

# The public form: a person takes at least this long to fill it in; a page older than this
# is sent again (its signed time has expired).
APPLY_MIN_SECONDS = 3
APPLY_MAX_SECONDS = 24 * 60 * 60
APPLY_SALT = "partnership.apply"


# --- journeys (the manufacturer's) --------------------------------------------------------------


@require_safe
@manufacturer_required
def journey_list(request):
    journeys = Journey.objects.prefetch_related("steps").order_by("name", "pk")
    return _page(request, "partnership/onboarding/journeys.html", {"journeys": journeys})


@require_http_methods(["GET", "POST"])
@manufacturer_required
def journey_create(request):
    form = JourneyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            journey = services.journey_save(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("The journey is saved: add its steps."))
            return redirect("partnership:journey", journey.pk)
    return _page(
        request,
        "partnership/onboarding/journey_form.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


def _step_form(request, journey, step=None):
    initial = None
    if step is not None:
        initial = {
            name: getattr(step, name)
            for name in (
                "title",
                "title_fr",
                "side",
                "due_days",
                "evidence",
                "portal_check",
                "opens_access",
                "position",
            )
        }
    form = StepForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.journey_step_save(
                by=request.user, journey=journey, step=step, **form.cleaned_data
            )
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            return form, True
    return form, False


@require_http_methods(["GET", "POST"])
@manufacturer_required
def journey_detail(request, pk):
    """A journey's steps, the form to rename it, and the form to add a step."""
    journey = get_object_or_404(Journey, pk=pk)
    journey_form = JourneyForm(
        request.POST if "save_journey" in request.POST else None,
        initial={
            "name": journey.name,
            "name_fr": journey.name_fr,
            "for_applications": journey.for_applications,
        },
    )
    step_form = StepForm(request.POST if "add_step" in request.POST else None)
    if request.method == "POST" and "save_journey" in request.POST and journey_form.is_valid():
        try:
            services.journey_save(by=request.user, journey=journey, **journey_form.cleaned_data)
        except DomainError as exc:
            form_refusal(journey_form, exc)
        else:
            messages.success(request, _("The journey is saved."))
            return redirect("partnership:journey", journey.pk)
    if request.method == "POST" and "add_step" in request.POST:
        step_form, done = _step_form(request, journey)
        if done:
            messages.success(request, _("The step is added."))
            return redirect("partnership:journey", journey.pk)
    steps = journey.steps.all()
    return _page(
        request,
        "partnership/onboarding/journey.html",
        {
            "journey": journey,
            "steps": steps,
            "journey_form": journey_form,
            "step_form": step_form,
            "checks": {key: check.label for key, check in CHECKS.items()},
            "in_use": journey.onboardings.count(),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@manufacturer_required
def step_edit(request, pk):
    step = get_object_or_404(JourneyStep.objects.select_related("journey"), pk=pk)
    form, done = _step_form(request, step.journey, step)
    if done:
        messages.success(request, _("The step is saved."))
        return redirect("partnership:journey", step.journey_id)
    return _page(
        request,
        "partnership/onboarding/step_form.html",
        {"form": form, "step": step, "journey": step.journey},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@manufacturer_required
def step_delete(request, pk):
    step = get_object_or_404(JourneyStep, pk=pk)
    return act(
        request,
        reverse("partnership:journey", args=[step.journey_id]),
        lambda: services.journey_step_delete(by=request.user, step=step),
        _("The step is removed."),
    )


# --- onboardings ---------------------------------------------------------------------------------


@require_safe
@manufacturer_required
def onboarding_list(request):
    today = timezone.localdate()
    rows = selectors.onboarding_list(visible_to=request.user, today=today).order_by(
        "next_due", "distributor__name", "pk"
    )
    filterset, page, query, valid = _filtered(request, OnboardingFilter, rows)
    for row in page.object_list:
        row.next_display = name_in(row.next_title or "", row.next_title_fr)
    waiting = Distributor.objects.filter(status=Distributor.Status.ONBOARDING, onboarding=None)
    return _page(
        request,
        "partnership/onboarding/list.html",
        {
            "form": page_form(filterset),
            "page": page,
            "query": query,
            "applications": selectors.applications_pending_count(),
            "without_journey": waiting.order_by("name")[:20],
            "journeys": Journey.objects.exists(),
        },
        status=200 if valid else 400,
    )


def _onboarding_page(request, distributor, *, decision_form=None, start_form=None, status=200):
    """One distributor's journey: its application (and the decision to take), its steps with
    what each waits for, and the forms to do the steps the viewer may do."""
    services.onboardings_refresh(distributor_ids=[distributor.pk])
    onboarding = Onboarding.objects.filter(distributor=distributor).select_related("journey")
    onboarding = onboarding.first()
    application = getattr(distributor, "application", None)
    manufacturer = is_manufacturer(request.user)
    progress = list(selectors.onboarding_progress(onboarding=onboarding)) if onboarding else []
    admin = user_role(request.user) == Role.PARTNER_ADMIN
    for row in progress:
        row.may_do = (
            onboarding.is_open
            and row.done_at is None
            and row.step.evidence != JourneyStep.Evidence.CHECK
            and (manufacturer or (admin and row.step.side == JourneyStep.Side.PARTNER))
        )
        # The figure checked, unless the step's title says it already.
        label = str(CHECKS[row.step.portal_check].label) if row.step.portal_check else ""
        row.check_label = "" if label == row.step.display_title else label
    context = {
        "distributor": distributor,
        "onboarding": onboarding,
        "application": application,
        "progress": progress,
        "done": sum(1 for row in progress if row.done_at),
        "gate": next((row for row in progress if row.step.opens_access), None),
        "done_form": StepDoneForm(),
    }
    if manufacturer:
        if application is not None and not application.decision:
            context["decision_form"] = decision_form or DecisionForm()
        if onboarding is None and distributor.status == Distributor.Status.ONBOARDING:
            context["start_form"] = start_form or StartForm()
    return _page(request, "partnership/onboarding/detail.html", context, status=status)


@require_safe
@manufacturer_required
def onboarding_detail(request, code):
    distributor = get_object_or_404(Distributor.objects.visible_to(request.user), code=code)
    return _onboarding_page(request, distributor)


@require_safe
@partner_required
def my_onboarding(request):
    return _onboarding_page(request, user_membership(request.user).distributor)


@require_POST
@manufacturer_required
def onboarding_start(request, code):
    distributor = get_object_or_404(Distributor.objects.visible_to(request.user), code=code)
    form = StartForm(request.POST)
    if not form.is_valid():
        return _onboarding_page(request, distributor, start_form=form, status=400)
    return act(
        request,
        reverse("partnership:onboarding", args=[code]),
        lambda: services.onboarding_start(
            by=request.user, distributor=distributor, journey=form.cleaned_data["journey"]
        ),
        _("The journey is started."),
    )


@require_POST
@manufacturer_required
def application_decide(request, code):
    distributor = get_object_or_404(Distributor.objects.visible_to(request.user), code=code)
    application = getattr(distributor, "application", None)
    if application is None:
        raise Http404
    form = DecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approved"
        try:
            services.application_decide(
                by=request.user,
                application=application,
                approve=approve,
                reason=form.cleaned_data["reason"],
                invite_contact=approve and form.cleaned_data["invite_contact"],
            )
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(
                request,
                _("The application is approved: the applicant is told by e-mail.")
                if approve
                else _("The application is declined: the applicant is told why by e-mail."),
            )
            return redirect("partnership:onboarding", code)
    return _onboarding_page(request, distributor, decision_form=form, status=400)


def _visible_progress(request, pk):
    rows = StepProgress.objects.visible_to(request.user).select_related(
        "step", "onboarding__distributor"
    )
    return get_object_or_404(rows, pk=pk)


def _back(request, progress):
    if is_manufacturer(request.user):
        return reverse("partnership:onboarding", args=[progress.onboarding.distributor.code])
    return reverse("partnership:my-onboarding")


@require_POST
@portal_user_required
def step_done(request, pk):
    progress = _visible_progress(request, pk)
    form = StepDoneForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(_back(request, progress))
    return act(
        request,
        _back(request, progress),
        lambda: services.step_complete(
            by=request.user,
            progress=progress,
            note=form.cleaned_data["note"],
            evidence_file=form.cleaned_data["evidence"],
        ),
        _("“%(step)s” is done.") % {"step": progress.step.display_title},
    )


@require_POST
@manufacturer_required
def step_reopen(request, pk):
    progress = _visible_progress(request, pk)
    return act(
        request,
        _back(request, progress),
        lambda: services.step_reopen(by=request.user, progress=progress),
        _("“%(step)s” is to do again.") % {"step": progress.step.display_title},
    )


@require_safe
@portal_user_required
def step_evidence(request, pk):
    """The file a step was done with, to the manufacturer and the distributor's own people."""
    progress = _visible_progress(request, pk)
    if not progress.evidence_file:
        raise Http404
    return FileResponse(
        progress.evidence_file.open("rb"),
        as_attachment=True,
        filename=progress.evidence_name or os.path.basename(progress.evidence_file.name),
    )


# --- the public application ------------------------------------------------------------------


def _spent(request):
    """Count one application against the client's address; True once the hour's allowance
    (APPLICATION_RATE) is used up."""
    key = f"apply:ip:{client_address(request)}"
    cache.add(key, 0, 60 * 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 60 * 60)
        count = 1
    return count > settings.APPLICATION_RATE


def _started_ok(value):
    try:
        started = signing.TimestampSigner(salt=APPLY_SALT).unsign(value, max_age=APPLY_MAX_SECONDS)
    except (signing.BadSignature, signing.SignatureExpired):
        return False
    try:
        return timezone.now().timestamp() - float(started) >= APPLY_MIN_SECONDS
    except ValueError:
        return False


def _started():
    return signing.TimestampSigner(salt=APPLY_SALT).sign(str(timezone.now().timestamp()))


@require_http_methods(["GET", "POST"])
def apply(request):
    """The public form: no account needed. A filled trap field or a form sent back too fast is
    answered as a success and records nothing (a bot learns nothing); too many applications
    from one address in an hour are refused with 429. The page never names a distributor."""
    if request.method == "POST":
        form = ApplicationForm(request.POST)
        if _spent(request):
            form.is_valid()
            form.add_error(None, _("Too many applications from your network: try again later."))
            return render(request, "partnership/onboarding/apply.html", {"form": form}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            if data["fax"] or not _started_ok(data["started"]):
                return redirect("partnership:apply-thanks")
            try:
                services.application_submit(
                    company=data["company"],
                    country=data["country"],
                    contact_name=data["contact_name"],
                    email=data["email"],
                    phone=data["phone"],
                    website=data["website"],
                    message=data["message"],
                    product_lines=list(data["product_lines"]),
                    language=(translation.get_language() or "en")[:2],
                )
            except DomainError as exc:
                form_refusal(form, exc)
            else:
                return redirect("partnership:apply-thanks")
        form.data = form.data.copy()
        form.data["started"] = form.data.get("started") or _started()
        return render(request, "partnership/onboarding/apply.html", {"form": form}, status=400)
    form = ApplicationForm(initial={"started": _started()})
    return render(request, "partnership/onboarding/apply.html", {"form": form})


@require_safe
def apply_thanks(request):
    return render(request, "partnership/onboarding/apply_thanks.html")
