"""Landmark review pages: the queue, one review with its accounting, acknowledgement, closing."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from drm.acts import act
from drm.errors import DomainError, NotAllowed
from drm.filters import page_data, page_form
from identity.access import Role, is_manufacturer, portal_user_required, user_role

from .. import selectors, services
from ..filters import ReviewFilter
from ..forms import AccountForm, ActionFormSet
from ..models import LandmarkReview, NextAct, Side

PAGE_SIZE = 50


# The queue's quick tabs: (label, query).
TABS = (
    (gettext_lazy("Needs me"), {"needs": "me"}),
    (gettext_lazy("Overdue"), {"accounting": "overdue"}),
    (gettext_lazy("Missed, not accounted for"), selectors.MISSED_NOT_ACCOUNTED),
    (gettext_lazy("All open"), {"closed": "false"}),
    (gettext_lazy("All"), {}),
)
SIDE_NAMES = {
    Side.MANUFACTURER: gettext_lazy("the manufacturer"),
    Side.PARTNER: gettext_lazy("the distributor"),
    "": gettext_lazy("the portal"),
}


def _tabs(request):
    asked = {key: value for key, value in request.GET.items() if key != "page"}
    return [
        {
            "label": label,
            "url": f"{reverse('goals:reviews')}?{urlencode(query)}"
            if query
            else reverse("goals:reviews"),
            "active": asked == {key: str(value) for key, value in query.items()},
        }
        for label, query in TABS
    ]


def _rows(reviews, user):
    """The page's reviews, each with what it needs, from whom, and whether from `user`."""
    today = timezone.localdate()
    ids = [review.pk for review in reviews]
    mine = set(
        selectors.reviews_waiting_for(LandmarkReview.objects.filter(pk__in=ids), user).values_list(
            "pk", flat=True
        )
    )
    for review in reviews:
        review.next_act_label = NextAct(review.next_act).label
        review.next_side_label = SIDE_NAMES.get(review.next_side, "")
        review.needs_me = review.pk in mine
        review.overdue = review.is_overdue(today)
    return reviews


@require_safe
@portal_user_required
def review_queue(request):
    reviews = ReviewFilter(
        page_data(request.GET) or None,
        queryset=selectors.review_queue(visible_to=request.user),
        request=request,
    )
    valid = not reviews.is_bound or reviews.is_valid()
    listed = reviews.qs if valid else LandmarkReview.objects.none()
    page = selectors.review_page(listed, request.GET.get("page"), size=PAGE_SIZE)
    _rows(page.object_list, request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "goals/reviews.html",
        {
            "form": page_form(reviews),
            "page": page,
            "query": query.urlencode(),
            "tabs": _tabs(request),
            "manufacturer": is_manufacturer(request.user),
        },
        status=200 if valid else 400,
    )


def _visible_review(request, pk):
    return get_object_or_404(
        LandmarkReview.objects.visible_to(request.user).select_related(
            "goal__distributor",
            "landmark",
            "accounted_by",
            "acknowledged_by",
            "closed_by",
        ),
        pk=pk,
    )


def _context(request, review, account_form=None, action_forms=None):
    user = request.user
    goal = review.goal
    try:
        side = services.goal_side(user, goal)
    except NotAllowed:
        side = None
    open_review = review.status != LandmarkReview.Status.CLOSED
    return {
        "review": review,
        "goal": goal,
        "previous": services.previous_actions(review),
        "missing": services.review_missing(review),
        "actions": review.actions.select_related("owner"),
        "may_account": side is not None and open_review and review.needs_accounting,
        "may_acknowledge": user_role(user) == Role.PARTNER_ADMIN
        and side is not None
        and review.status == LandmarkReview.Status.ACCOUNTED
        and review.acknowledged_at is None,
        "may_close": is_manufacturer(user) and open_review,
        "account_form": account_form
        or AccountForm(initial={"cause": review.cause, "explanation": review.explanation}),
        "action_forms": action_forms
        or ActionFormSet(prefix="actions", form_kwargs={"goal": goal, "viewer": user}),
    }


@require_safe
@portal_user_required
def review_detail(request, pk):
    review = _visible_review(request, pk)
    return render(request, "goals/review.html", _context(request, review))


@require_POST
@portal_user_required
def review_account(request, pk):
    review = _visible_review(request, pk)
    form = AccountForm(request.POST)
    actions = ActionFormSet(
        request.POST, prefix="actions", form_kwargs={"goal": review.goal, "viewer": request.user}
    )
    if form.is_valid() and actions.is_valid():
        rows = [
            (a["what"], a.get("owner"), a.get("due"))
            for a in actions.cleaned_data
            if a and a.get("what")
        ]
        try:
            services.review_account(
                review=review,
                by=request.user,
                cause=form.cleaned_data["cause"],
                explanation=form.cleaned_data["explanation"],
                actions=rows,
            )
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The review is accounted for."))
            return redirect("goals:review", pk=review.pk)
    context = _context(request, review, account_form=form, action_forms=actions)
    return render(request, "goals/review.html", context, status=400)


def _act(request, review, do, done):
    return act(request, reverse("goals:review", args=[review.pk]), do, done)


@require_POST
@portal_user_required
def review_acknowledge(request, pk):
    review = _visible_review(request, pk)
    return _act(
        request,
        review,
        lambda: services.review_acknowledge(review=review, by=request.user),
        _("You acknowledged the accounting."),
    )


@require_POST
@portal_user_required
def review_close(request, pk):
    review = _visible_review(request, pk)
    return _act(
        request,
        review,
        lambda: services.review_close(review=review, by=request.user),
        _("The review is closed."),
    )
