"""The funds pages: the funds and their balances, the requests before an activity and the claims
after it, each act one click from where it is decided; a partner sees its own distributor's."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from drm.acts import act, form_refusal
from drm.errors import DomainError
from drm.filters import page_data, page_form
from drm.periods import complete_months, month_start
from identity.access import (
    is_manufacturer,
    manufacturer_required,
    partner_required,
    portal_user_required,
    user_membership,
)

from . import selectors, services, treatments
from .filters import RequestFilter
from .forms import (
    AllocationForm,
    ClaimForm,
    DecisionForm,
    FundForm,
    PaymentForm,
    RequestForm,
    zero_when_empty,
)
from .models import Claim, Fund, FundRequest, ProofFile

PAGE_SIZE = 50


def _page(request, template, context, status=200):
    """A funds page: every amount is in the reporting currency."""
    context = {"currency": settings.REPORTING_CURRENCY, **context}
    return render(request, template, context, status=status)


# --- funds -------------------------------------------------------------------------------------


@require_safe
@portal_user_required
def fund_list(request):
    user = request.user
    today = timezone.localdate()
    funds = list(selectors.fund_list(visible_to=user).order_by("-period_start", "name"))
    balances = selectors.balances(visible_to=user, today=today)
    by_fund = selectors.balance_totals(balances, per_fund=True)
    for fund in funds:
        fund.figures = by_fund.get(fund.pk)
    # What the funds bought: the activities whose effect window ended in the last 12 complete
    # months (the scorecard's).
    impact_months = complete_months(12, on=today)
    return _page(
        request,
        "funds/list.html",
        {
            "funds": funds,
            "today": today,
            "manufacturer": is_manufacturer(user),
            "totals": selectors.balance_totals(balances),
            "activity_impacts": selectors.activity_type_impacts(
                visible_to=user, months=impact_months
            ),
            "impact_months": impact_months,
        },
    )


@require_http_methods(["GET", "POST"])
@manufacturer_required
def fund_create(request):
    form = FundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            fund = services.fund_create(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("The fund is created: allocate it now."))
            return redirect("funds:detail", pk=fund.pk)
    status = 400 if form.errors else 200
    return _page(request, "funds/fund_form.html", {"form": form}, status=status)


def _visible_fund(request, pk):
    return get_object_or_404(selectors.fund_list(visible_to=request.user), pk=pk)


@require_safe
@portal_user_required
def fund_detail(request, pk, allocation_form=None, status=200):
    fund = _visible_fund(request, pk)
    today = timezone.localdate()
    balances = selectors.balances(visible_to=request.user, fund=fund, today=today)
    page = Paginator(balances, PAGE_SIZE).get_page(request.GET.get("page"))
    manufacturer = is_manufacturer(request.user)
    totals = selectors.balance_totals(balances)
    return _page(
        request,
        "funds/detail.html",
        {
            "fund": fund,
            "impact": selectors.fund_impact(fund, visible_to=request.user),
            "page": page,
            "totals": totals,
            "chart": selectors.fund_chart(
                fund, visible_to=request.user, allocated=totals["allocated"]
            ),
            "manufacturer": manufacturer,
            "allocation_form": allocation_form or (AllocationForm() if manufacturer else None),
            "expired": fund.is_expired(today),
            "may_request": not manufacturer and not fund.is_expired(today),
        },
        status=status,
    )


@require_POST
@manufacturer_required
def fund_allocate(request, pk):
    fund = _visible_fund(request, pk)
    form = AllocationForm(request.POST)
    if form.is_valid():
        try:
            services.allocation_set(
                fund=fund,
                distributor=form.cleaned_data["distributor"],
                amount=form.cleaned_data["amount"],
                by=request.user,
            )
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(
                request,
                _("%(code)s's allocation is saved.")
                % {"code": form.cleaned_data["distributor"].code},
            )
            return redirect("funds:detail", pk=fund.pk)
    request.method = "GET"  # the page, shown again with the form's errors
    return fund_detail(request, pk, allocation_form=form, status=400)


@require_POST
@manufacturer_required
def fund_accrue(request, pk):
    fund = _visible_fund(request, pk)
    return act(
        request,
        reverse("funds:detail", args=[fund.pk]),
        lambda: services.fund_accrue(fund=fund, by=request.user),
        _("The allocations are accrued from the revenue reported in the fund's period."),
    )


# --- requests ----------------------------------------------------------------------------------


@require_safe
@portal_user_required
def request_list(request):
    requests = RequestFilter(
        page_data(request.GET) or None,
        queryset=selectors.request_list(visible_to=request.user).order_by("-submitted_at", "-pk"),
        request=request,
    )
    valid = not requests.is_bound or requests.is_valid()
    page = Paginator(requests.qs if valid else FundRequest.objects.none(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return _page(
        request,
        "funds/requests.html",
        {
            "form": page_form(requests),
            "page": page,
            "query": query.urlencode(),
            "manufacturer": is_manufacturer(request.user),
        },
        status=200 if valid else 400,
    )


def _request_funds(user):
    """The funds a partner may ask from now: allocated to its distributor, not expired."""
    membership = user_membership(user)
    return (
        Fund.objects.filter(
            allocations__distributor_id=membership.distributor_id,
            expires_on__gte=timezone.localdate(),
        )
        .distinct()
        .order_by("-period_start", "name")
    )


@require_http_methods(["GET", "POST"])
@partner_required
def request_create(request):
    funds = _request_funds(request.user)
    initial = {"fund": request.GET.get("fund")} if request.method == "GET" else None
    form = RequestForm(request.POST or None, funds=funds, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = zero_when_empty(form.cleaned_data, "expected_leads")
        try:
            made = services.request_submit(by=request.user, **data)
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(
                request, _("Your request is sent: the manufacturer will answer it here.")
            )
            return redirect("funds:request", pk=made.pk)
    balances = selectors.balances(visible_to=request.user).filter(fund__in=funds)
    return _page(
        request,
        "funds/request_form.html",
        {"form": form, "balances": balances},
        status=400 if form.errors else 200,
    )


def _visible_request(request, pk):
    return get_object_or_404(
        selectors.request_list(visible_to=request.user).prefetch_related("materials"), pk=pk
    )


@require_safe
@portal_user_required
def request_detail(request, pk, forms=None, status=200):
    fund_request = _visible_request(request, pk)
    user = request.user
    manufacturer = is_manufacturer(user)
    claim = getattr(fund_request, "claim", None)
    today = timezone.localdate()
    forms = forms or {}
    submitted = fund_request.status == FundRequest.Status.SUBMITTED
    approved = fund_request.status == FundRequest.Status.APPROVED
    claim_status = claim.status if claim else None
    balance = selectors.allocation_balance(fund_request.allocation, today=today)
    paid = claim_status == Claim.Status.PAID
    impact_end = treatments.effect_end(fund_request.end)
    context = {
        "fund_request": fund_request,
        "claim": claim,
        "proofs": claim.proofs.all() if claim else (),
        "leads": selectors.claim_leads(claim).count() if claim else None,
        "balance": balance,
        "manufacturer": manufacturer,
        "history": fund_request.history.select_related("history_user").order_by("history_date"),
        "may_decide": manufacturer and submitted,
        "may_withdraw": manufacturer and approved,
        "may_cancel": not manufacturer and (submitted or approved),
        "may_claim": not manufacturer and approved and fund_request.claim_open(today),
        "may_decide_claim": manufacturer and claim_status == "submitted",
        "may_pay": manufacturer and claim_status == "approved",
        "decision_form": forms.get("decision") or DecisionForm(),
        "claim_form": forms.get("claim") or ClaimForm(),
        "claim_decision_form": forms.get("claim_decision") or DecisionForm(prefix="claim"),
        "payment_form": forms.get("payment") or PaymentForm(initial={"paid_on": today}),
        # What the activity bought, once paid: its estimate, or when it will be made.
        "paid": paid,
        "impact": selectors.request_impact(fund_request, visible_to=user) if paid else None,
        "impact_end": impact_end,
        "impact_due": impact_end < month_start(today),
    }
    return _page(request, "funds/request.html", context, status=status)


def _again(request, pk, **forms):
    request.method = "GET"
    return request_detail(request, pk, forms=forms, status=400)


@require_POST
@manufacturer_required
def request_decide(request, pk):
    fund_request = _visible_request(request, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                services.request_approve(
                    request=fund_request, by=request.user, amount=data["amount"],
                    reason=data["reason"],
                )  # fmt: skip
                done = _("The request is approved; the amount is reserved.")
            else:
                services.request_reject(
                    request=fund_request, by=request.user, reason=data["reason"]
                )
                done = _("The request is rejected.")
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, done)
            return redirect("funds:request", pk=pk)
    return _again(request, pk, decision=form)


@require_POST
@portal_user_required
def request_cancel(request, pk):
    fund_request = _visible_request(request, pk)
    return act(
        request,
        reverse("funds:request", args=[pk]),
        lambda: services.request_cancel(request=fund_request, by=request.user),
        _("The request is cancelled; its amount is available again."),
    )


@require_POST
@partner_required
def claim_submit(request, pk):
    fund_request = _visible_request(request, pk)
    form = ClaimForm(request.POST)
    if form.is_valid():
        try:
            services.claim_submit(
                by=request.user,
                request=fund_request,
                files=request.FILES.getlist("files"),
                **zero_when_empty(form.cleaned_data, "results_leads", "results_revenue"),
            )
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("Your claim is sent with its proof."))
            return redirect("funds:request", pk=pk)
    return _again(request, pk, claim=form)


def _visible_claim_request(request, pk):
    """The request of claim `pk`, if the viewer may see it."""
    fund_request = get_object_or_404(selectors.request_list(visible_to=request.user), claim__pk=pk)
    return fund_request, fund_request.claim


@require_POST
@manufacturer_required
def claim_decide(request, pk):
    fund_request, claim = _visible_claim_request(request, pk)
    form = DecisionForm(request.POST, prefix="claim")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "approve":
                services.claim_approve(
                    claim=claim, by=request.user, amount=data["amount"], reason=data["reason"]
                )
                done = _("The claim is approved: record its payment once made.")
            else:
                services.claim_reject(claim=claim, by=request.user, reason=data["reason"])
                done = _("The claim is rejected.")
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, done)
            return redirect("funds:request", pk=fund_request.pk)
    return _again(request, fund_request.pk, claim_decision=form)


@require_POST
@manufacturer_required
def claim_pay(request, pk):
    fund_request, claim = _visible_claim_request(request, pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            services.claim_pay(claim=claim, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(
                request, _("The payment is recorded, and added to the distributor's investments.")
            )
            return redirect("funds:request", pk=fund_request.pk)
    return _again(request, fund_request.pk, payment=form)


@require_safe
@portal_user_required
def proof_download(request, pk):
    """A proof file, to the manufacturer and its own distributor only, through the portal (no
    public URL), as an attachment under the name it was uploaded with."""
    proof = get_object_or_404(ProofFile.objects.select_related("claim__request__allocation"), pk=pk)
    visible = selectors.request_list(visible_to=request.user).filter(pk=proof.claim.request_id)
    if not visible.exists():
        raise Http404
    return FileResponse(
        proof.file.open("rb"),
        as_attachment=True,
        filename=proof.original_name,
        content_type=proof.content_type,
    )
