"""Deal registration: a partner registers a deal it found; a manager checks it for duplicates
and approves or declines it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from distributors.selectors import distributor_scope_default
from drm.errors import DomainError, NotAllowed
from drm.filters import page_data
from drm.french import interpolate
from identity.access import (
    is_manufacturer,
    manufacturer_required,
    partner_required,
    portal_user_required,
)

from .. import selectors, services
from ..filters import SCOPE_TABS, RegistrationFilter
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
    """Managers: the registrations waiting for a decision first (of their own distributors or
    all, the scope defaulting as the distributor list's), each with its possible duplicates.
    Partners: their own distributor's registrations and the decisions. An invalid filter lists
    nothing and says why."""
    manufacturer = is_manufacturer(request.user)
    data = page_data(request.GET)
    if manufacturer:
        data.setdefault("status", DealRegistration.Status.PENDING)
        data.setdefault("scope", distributor_scope_default(user=request.user))
    filterset = RegistrationFilter(
        data, queryset=selectors.registration_list(visible_to=request.user), request=request
    )
    registrations = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    status, scope = data.get("status", ""), data.get("scope", "")
    page = Paginator(registrations, PAGE_SIZE).get_page(request.GET.get("page"))
    pending = [
        registration.lead
        for registration in page.object_list
        if registration.status == DealRegistration.Status.PENDING
    ]
    duplicates = selectors.deal_duplicates(leads=pending) if manufacturer else {}
    rows = [
        {"registration": registration, "duplicates": duplicates.get(registration.lead_id, [])}
        for registration in page.object_list
    ]
    kept = {"scope": scope} if scope else {}
    return render(
        request,
        "leads/registrations.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "scope": scope,
            "errors": filterset.errors,
            "status_tabs": [
                {"value": value, "label": label, "query": urlencode({"status": value, **kept})}
                for value, label in DealRegistration.Status.choices
            ],
            "scope_tabs": [
                {
                    "value": value,
                    "label": label,
                    "query": urlencode({"status": status, "scope": value}),
                }
                for value, label in SCOPE_TABS
            ]
            if manufacturer
            else [],
            "manufacturer": manufacturer,
            "decision_form": DecisionForm(),
            "query": urlencode(
                {key: value for key, value in (("status", status), ("scope", scope)) if value}
            ),
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
                interpolate(
                    _("Approved: %(company)s is %(code)s's lead."),
                    {"company": registration.lead.company, "code": registration.distributor.code},
                ),
            )
        else:
            services.deal_decline(
                registration=registration, by=request.user, note=form.cleaned_data["note"]
            )
            messages.success(request, _("Declined; the partner is told why."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("leads:registrations")
