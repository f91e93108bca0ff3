"""The goal form and the amendment form: entry, revision and counter-proposal of a goal's
terms, with the live SMART check and the landmarks a rule proposes, shown as the terms are
typed."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from drm.errors import DomainError, NotAllowed
from identity.access import portal_user_required

from .. import formats, services
from ..forms import AmendmentForm, GoalForm, LandmarkFormSet, landmark_initial
from ..models import Goal, LandmarkRule, Side
from .goals import _partner_distributor, findings_shown, may_author, viewer_side, visible_goal


def _units(draft):
    """What the form writes beside the numbers of `draft`'s terms."""
    return {
        "value_unit": formats.unit_symbol(draft),
        "payout_unit": formats.currency_symbol(draft.payout_currency_code),
    }


def _proposal(draft, rule):
    """The landmarks `rule` proposes for `draft`'s terms so far ([] until they allow it)."""
    if rule not in (LandmarkRule.LINEAR, LandmarkRule.PROFILE) or not draft.metric:
        return []
    try:
        return services.landmarks_propose(draft, method=rule)
    except (LookupError, DomainError, ArithmeticError, TypeError):
        return []


def _posted_rule(form):
    if form.is_bound:
        rule = form.data.get("landmark_rule")
        if rule in LandmarkRule.values:
            return rule
    return form.initial.get("landmark_rule") or LandmarkRule.LINEAR


def _landmarks_section(form, draft, *, goal=None, switched_from=None):
    """The landmark rows as the page shows them: proposed by the goal's rule (written out, not
    posted), or set by hand (rows to edit; when the hand takes over from a rule, its proposal
    is where the rows start)."""
    rule = _posted_rule(form)
    context = {"rule": rule, "form": form, "goal": goal, **_units(draft)}
    if rule != LandmarkRule.MANUAL:
        if form.is_bound or goal is None:
            rows = _proposal(draft, rule)
        else:
            rows = [(lm.date, lm.expected) for lm in goal.landmarks.all()]
        return context | {
            "shown": rule,
            "formset": LandmarkFormSet(prefix="landmarks"),
            "proposed": [
                (formats.day_text(day), formats.value_text(draft, value, exact=True))
                for day, value in rows
            ],
        }
    formset, started = form.landmark_formset, False
    if switched_from is not None:
        rows = _proposal(draft, switched_from)
        formset = LandmarkFormSet(prefix="landmarks", initial=landmark_initial(rows))
        started = bool(rows)
    return context | {"shown": LandmarkRule.MANUAL, "formset": formset, "started": started}


def _smart_context(by, terms, *, checked, row_errors=()):
    """The SMART check of the terms a form holds (what the live check shows): the findings,
    the error that kept it from running, the rows to fix first, and whether all five letters
    hold (not while a row is wrong: the check did not see it)."""
    findings, error = [], ""
    if checked:
        fields, rule, landmarks, bands = terms
        try:
            verdict = services.goal_smart_check(
                by=by, fields=fields, landmarks=landmarks, landmark_rule=rule, bands=bands
            )
        except DomainError as exc:
            error = exc.message
        else:
            findings = findings_shown([f.as_dict() for f in verdict.findings])
    return {
        "findings": findings,
        "error": error,
        "row_errors": list(row_errors),
        "checked": checked,
        "smart_holds": checked
        and not error
        and not row_errors
        and not any(f["severity"] in ("refusal", "warning") for f in findings),
    }


def _draft_fields(form, goal=None):
    """The terms the form holds so far (valid or not), for a draft goal and the live check."""
    data = getattr(form, "cleaned_data", {})
    names = (*GoalForm.TERM_FIELDS, "level", "distributor", "parent")
    fields = {name: data.get(name) for name in names if name in data}
    if goal is not None:
        fields |= {"level": goal.level, "distributor": goal.distributor}
        fields.setdefault("parent", goal.parent)
    elif "level" not in fields and getattr(form, "partner_distributor", None) is not None:
        fields["level"] = Goal.Level.DISTRIBUTOR
        fields["distributor"] = form.partner_distributor
    return {
        name: value
        for name, value in fields.items()
        if value is not None or name in ("baseline", "target", "start", "due")
    }


def _form_terms(form, goal=None):
    """(fields, landmark rule, landmarks set by hand or None, bands) of what the form holds so
    far; a form not yet posted holds the goal's terms (none for a new goal)."""
    if form.is_bound:
        form.is_valid()  # what holds of the post is at hand, errors or not
        rule = form.cleaned_data.get("landmark_rule") or _posted_rule(form)
        landmarks = form.landmark_rows if rule == LandmarkRule.MANUAL else None
        return _draft_fields(form, goal), rule, landmarks, form.band_rows
    if goal is None:
        return {}, LandmarkRule.LINEAR, None, None
    fields = {name: getattr(goal, name) for name in GoalForm.TERM_FIELDS}
    fields |= {"level": goal.level, "distributor": goal.distributor, "parent": goal.parent}
    rule = goal.landmark_rule
    landmarks = [(lm.date, lm.expected) for lm in goal.landmarks.all()]
    bands = [(b.threshold, b.kind, b.amount) for b in goal.bands.all()]
    return fields, rule, landmarks if rule == LandmarkRule.MANUAL else None, bands


def _form_page(request, form, *, goal=None, title, status=200, amending=False):
    terms = _form_terms(form, goal)
    draft = services.goal_draft(fields=terms[0], goal=goal)
    context = {
        "form": form,
        "goal": goal,
        "title": title,
        "amending": amending,
        "cancel_url": goal.get_absolute_url() if goal else reverse("goals:list"),
        "landmarks": _landmarks_section(form, draft, goal=goal),
        **_units(draft),
    }
    if not amending:
        checked = form.is_bound or goal is not None
        context |= _smart_context(
            request.user, terms, checked=checked, row_errors=getattr(form, "row_errors", [])
        )
    return render(request, "goals/form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@portal_user_required
def goal_create(request):
    if not may_author(request.user):
        raise PermissionDenied
    partner_distributor = _partner_distributor(request.user)
    initial = {"level": Goal.Level.DISTRIBUTOR}
    form = GoalForm(request.POST or None, initial=initial, partner_distributor=partner_distributor)
    title = _("New goal")
    if request.method == "POST" and form.is_valid():
        try:
            goal = services.goal_create(by=request.user, terms=form.terms())
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            form.add_domain_error(exc)
            return _form_page(request, form, title=title, status=400)
        messages.success(request, _("Goal saved as a draft."))
        return redirect(goal)
    return _form_page(request, form, title=title, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@portal_user_required
def goal_edit(request, pk):
    """Revise a draft or one's own proposal; on the other side's proposal, counter it."""
    goal = visible_goal(request, pk)
    side = viewer_side(request.user, goal)
    if side is None:
        raise PermissionDenied
    countering = goal.awaiting_side == side
    form = GoalForm(
        request.POST or None,
        initial=GoalForm.initial_for(goal),
        partner_distributor=goal.distributor if side == Side.PARTNER else None,
        editing=True,
        countering=countering,
        goal=goal,
    )
    title = _("Counter-propose: %(title)s") if countering else _("Edit: %(title)s")
    title = title % {"title": goal.title}
    if request.method == "POST" and form.is_valid():
        act = services.goal_counter if countering else services.goal_update
        try:
            act(goal=goal, by=request.user, terms=form.terms())
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            form.add_domain_error(exc)
            return _form_page(request, form, goal=goal, title=title, status=400)
        messages.success(
            request,
            _("Your counter-proposal is sent.") if countering else _("The goal is saved."),
        )
        return redirect(goal)
    return _form_page(request, form, goal=goal, title=title, status=400 if form.errors else 200)


def _posted_goal(request):
    """The goal a live part of the form works on (an edit, a counter-proposal, an amendment),
    if the form says one: one the user sees, else 404."""
    pk = request.POST.get("goal", "")
    if not pk:
        return None
    if not pk.isdigit():
        raise Http404
    return visible_goal(request, int(pk))


def _form_for_partial(request):
    """The form of the page bound to what was typed so far (valid or not), the goal it edits,
    and the terms it holds."""
    goal = _posted_goal(request)
    if goal is not None and request.POST.get("amending") == "1":
        form = AmendmentForm(request.POST, initial=AmendmentForm.initial_for(goal))
        form.is_valid()
        return form, goal, _draft_fields(form, goal)
    if goal is not None:
        form = GoalForm(
            request.POST,
            initial=GoalForm.initial_for(goal),
            partner_distributor=_partner_distributor(request.user),
            editing=True,
            goal=goal,
        )
    else:
        form = GoalForm(
            request.POST,
            partner_distributor=_partner_distributor(request.user),
            editing=request.POST.get("editing") == "1",
        )
    form.is_valid()
    return form, goal, _draft_fields(form, goal)


@require_POST
@portal_user_required
def goal_check(request):
    """The live SMART feedback: the form posts what is typed; a partial lists the findings."""
    if not may_author(request.user):
        raise PermissionDenied
    form, goal, _fields = _form_for_partial(request)
    terms = _form_terms(form, goal)
    draft = services.goal_draft(fields=terms[0], goal=goal)
    context = _smart_context(request.user, terms, checked=True, row_errors=form.row_errors)
    return render(request, "goals/_smart.html", context | _units(draft))


@require_POST
@portal_user_required
def landmarks_suggest(request):
    """The landmark rows for the form's current terms: those the rule proposes, or, when the
    hand takes over from a rule, rows to edit that start from its proposal. Rows already set
    by hand are the author's: nothing to send (204)."""
    if not may_author(request.user):
        raise PermissionDenied
    form, goal, fields = _form_for_partial(request)
    draft = services.goal_draft(fields=fields, goal=goal)
    shown = request.POST.get("landmarks_shown", "")
    switched_from = None
    if _posted_rule(form) == LandmarkRule.MANUAL:
        if shown == LandmarkRule.MANUAL:
            return HttpResponse(status=204)
        switched_from = shown if shown in LandmarkRule.values else LandmarkRule.LINEAR
    context = _landmarks_section(form, draft, goal=goal, switched_from=switched_from)
    return render(request, "goals/_landmarks.html", context)


# --- amendments ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@portal_user_required
def amendment_create(request, pk):
    goal = visible_goal(request, pk)
    if viewer_side(request.user, goal) is None:
        raise PermissionDenied
    form = AmendmentForm(request.POST or None, initial=AmendmentForm.initial_for(goal))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.amendment_propose(
                    goal=goal,
                    by=request.user,
                    fields=form.amendment_fields(),
                    landmarks=form.landmarks_entered(),
                    landmark_rule=form.cleaned_data["landmark_rule"],
                    bands=form.band_rows,
                    reason=form.cleaned_data["reason"],
                )
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from exc
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(
                    request,
                    _("The amendment is proposed; it applies once the other side accepts it.")
                    if goal.is_co_set
                    else _("The goal is amended."),
                )
                return redirect(goal)
        status = 400
    title = _("Amend: %(title)s") % {"title": goal.title}
    return _form_page(request, form, goal=goal, title=title, status=status, amending=True)
