"""Goal pages: the list and its export, one goal's page, the co-setting acts (propose,
accept, activate, close), the decisions on amendments and action steps. The forms that enter
terms are in `entry`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST, require_safe

from drm import panels
from drm.acts import act
from drm.errors import NotAllowed
from drm.exports import csv_response, xlsx_response
from drm.periods import add_months, month_start
from identity.access import Role, is_manufacturer, portal_user_required, user_membership, user_role

from .. import formats, selectors, services
from ..forms import (
    CloseForm,
    GoalFilterForm,
    StepForm,
    StepStatusForm,
)
from ..models import ActionStep, Amendment, Goal
from ..terms import basis_text, change_rows, terms_view

PAGE_SIZE = 25
EXPORT_CHUNK = 500
LETTERS = {
    "specific": gettext_noop("Specific"),
    "measurable": gettext_noop("Measurable"),
    "achievable": gettext_noop("Achievable"),
    "realistic": gettext_noop("Realistic"),
    "time_bound": gettext_noop("Time-bound"),
}
SEVERITIES = {
    "refusal": gettext_noop("refused"),
    "warning": gettext_noop("warning"),
    "note": gettext_noop("note"),
}


def findings_shown(findings):
    """SMART findings (dicts) with their letter and severity in words."""
    return [
        {
            **finding,
            "letter_label": _(LETTERS.get(finding["letter"], finding["letter"])),
            "severity_label": _(SEVERITIES.get(finding["severity"], finding["severity"])),
        }
        for finding in findings
    ]


def visible_goal(request, pk, *, lock_related=True):
    goals = Goal.objects.visible_to(request.user)
    if lock_related:
        goals = goals.select_related(
            *selectors.GOAL_RELATIONS, "manufacturer_accepted_by", "partner_accepted_by"
        )
    return get_object_or_404(goals, pk=pk)


def viewer_side(user, goal):
    """The side `user` may act for on `goal`, or None (a rep, say: it sees, it does not set)."""
    try:
        return services.goal_side(user, goal)
    except NotAllowed:
        return None


def may_author(user):
    return is_manufacturer(user) or user_role(user) == Role.PARTNER_ADMIN


def _partner_distributor(user):
    if is_manufacturer(user):
        return None
    membership = user_membership(user)
    return membership.distributor if membership else None


# --- the list and its export -------------------------------------------------------------------


def _filtered(request):
    form = GoalFilterForm(request.GET or None)
    if not form.is_bound:
        return form, selectors.goal_queryset(visible_to=request.user)
    if not form.is_valid():
        return form, Goal.objects.none()
    return form, selectors.goal_queryset(visible_to=request.user, filters=form.selector_filters())


@require_safe
@portal_user_required
def goal_list(request):
    form, goals = _filtered(request)
    page = Paginator(goals, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "goals/list.html",
        {
            "form": form,
            "page": page,
            "rows": selectors.goal_figures(page.object_list),
            "query": query.urlencode(),
            "manufacturer": is_manufacturer(request.user),
            "may_author": may_author(request.user),
        },
    )


def _number(value):
    return float(value) if value is not None else ""


EXPORT_COLUMNS = [
    (gettext_noop("id"), lambda f: f.goal.pk),
    (gettext_noop("level"), lambda f: f.goal.get_level_display()),
    (gettext_noop("distributor"), lambda f: f.goal.distributor.code if f.goal.distributor else ""),
    (gettext_noop("title"), lambda f: f.goal.title),
    (gettext_noop("subtitle"), lambda f: f.goal.subtitle),
    (gettext_noop("metric"), lambda f: f.goal.metric),
    (gettext_noop("status"), lambda f: f.goal.get_status_display()),
    (gettext_noop("target"), lambda f: _number(f.goal.target)),
    (gettext_noop("unit"), lambda f: f.goal.unit),
    (gettext_noop("start"), lambda f: f.goal.start),
    (gettext_noop("due"), lambda f: f.goal.due),
    # Measured figures at the target's precision, as the pages write them.
    (gettext_noop("actual"), lambda f: _number(formats.value_number(f.goal, f.value))),
    (
        gettext_noop("attainment_percent"),
        lambda f: _number(formats.quantized(f.attainment, 1)),
    ),
    (gettext_noop("expected_today"), lambda f: _number(formats.value_number(f.goal, f.expected))),
    (gettext_noop("gap"), lambda f: f.gap),
    (gettext_noop("at_risk"), lambda f: _("yes") if f.goal.at_risk else ""),
]


@require_safe
@portal_user_required
def goal_export(request):
    form, goals = _filtered(request)
    if form.errors:
        errors = "\n".join(f"{name}: {e}" for name, errs in form.errors.items() for e in errs)
        return HttpResponseBadRequest(
            _("Invalid filter, nothing exported:") + "\n" + errors,
            content_type="text/plain; charset=utf-8",
        )
    goals = list(goals)
    rows = []
    # Figures are computed a chunk at a time: a handful of queries per chunk, not per goal.
    for index in range(0, len(goals), EXPORT_CHUNK):
        for figures in selectors.goal_figures(goals[index : index + EXPORT_CHUNK]):
            rows.append([cell(figures) for _header, cell in EXPORT_COLUMNS])
    headers = [_(header) for header, _cell in EXPORT_COLUMNS]
    name = f"goals-{timezone.localdate().isoformat()}"
    if request.GET.get("format") == "xlsx":
        return xlsx_response(name, headers, rows, sheet=_("Goals"))
    return csv_response(name, headers, rows)


# --- one goal ----------------------------------------------------------------------------------


def _chart(goal, series, landmarks, projected):
    """Chart.js line data: actual to date, landmarks, the run-rate projection to the due date."""
    labels = []
    month, last = month_start(goal.start), month_start(goal.due)
    while month <= last:
        labels.append(f"{month:%Y-%m}")
        month = add_months(month, 1)
    index = {label: i for i, label in enumerate(labels)}
    actual = [None] * len(labels)
    for day, value in series:
        if f"{day:%Y-%m}" in index and value is not None:
            actual[index[f"{day:%Y-%m}"]] = float(value)
    marks = [None] * len(labels)
    for landmark in landmarks:
        key = f"{landmark.date:%Y-%m}"
        if key in index:
            marks[index[key]] = float(landmark.expected)
    projection = [None] * len(labels)
    known = [i for i, value in enumerate(actual) if value is not None]
    if projected is not None and known:
        projection[known[-1]] = actual[known[-1]]
        projection[-1] = float(projected)
    datasets = [
        {"label": _("Actual"), "data": actual, "spanGaps": True},
        {
            "label": _("Landmarks"),
            "data": marks,
            "spanGaps": True,
            "pointRadius": 5,
            "borderDash": [2, 4],
        },
    ]
    if projected is not None:
        datasets.append(
            {"label": _("Projection"), "data": projection, "spanGaps": True, "borderDash": [6, 4]}
        )
    kind = formats.unit_kind(goal)
    return {
        "labels": labels,
        "datasets": datasets,
        "currency": formats.currency_of(goal) if kind == "money" else "",
        "percent_values": kind == "percent",
        "decimals": formats.places(goal),
    }


def _detail_context(request, goal, **forms):
    user = request.user
    manufacturer = is_manufacturer(user)
    side = viewer_side(user, goal)
    figures, series, projected = selectors.goal_detail(goal)
    landmarks = list(goal.landmarks.all())
    bands = list(goal.bands.all())
    amendments = list(goal.amendments.select_related("proposed_by", "decided_by"))
    open_amendment = next((a for a in amendments if a.status == Amendment.Status.PROPOSED), None)
    negotiating = goal.status in (Goal.Status.PROPOSED, Goal.Status.COUNTER_PROPOSED)
    finished = goal.status in Goal.FINISHED
    may = {
        "propose": side is not None and goal.is_co_set and goal.status == Goal.Status.DRAFT,
        "answer": side is not None and negotiating and goal.awaiting_side == side,
        "revise": side is not None
        and goal.status in Goal.NEGOTIATING
        and (goal.status == Goal.Status.DRAFT or goal.proposed_by_side == side),
        "activate": manufacturer and not goal.is_co_set and goal.status == Goal.Status.DRAFT,
        "close": manufacturer and goal.can_move_to(Goal.Status.CLOSED),
        "amend": side is not None and goal.is_frozen and open_amendment is None,
        "decide_amendment": side is not None
        and open_amendment is not None
        and open_amendment.proposed_by_side != side,
        "withdraw_amendment": side is not None
        and open_amendment is not None
        and open_amendment.proposed_by_side == side,
        "steps": not finished,
    }
    payout = services.payout_for(goal, figures.value, bands)
    proposals = list(goal.proposals.select_related("by")[:1]) if negotiating else []
    counter = proposals[0] if proposals and proposals[0].kind == "counter" else None
    for amendment in amendments:
        amendment.rows = change_rows(goal, amendment.previous, amendment.changes)
    context = {
        "goal": goal,
        "figures": figures,
        "projected": projected,
        "projected_text": formats.value_text(goal, projected),
        "chart": _chart(goal, series, landmarks, projected),
        "terms": terms_view(goal, landmarks, bands),
        "landmarks": landmarks,
        "bands": bands,
        "counter": counter,
        "counter_rows": change_rows(goal, counter.previous, counter.changes) if counter else [],
        "payout": payout,
        "payout_index": next(
            (i for i, band in enumerate(bands) if payout.band is not None and band == payout.band),
            None,
        ),
        "basis_text": basis_text(goal),
        "terms_due": formats.day_text(goal.due),
        "settled_payout": formats.payout_text(goal.payout, goal.payout_currency)
        if goal.payout is not None
        else "",
        "history": services.goal_history(goal)[:100],
        "amendments": amendments,
        "open_amendment": open_amendment,
        "steps": selectors.steps_for(visible_to=user, goal=goal),
        "reviews": goal.reviews.select_related("landmark"),
        "manufacturer": manufacturer,
        "side": side,
        "may": may,
        "step_statuses": ActionStep.Status.choices,
        "rollup": selectors.team_rollup(goal) if goal.level == Goal.Level.TEAM else None,
        "close_form": forms.get("close_form") or CloseForm(),
        "step_form": forms.get("step_form") or StepForm(goal=goal, viewer=user),
        "annex_year": goal.due.year,
        "annex_available": goal.distributor_id is not None
        and goal.status
        in (Goal.Status.AGREED, Goal.Status.ACTIVE, Goal.Status.ACHIEVED, Goal.Status.MISSED),
        "panels": panels.build("goal", goal=goal, viewer=user),
    }
    return context


@require_safe
@portal_user_required
def goal_detail(request, pk):
    goal = visible_goal(request, pk)
    return render(request, "goals/detail.html", _detail_context(request, goal))


def _act(request, goal, do, done):
    return act(request, reverse("goals:detail", args=[goal.pk]), do, done)


@require_POST
@portal_user_required
def goal_propose(request, pk):
    goal = visible_goal(request, pk)
    return _act(
        request,
        goal,
        lambda: services.goal_propose(goal=goal, by=request.user),
        _("The goal is proposed to the other side."),
    )


@require_POST
@portal_user_required
def goal_accept(request, pk):
    goal = visible_goal(request, pk)
    return _act(
        request,
        goal,
        lambda: services.goal_accept(goal=goal, by=request.user),
        _("You accepted the goal: it is agreed by both sides."),
    )


@require_POST
@portal_user_required
def goal_activate(request, pk):
    goal = visible_goal(request, pk)
    return _act(
        request,
        goal,
        lambda: services.goal_activate(goal=goal, by=request.user),
        _("The goal is active."),
    )


@require_POST
@portal_user_required
def goal_close(request, pk):
    goal = visible_goal(request, pk)
    if not is_manufacturer(request.user):
        raise PermissionDenied
    form = CloseForm(request.POST)
    if not form.is_valid():
        context = _detail_context(request, goal, close_form=form)
        return render(request, "goals/detail.html", context, status=400)
    return _act(
        request,
        goal,
        lambda: services.goal_close(goal=goal, by=request.user, reason=form.cleaned_data["reason"]),
        _("The goal is closed."),
    )


# --- amendments --------------------------------------------------------------------------------


def _visible_amendment(request, pk):
    return get_object_or_404(
        Amendment.objects.visible_to(request.user).select_related("goal"), pk=pk
    )


@require_POST
@portal_user_required
def amendment_accept(request, pk):
    amendment = _visible_amendment(request, pk)
    return _act(
        request,
        amendment.goal,
        lambda: services.amendment_accept(amendment=amendment, by=request.user),
        _("The amendment is accepted and applied."),
    )


@require_POST
@portal_user_required
def amendment_reject(request, pk):
    amendment = _visible_amendment(request, pk)
    return _act(
        request,
        amendment.goal,
        lambda: services.amendment_reject(amendment=amendment, by=request.user),
        _("The amendment is off the table."),
    )


# --- action steps ------------------------------------------------------------------------------


@require_POST
@portal_user_required
def step_add(request, pk):
    goal = visible_goal(request, pk)
    form = StepForm(request.POST, goal=goal, viewer=request.user)
    if not form.is_valid():
        context = _detail_context(request, goal, step_form=form)
        return render(request, "goals/detail.html", context, status=400)
    data = form.cleaned_data
    return _act(
        request,
        goal,
        lambda: services.step_add(
            goal=goal, by=request.user, what=data["what"], owner=data["owner"], due=data["due"]
        ),
        _("Step added to the plan."),
    )


@require_POST
@portal_user_required
def step_status(request, pk):
    step = get_object_or_404(
        ActionStep.objects.visible_to(request.user).select_related("goal"), pk=pk
    )
    form = StepStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown status."))
        return redirect(step.goal)
    response = _act(
        request,
        step.goal,
        lambda: services.step_set_status(
            step=step, by=request.user, status=form.cleaned_data["status"]
        ),
        _("Step updated."),
    )
    back = request.POST.get("next", "")
    if back.startswith("/goals/") and "//" not in back:
        return redirect(back)
    return response
