"""The webhooks' pages: the channel's subscriptions for the manufacturer's staff
(/integrations/webhooks/), a partner admin's for its own distributor (/my/webhooks/). Each
subscription's page edits it, rotates its secret (shown once), sends a test event, and lists
its deliveries (filtered by the FilterSet the API uses) with "Send again"."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from drm.acts import act, form_refusal, shown_once
from drm.errors import DomainError, NotAllowed
from drm.events import event_types
from drm.filters import page_data, page_form
from identity.access import CHANNEL_SIDE, PARTNER_SIDE, side_keeper_required

from . import selectors, services
from .filters import DeliveryFilter
from .forms import SubscriptionForm

PAGE_SIZE = 50
CHANNEL, PARTNER = CHANNEL_SIDE, PARTNER_SIDE


def _name(request, name):
    prefix = "webhooks:" if request.keeper_side == CHANNEL else "webhooks:mine-"
    return prefix + name


def _url(request, name, *args):
    return reverse(_name(request, name), args=args)


def _subscription(request, pk):
    return get_object_or_404(selectors.subscription_list(visible_to=request.user), pk=pk)


def _context(request, **context):
    labels = {event.name: event.label for event in event_types()}
    return {
        "side": request.keeper_side,
        "urls": {
            "list": _url(request, "list"),
            "new": _url(request, "new"),
        },
        "labels": labels,
        **context,
    }


@require_safe
@side_keeper_required
def subscription_list(request):
    subscriptions = selectors.subscription_list(visible_to=request.user).order_by("-created_at")
    rows = [(s, _url(request, "detail", s.pk)) for s in subscriptions]
    return render(request, "webhooks/list.html", _context(request, rows=rows))


@require_http_methods(["GET", "POST"])
@side_keeper_required
def subscription_new(request):
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = services.subscription_create(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            return _secret_page(request, subscription, created=True)
    status = 400 if request.method == "POST" else 200
    return render(request, "webhooks/form.html", _context(request, form=form), status=status)


def _secret_page(request, subscription, *, created):
    """The secret, shown this once (it is never shown again: rotate it to get a new one)."""
    return shown_once(
        request,
        "webhooks/secret.html",
        _context(
            request,
            subscription=subscription,
            created=created,
            detail_url=_url(request, "detail", subscription.pk),
        ),
    )


@require_http_methods(["GET", "POST"])
@side_keeper_required
def subscription_detail(request, pk):
    subscription = _subscription(request, pk)
    initial = {
        "url": subscription.url,
        "description": subscription.description,
        "events": subscription.events,
        "active": subscription.active,
    }
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_update(
                subscription=subscription, by=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("The subscription is saved."))
            return redirect(_url(request, "detail", subscription.pk))
    deliveries = selectors.delivery_list(visible_to=request.user).filter(subscription=subscription)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("subscription", None)
    filterset = DeliveryFilter(page_data(query) or None, queryset=deliveries, request=request)
    valid = not filterset.is_bound or filterset.is_valid()
    rows = filterset.qs if valid else deliveries.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    filter_form = page_form(filterset)
    filter_form.fields.pop("subscription", None)
    status = 200 if valid else 400
    if request.method == "POST":
        status = 400
    return render(
        request,
        "webhooks/detail.html",
        _context(
            request,
            subscription=subscription,
            form=form,
            filter_form=filter_form,
            page=page,
            query=query.urlencode(),
            acts={
                name: _url(request, name, subscription.pk)
                for name in ("detail", "rotate", "test", "delete")
            },
            send_again_base=_url(request, "send-again", 0).removesuffix("0/send-again/"),
        ),
        status=status,
    )


@require_POST
@side_keeper_required
def subscription_rotate(request, pk):
    subscription = _subscription(request, pk)
    try:
        subscription = services.subscription_rotate_secret(
            subscription=subscription, by=request.user
        )
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    return _secret_page(request, subscription, created=False)


@require_POST
@side_keeper_required
def subscription_test(request, pk):
    subscription = _subscription(request, pk)
    return act(
        request,
        _url(request, "detail", subscription.pk),
        lambda: services.subscription_test(subscription=subscription, by=request.user),
        _("A test event is on its way; its delivery shows below."),
    )


@require_POST
@side_keeper_required
def subscription_delete(request, pk):
    subscription = _subscription(request, pk)
    return act(
        request,
        _url(request, "list"),
        lambda: services.subscription_delete(subscription=subscription, by=request.user),
        _("The subscription is deleted; nothing more is sent to it."),
    )


@require_POST
@side_keeper_required
def delivery_send_again(request, pk):
    delivery = get_object_or_404(selectors.delivery_list(visible_to=request.user), pk=pk)
    return act(
        request,
        _url(request, "detail", delivery.subscription_id),
        lambda: services.delivery_send_again(delivery=delivery, by=request.user),
        _("The event is sent again, with the same webhook-id."),
    )
