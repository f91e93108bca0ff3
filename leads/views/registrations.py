"""Deal registration: a partner registers a deal it found; a manager checks it for duplicates
and approves or declines it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from distributors.access import (
    is_manufacturer,
    manufacturer_required,
    partner_required,
    portal_user_required,
)
from drm.errors import DomainError, NotAllowed

from .. import selectors, services
from ..forms import DealForm, DecisionForm
from ..models import DealRegistration

PAGE_SIZE = 25


@require_http_methods(["GET", "POST"])
@partner_required
def deal_register(request):
    form = DealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.deal_register(by=request.user, **form.cleaned_data)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("Deal %(company)s registered; you will hear when a manager decides.")
                % {"company": registration.lead.company},
            )
            return redirect("leads:registrations")
    return render(
        request,
        "leads/form.html",
        {
            "form": form,
            "title": _("Register a deal"),
            "intro": _(
                "A deal you found yourself: once a manager approves it, it is your distributor's "
                "lead, accepted. Leads the manufacturer knows already are declined as duplicates."
            ),
            "cancel_url": reverse("leads:inbox"),
        },
    )


@require_safe
@portal_user_required
def registration_list(request):
    """Managers: the registrations waiting for a decision first, each with its possible
    duplicates. Partners: their own distributor's registrations and the decisions."""
    status = request.GET.get("status")
    if status not in DealRegistration.Status.values:
        status = DealRegistration.Status.PENDING if is_manufacturer(request.user) else None
    registrations = selectors.registration_list(visible_to=request.user, status=status)
    page = Paginator(registrations, PAGE_SIZE).get_page(request.GET.get("page"))
    pending = [
        registration.lead
        for registration in page.object_list
        if registration.status == DealRegistration.Status.PENDING
    ]
    duplicates = selectors.deal_duplicates(leads=pending) if is_manufacturer(request.user) else {}
    rows = [
        {"registration": registration, "duplicates": duplicates.get(registration.lead_id, [])}
        for registration in page.object_list
    ]
    return render(
        request,
        "leads/registrations.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": DealRegistration.Status.choices,
            "manufacturer": is_manufacturer(request.user),
            "decision_form": DecisionForm(),
            "query": f"status={status}" if status else "",
        },
    )


@require_POST
@manufacturer_required
def registration_decide(request, pk):
    registration = DealRegistration.objects.filter(pk=pk).select_related("lead").first()
    if registration is None:
        raise Http404("No such registration")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            messages.error(request, f"{name}: {'; '.join(errors)}")
        return redirect("leads:registrations")
    try:
        if form.cleaned_data["decision"] == "approve":
            services.deal_approve(
                registration=registration, by=request.user, note=form.cleaned_data["note"]
            )
            messages.success(
                request,
                _("Approved: %(company)s is %(code)s's lead.")
                % {"company": registration.lead.company, "code": registration.distributor.code},
            )
        else:
            services.deal_decline(
                registration=registration, by=request.user, note=form.cleaned_data["note"]
            )
            messages.success(request, _("Declined; the partner is told why."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("leads:registrations")
