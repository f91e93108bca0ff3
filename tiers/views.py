"""The tiers' pages: the manager's tiers and their requirements, the proposals of the nightly
requalification (filtered, exported, each confirmed or overridden), a distributor's tier history;
the partner's standing: its figures against its tier's requirements and the next tier's."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from distributors.models import Distributor
from drm.acts import act, form_refusal
from drm.errors import DomainError
from drm.filters import page_data, page_form
from identity.access import (
    is_manufacturer,
    manufacturer_required,
    partner_required,
    user_membership,
)

from . import selectors, services
from .filters import ReviewFilter
from .forms import DecisionForm, RequirementForm
from .models import TierRequirement, TierReview, TierRun
from .requirements import requirement_list

PAGE_SIZE = 50


@require_safe
@manufacturer_required
def overview(request):
    return _overview(request, RequirementForm())


def _overview(request, form, status=200):
    counts = TierReview.objects.filter(status=TierReview.Status.PROPOSED).aggregate(
        up=Count("pk", filter=Q(direction=TierReview.Direction.UP)),
        down=Count("pk", filter=Q(direction=TierReview.Direction.DOWN)),
    )
    context = {
        "tiers": selectors.tier_list(),
        "requirements": requirement_list(),
        "form": form,
        "counts": counts,
        "grace_days": services.grace_days(),
        "last_run": TierRun.objects.first(),
    }
    return render(request, "tiers/overview.html", context, status=status)


@require_POST
@manufacturer_required
def requirement_save(request):
    form = RequirementForm(request.POST)
    if form.is_valid():
        try:
            services.requirement_save(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(
                request, _("The requirement is saved; the next requalification reads it.")
            )
            return redirect("tiers:overview")
    return _overview(request, form, status=400)


@require_POST
@manufacturer_required
def requirement_delete(request, pk):
    requirement = get_object_or_404(TierRequirement, pk=pk)
    return act(
        request,
        reverse("tiers:overview"),
        lambda: services.requirement_delete(by=request.user, requirement=requirement),
        _("The requirement is removed."),
    )


@require_safe
@manufacturer_required
def proposal_list(request):
    reviews = selectors.review_list(visible_to=request.user).order_by("-proposed_at", "-pk")
    filterset = ReviewFilter(page_data(request.GET) or None, queryset=reviews, request=request)
    valid = not filterset.is_bound or filterset.is_valid()
    rows = filterset.qs if valid else reviews.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tiers/proposals.html",
        {"form": page_form(filterset), "page": page, "query": query.urlencode()},
        status=200 if valid else 400,
    )


def _figure_rows(review):
    """The figures behind a proposal, each requirement with its label, value and thresholds."""
    from .requirements import requirement_get

    rows = []
    for key, figure in review.figures.items():
        try:
            requirement = requirement_get(key)
        except KeyError:
            continue
        rows.append(
            {
                "key": key,
                "label": requirement.label,
                "value": requirement.text(figure.get("value")),
                "held": requirement.text(figure.get("held")) if figure.get("held") else "",
                "earned": requirement.text(figure.get("earned")) if figure.get("earned") else "",
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
@manufacturer_required
def proposal_detail(request, pk):
    review = get_object_or_404(selectors.review_list(visible_to=request.user), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == DecisionForm.CONFIRM:
                services.review_confirm(review=review, by=request.user, reason=data["reason"])
                done = _("The tier change is confirmed: %(distributor)s is now %(tier)s.")
            else:
                services.review_override(
                    review=review, by=request.user, reason=data["reason"], tier=data["tier"]
                )
                done = _("The proposal is overridden: %(distributor)s is %(tier)s.")
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            review.distributor.refresh_from_db()
            messages.success(
                request,
                done
                % {
                    "distributor": review.distributor.name,
                    "tier": review.distributor.tier.display_name,
                },
            )
            return redirect("tiers:proposal", pk=review.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "review": review,
        "figures": _figure_rows(review),
        "form": form if review.may(request.user, "decide") else None,
    }
    return render(request, "tiers/proposal.html", context, status=status)


@require_safe
@manufacturer_required
def history(request, code):
    distributor = get_object_or_404(Distributor.objects.select_related("tier"), code=code)
    reviews = selectors.review_list(visible_to=request.user).filter(distributor=distributor)
    return render(
        request,
        "tiers/history.html",
        {
            "distributor": distributor,
            "reviews": reviews.order_by("-proposed_at", "-pk")[:100],
            "standing": selectors.standing(distributor=distributor, as_of=timezone.localdate()),
        },
    )


@require_safe
@partner_required
def mine(request):
    membership = user_membership(request.user)
    distributor = Distributor.objects.select_related("tier").get(pk=membership.distributor_id)
    reviews = (
        selectors.review_list(visible_to=request.user)
        .filter(distributor=distributor)
        .exclude(status=TierReview.Status.WITHDRAWN)
        .order_by("-proposed_at", "-pk")[:20]
    )
    return render(
        request,
        "tiers/mine.html",
        {
            "distributor": distributor,
            "standing": selectors.standing(distributor=distributor, as_of=timezone.localdate()),
            "reviews": reviews,
            "manufacturer": is_manufacturer(request.user),
        },
    )
