"""Qualification criteria pages: the agreed definition of a distributor-qualified lead (DQL).

Managers edit the draft of the next version, publish it, read what each version changed and follow
which distributors acknowledged the current one. Partners read the current version in their
language; their admins acknowledge it for their distributor.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from drm.errors import DomainError, NotAllowed
from identity.access import (
    Role,
    is_manufacturer,
    manufacturer_required,
    portal_user_required,
    user_membership,
    user_role,
)

from .. import selectors, services
from ..forms import CriteriaPublishForm, CriterionForm
from ..models import CriteriaVersion, Criterion

PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 10
MANAGER_TEMPLATE = "leads/criteria/manager.html"
PARTNER_TEMPLATE = "leads/criteria/partner.html"


def _draft_url():
    return reverse("leads:criteria") + "#draft"


def _add_error(form, exc):
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _add_form(data=None):
    return CriterionForm(
        data, submit_label=_("Add the item"), action=reverse("leads:criterion-add")
    )


def _acknowledgement_chart(counts):
    """Chart.js data: the distributors asked to acknowledge the version, done or not yet."""
    return {
        "labels": [_("Acknowledged"), _("Not yet")],
        "datasets": [
            {
                "label": _("Distributors"),
                "data": [counts["acknowledged"], counts["pending"]],
                "backgroundColor": ["#198754", "#adb5bd"],
            }
        ],
    }


def _manager_context(request, *, item_form=None, publish_form=None):
    user = request.user
    current = (
        selectors.criteria_versions(visible_to=user).filter(published_at__isnull=False).first()
    )
    draft = selectors.criteria_draft_get(visible_to=user)
    history, history_changes = selectors.criteria_history(
        visible_to=user, page=request.GET.get("history_page"), size=HISTORY_PAGE_SIZE
    )
    context = {
        "current": current,
        "draft": draft,
        "draft_changes": (
            selectors.criteria_changes(previous=current, version=draft) if draft else None
        ),
        "next_number": draft.number if draft else (current.number + 1 if current else 1),
        "item_form": item_form or _add_form(),
        "publish_form": publish_form
        or (CriteriaPublishForm(initial={"number": draft.number}) if draft else None),
        "history": history,
        "history_changes": history_changes,
    }
    if current is not None:
        counts = selectors.criteria_acknowledgement_counts(version=current, visible_to=user)
        acknowledgements = selectors.criteria_acknowledgements(version=current, visible_to=user)
        pending = selectors.criteria_pending_distributors(version=current, visible_to=user)
        context.update(
            counts=counts,
            chart=_acknowledgement_chart(counts),
            acknowledgements=Paginator(acknowledgements, PAGE_SIZE).get_page(
                request.GET.get("acknowledged_page")
            ),
            pending=Paginator(pending, PAGE_SIZE).get_page(request.GET.get("pending_page")),
        )
    return context


def _partner_context(request):
    user = request.user
    published = list(selectors.criteria_versions(visible_to=user)[:2])
    current = published[0] if published else None
    previous = published[1] if len(published) > 1 else None
    older = selectors.criteria_acknowledged_versions(visible_to=user)
    if current is not None:
        older = older.exclude(pk=current.pk)
    return {
        "current": current,
        "changes": (
            selectors.criteria_changes(previous=previous, version=current) if current else None
        ),
        "acknowledgement": (
            current.own_acknowledgements[0]
            if current is not None and current.own_acknowledgements
            else None
        ),
        "can_acknowledge": user_role(user) == Role.PARTNER_ADMIN,
        "distributor": user_membership(user).distributor,
        "older": Paginator(older, HISTORY_PAGE_SIZE).get_page(request.GET.get("history_page")),
    }


def _page(request, *, status=200, **forms):
    if is_manufacturer(request.user):
        return render(request, MANAGER_TEMPLATE, _manager_context(request, **forms), status=status)
    return render(request, PARTNER_TEMPLATE, _partner_context(request), status=status)


@require_safe
@portal_user_required
def criteria_page(request):
    return _page(request)


@require_POST
@manufacturer_required
def criterion_add(request):
    """Add an item to the draft; with `start` alone, only start the draft (a copy of the
    current version). Either way the draft is started when there is none."""
    if "start" in request.POST:
        draft = services.criteria_draft(by=request.user)
        messages.success(
            request, _("Version %(number)d is the draft; edit it.") % {"number": draft.number}
        )
        return redirect(_draft_url())
    form = _add_form(request.POST)
    if form.is_valid():
        try:
            criterion = services.criterion_save(criterion=form.save(commit=False), by=request.user)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(
                request,
                _("Item %(code)s added to version %(number)d.")
                % {"code": criterion.code, "number": criterion.version.number},
            )
            return redirect(_draft_url())
    return _page(request, status=400, item_form=form)


@require_http_methods(["GET", "POST"])
@manufacturer_required
def criterion_edit(request, pk):
    """GET: the item's form. POST: save it, or with `move` (up or down) only move it."""
    criterion = get_object_or_404(Criterion.objects.select_related("version"), pk=pk)
    version, code = criterion.version, criterion.code
    move = request.POST.get("move")
    if request.method == "POST" and move in ("up", "down"):
        position = criterion.position + (-1 if move == "up" else 1)
        try:
            services.criterion_move(criterion=criterion, by=request.user, position=position)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(_draft_url())
    form = CriterionForm(request.POST or None, instance=criterion)
    if version.is_published:
        for field in form.fields.values():
            field.disabled = True  # shown as it is; a POST is still refused by the service
    if request.method == "POST" and form.is_valid():
        try:
            services.criterion_save(criterion=form.save(commit=False), by=request.user)
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("Item %(code)s saved.") % {"code": criterion.code})
            return redirect(_draft_url())
    return render(
        request,
        "leads/criteria/item_form.html",
        {"form": form, "version": version, "code": code, "frozen": version.is_published},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@manufacturer_required
def criterion_delete(request, pk):
    criterion = get_object_or_404(Criterion, pk=pk)
    try:
        services.criterion_delete(criterion=criterion, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Item %(code)s removed.") % {"code": criterion.code})
    return redirect(_draft_url())


@require_POST
@manufacturer_required
def criteria_publish(request):
    form = CriteriaPublishForm(request.POST)
    if form.is_valid():
        try:
            version = selectors.criteria_version_get(
                visible_to=request.user, number=form.cleaned_data["number"]
            )
            version = services.criteria_publish(
                version=version, by=request.user, notes=form.cleaned_data["notes"]
            )
        except CriteriaVersion.DoesNotExist:
            form.add_error(None, _("There is no such version."))
        except DomainError as exc:
            _add_error(form, exc)
        else:
            messages.success(
                request,
                _("Version %(number)d is published; partner admins are asked to acknowledge it.")
                % {"number": version.number},
            )
            return redirect("leads:criteria")
    return _page(request, status=400, publish_form=form)


@require_POST
@portal_user_required
def criteria_acknowledge(request, number):
    """A partner admin acknowledges a published version; anyone else is refused (403) with the
    reason on the page."""
    try:
        version = selectors.criteria_version_get(visible_to=request.user, number=number)
    except CriteriaVersion.DoesNotExist as exc:
        raise Http404("No such version") from exc
    if not version.is_published:
        raise Http404("No such version")
    try:
        acknowledgement = services.criteria_acknowledge(version=version, by=request.user)
    except NotAllowed as exc:
        messages.error(request, exc.message)
        return _page(request, status=403)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Version %(number)d is acknowledged for %(distributor)s.")
            % {"number": version.number, "distributor": acknowledgement.distributor.name},
        )
    return redirect("leads:criteria")
