"""The plan allocation page of a team goal (managers only): each distributor's share from its
potential against its own proposal, the totals by region, the CSV and XLSX exports, and the
button that puts the shares to the distributors through the goal services."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST, require_safe

from drm.errors import DomainError
from drm.exports import csv_response, xlsx_response
from identity.access import manufacturer_required

from .. import allocation
from ..models import Goal


def _team_goal(pk):
    return get_object_or_404(Goal, pk=pk, level=Goal.Level.TEAM)


def _plan_or_message(request, goal):
    try:
        return allocation.plan_for(goal)
    except DomainError as exc:
        messages.error(request, exc.message)
        return None


@require_safe
@manufacturer_required
def plan_page(request, pk):
    goal = _team_goal(pk)
    plan = _plan_or_message(request, goal)
    return render(
        request,
        "goals/plan.html",
        {"goal": goal, "plan": plan, "currency": settings.REPORTING_CURRENCY},
        status=200 if plan is not None else 400,
    )


OUTCOMES = {
    "created": gettext_noop("Proposed to %(count)s distributor(s) as new goals."),
    "updated": gettext_noop("Updated %(count)s draft goal(s)."),
    "countered": gettext_noop("Answered %(count)s distributor proposal(s) with the share."),
    "kept": gettext_noop("Left %(count)s goal(s) as they were."),
}


@require_POST
@manufacturer_required
def plan_apply(request, pk):
    goal = _team_goal(pk)
    try:
        done = allocation.plan_apply(goal=goal, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("goals:plan", pk=goal.pk)
    for outcome, text in OUTCOMES.items():
        count = sum(1 for applied in done if applied.outcome == outcome)
        if count:
            messages.info(request, _(text) % {"count": count})
    for applied in done:
        if applied.outcome == "refused":
            messages.warning(
                request,
                _("%(name)s: %(message)s")
                % {"name": applied.distributor.name, "message": applied.message},
            )
    return redirect("goals:plan", pk=goal.pk)


EXPORT_HEADERS = [
    gettext_noop("region"),
    gettext_noop("distributor"),
    gettext_noop("market_potential"),
    gettext_noop("proposed_share"),
    gettext_noop("own_proposal"),
    gettext_noop("gap"),
    gettext_noop("gap_pct"),
    gettext_noop("product_line"),
    gettext_noop("revenue_last_12_months"),
    gettext_noop("at_peers_penetration"),
]
EXPORT_FORMATS = ("csv", "xlsx")


@require_safe
@manufacturer_required
def plan_export(request, pk):
    """The plan page's figures as CSV (or ?format=xlsx): a row per distributor, its shares by
    product line after them, the region totals and the plan; the bases' estimates beside."""
    goal = _team_goal(pk)
    kind = request.GET.get("format", "csv")
    if kind not in EXPORT_FORMATS:
        return HttpResponseBadRequest(
            _("format: choose csv or xlsx; nothing exported."),
            content_type="text/plain; charset=utf-8",
        )
    try:
        plan = allocation.plan_for(goal)
    except DomainError as exc:
        return render(
            request,
            "goals/plan.html",
            {"goal": goal, "plan": None, "error": exc.message},
            status=400,
        )
    estimates = plan.allocation.estimates
    rows = [
        [
            row.distributor.region,
            row.distributor.code,
            row.distributor.market_potential,
            row.share,
            row.bottom_up,
            row.gap,
            row.gap_pct,
            "",
            estimates.get("history", {}).get(row.distributor.pk),
            _rounded(estimates.get("peers", {}).get(row.distributor.pk)),
        ]
        for row in plan.rows
    ]
    blank = [None, None]
    for row in plan.rows:  # each share by product line (a plan of no line), after them
        for line, amount in row.lines:
            rows.append(
                [row.distributor.region, row.distributor.code, None, amount, None, None, None]
                + [line.code, *blank]
            )
    for region in plan.regions:
        rows.append(
            [region.region, _("Total"), None, region.share, region.bottom_up, None, None, ""]
            + blank
        )
    rows.append(
        ["", _("Plan"), None, plan.allocation.plan, plan.bottom_up_total, None, None, ""] + blank
    )
    headers = [_(h) for h in EXPORT_HEADERS]
    if kind == "xlsx":
        return xlsx_response(f"plan-{goal.pk}", headers, rows, sheet=_("Plan"))
    return csv_response(f"plan-{goal.pk}", headers, rows)


def _rounded(amount):
    return None if amount is None else amount.quantize(allocation.CENT)
