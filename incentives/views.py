"""The incentives pages: the programmes and where each distributor stands in them, their accrual,
advances and true-up one click from the programme, and a distributor's one statement of what it
has earned (programmes and goal bonuses); a partner sees its own distributor's."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from drm.acts import act, form_refusal
from drm.errors import DomainError
from drm.filters import page_data, page_form
from drm.periods import month_start
from drm.templatetags.money import money
from funds.selectors import estimate_list, impact_rollup
from funds.treatments import effect_end
from goals.models import Goal
from identity.access import (
    is_manufacturer,
    manufacturer_required,
    portal_user_required,
    user_membership,
)

from . import selectors, services
from .filters import EntryFilter, ProgrammeFilter, StandingFilter
from .forms import AdvanceForm, PaymentForm, ProgrammeForm, StatementForm, TierFormSet, tier_rows
from .models import Entry, Programme, Settlement
from .treatments import Programmes

PAGE_SIZE = 50


def _page(request, template, context, status=200):
    """An incentives page: programme amounts are in the reporting currency."""
    context = {
        "currency": settings.REPORTING_CURRENCY,
        "manufacturer": is_manufacturer(request.user),
        **context,
    }
    return render(request, template, context, status=status)


def _filtered(request, filterset_class, queryset, *, ignore=()):
    """`queryset` filtered by the page's query (less the parameters in `ignore`, which the page
    applies itself); an invalid filter shows no row (and says why)."""
    data = page_data(request.GET)
    for name in ignore:
        data.pop(name, None)
    filterset = filterset_class(data or None, queryset=queryset, request=request)
    valid = not filterset.is_bound or filterset.is_valid()
    rows = filterset.qs if valid else queryset.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return filterset, page, query.urlencode(), valid


# --- programmes --------------------------------------------------------------------------------


@require_safe
@portal_user_required
def programme_list(request):
    programmes = selectors.programme_list(visible_to=request.user).order_by(
        "-period_start", "name", "pk"
    )
    filterset, page, query, valid = _filtered(request, ProgrammeFilter, programmes)
    return _page(
        request,
        "incentives/list.html",
        {"form": page_form(filterset), "page": page, "query": query, "today": timezone.localdate()},
        status=200 if valid else 400,
    )


@require_http_methods(["GET", "POST"])
@manufacturer_required
def programme_create(request):
    form = ProgrammeForm(request.POST or None)
    tiers = TierFormSet(request.POST or None, prefix="tiers")
    if request.method == "POST" and form.is_valid() and tiers.is_valid():
        try:
            programme = services.programme_create(
                by=request.user, tiers=tier_rows(tiers), **form.cleaned_data
            )
        except DomainError as exc:
            if exc.field == "tiers":
                form.add_error(None, exc.message)
            else:
                form_refusal(form, exc)
        else:
            messages.success(
                request, _("The programme is created; it accrues every night from the revenue.")
            )
            return redirect("incentives:detail", pk=programme.pk)
    status = 400 if request.method == "POST" else 200
    return _page(
        request, "incentives/programme_form.html", {"form": form, "tiers": tiers}, status=status
    )


def _visible_programme(request, pk):
    return get_object_or_404(
        Programme.objects.visible_to(request.user).select_related("product_line"), pk=pk
    )


@require_safe
@portal_user_required
def programme_detail(request, pk, forms=None, status=200):
    programme = _visible_programme(request, pk)
    user = request.user
    manufacturer = is_manufacturer(user)
    today = timezone.localdate()
    standings = selectors.standing_list(programme=programme, visible_to=user)
    filterset, page, query, valid = _filtered(request, StandingFilter, standings)
    steps = programme.steps()
    for standing in page:
        standing.outlook = programme.outlook(standing, today, steps)
    paid_quarters = set(
        programme.settlements.filter(kind=Settlement.Kind.ADVANCE).values_list("through", flat=True)
    )
    due_quarters = [
        day for day in programme.advance_dates() if day < today and day not in paid_quarters
    ]
    forms = forms or {}
    impact_end = effect_end(programme.period_end)
    context = {
        "programme": programme,
        "steps": programme.payout_tiers.all(),
        "form": page_form(filterset),
        "page": page,
        "query": query,
        "totals": selectors.standing_totals(filterset.qs if valid else standings.none()),
        "settlements": programme.settlements.select_related("created_by"),
        "over": programme.is_over(today),
        "today": today,
        "eligible_tiers": programme.tiers.order_by("rank"),
        "regions": programme.regions.order_by("name"),
        # A partner learns no other distributor's name from a programme they share.
        "named": programme.distributors.order_by("code")
        if manufacturer
        else programme.distributors.filter(
            pk=getattr(user_membership(user), "distributor_id", None)
        ),
        # What the programme bought (a partner: its own distributor), once its effect window
        # is over: every participant's estimate added up.
        "impact": impact_rollup(
            estimate_list(visible_to=user, kind=Programmes.kind, subjects=[programme.pk])
        ),
        "impact_end": impact_end,
        "impact_due": impact_end < month_start(today),
    }
    if manufacturer:
        context.update(
            advance_form=forms.get("advance")
            or (
                AdvanceForm(quarters=due_quarters, initial={"paid_on": today})
                if due_quarters
                else None
            ),
            true_up_form=forms.get("true_up")
            or (
                PaymentForm(prefix="true_up", initial={"paid_on": today})
                if context["over"]
                else None
            ),
        )
    else:
        membership = user_membership(user)
        context["mine"] = next(
            (row for row in page if row.distributor_id == membership.distributor_id), None
        )
    return _page(request, "incentives/detail.html", context, status=200 if valid else 400)


def _again(request, pk, **forms):
    request.method = "GET"
    response = programme_detail(request, pk, forms=forms)
    response.status_code = 400
    return response


@require_POST
@manufacturer_required
def programme_accrue(request, pk):
    programme = _visible_programme(request, pk)
    return act(
        request,
        reverse("incentives:detail", args=[programme.pk]),
        lambda: services.programme_accrue(programme=programme, by=request.user),
        _("The programme is accrued from the revenue held today."),
    )


@require_POST
@manufacturer_required
def programme_advance(request, pk):
    programme = _visible_programme(request, pk)
    form = AdvanceForm(request.POST, quarters=programme.advance_dates())
    if form.is_valid():
        try:
            settlement = services.programme_advance(
                programme=programme, by=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _advance_done(settlement))
            return redirect("incentives:detail", pk=pk)
    return _again(request, pk, advance=form)


def _advance_done(settlement):
    return _("The advance is recorded: %(total)s to %(count)d distributors.") % {
        "total": money(settlement.total, settings.REPORTING_CURRENCY),
        "count": settlement.entries_count,
    }


@require_POST
@manufacturer_required
def programme_true_up(request, pk):
    programme = _visible_programme(request, pk)
    form = PaymentForm(request.POST, prefix="true_up")
    if form.is_valid():
        try:
            settlement = services.programme_true_up(
                programme=programme, by=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(
                request,
                _("The true-up is recorded: %(count)d distributors settled.")
                % {"count": settlement.entries_count},
            )
            return redirect("incentives:detail", pk=pk)
    return _again(request, pk, true_up=form)


# --- the statement -----------------------------------------------------------------------------


def _statement_distributor(request):
    """Whose statement: a partner's own; the manufacturer's pick (`?distributor=code`)."""
    if not is_manufacturer(request.user):
        return user_membership(request.user).distributor, None
    form = StatementForm(request.GET if "distributor" in request.GET else None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["distributor"], form
    return None, form


@require_safe
@portal_user_required
def statement(request, payment_forms=None, status=200):
    if "distributor" in request.GET and not is_manufacturer(request.user):
        # A partner's statement is its own: the parameter is dropped, never echoed back.
        query = request.GET.copy()
        query.pop("distributor")
        rest = query.urlencode()
        return redirect(reverse("incentives:statement") + (f"?{rest}" if rest else ""))
    distributor, picker = _statement_distributor(request)
    context = {"distributor": distributor, "picker": picker, "payment_forms": payment_forms or {}}
    if picker is not None and picker.is_bound and not picker.is_valid():
        status = 400
    # The ledger's filters are read (and an invalid one named) whoever the statement is of.
    entries = (
        selectors.entry_list(visible_to=request.user, distributor=distributor)
        if distributor is not None
        else Entry.objects.none()
    )
    filterset, page, query, valid = _filtered(
        request, EntryFilter, entries, ignore=("distributor",)
    )
    context.update(form=page_form(filterset), page=page, query=query)
    status = status if valid else 400
    if distributor is not None:
        today = timezone.localdate()
        context.update(
            statement=selectors.statement(
                distributor=distributor, visible_to=request.user, today=today
            ),
            chart=selectors.earnings_chart(distributor=distributor, visible_to=request.user),
            today=today,
        )
    return _page(request, "incentives/statement.html", context, status=status)


@require_POST
@manufacturer_required
def bonus_pay(request, pk):
    goal = get_object_or_404(Goal.objects.filter(distributor__isnull=False), pk=pk)
    form = PaymentForm(request.POST, prefix=f"bonus-{goal.pk}")
    back = reverse("incentives:statement") + f"?distributor={goal.distributor.code}"
    if form.is_valid():
        try:
            services.bonus_pay(goal=goal, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("The bonus payment is recorded."))
            return redirect(back)
    request.method = "GET"
    request.GET = request.GET.copy()
    request.GET["distributor"] = goal.distributor.code
    return statement(request, payment_forms={goal.pk: form}, status=400)
