"""Lead pages: the manager's list (filters, bulk acts, export, import), the partner's inbox,
one lead's page with its timeline, routing explanation and the acts its viewer may take."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_noop, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from distributors.imports import import_kind_help
from distributors.selectors import distributor_scope_default
from distributors.services import import_batch_create
from drm import panels
from drm.errors import DomainError, NotAllowed
from drm.exports import csv_cell, neutralise, xlsx_response
from drm.filters import page_data, page_form
from drm.throttling import bulk_rate_limited
from identity.access import (
    Role,
    is_manufacturer,
    is_partner,
    manufacturer_required,
    partner_required,
    portal_user_required,
    user_membership,
    user_role,
)
from ingest.uploads import upload_refused

from .. import routing, selectors, services
from ..filters import SCOPE_TABS
from ..forms import (
    AssignForm,
    BulkForm,
    ConvertForm,
    HandForm,
    InboxFilterForm,
    LeadForm,
    LeadImportForm,
    LoseForm,
    QualifyForm,
    RejectForm,
    WinForm,
)
from ..imports import LeadSpec
from ..models import Lead, LeadRejection

PAGE_SIZE = 50
INBOX_PAGE_SIZE = 100


class LeanCountPaginator(Paginator):
    """A paginator whose count comes from a cheaper query than the listed rows'."""

    def __init__(self, object_list, per_page, *, count):
        super().__init__(object_list, per_page)
        self._count = count

    @cached_property
    def count(self):
        return self._count()


XLSX_MAX_ROWS = 100_000


def query_without(request, *names):
    """The page's query string without `names` (for links that change only those)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def scope_tabs(request, scope):
    """The "My distributors / All" tabs: each keeps the other filters and starts on the first
    page."""
    tabs = []
    for value, label in SCOPE_TABS:
        query = request.GET.copy()
        for key in ("after", "page", "scope"):
            query.pop(key, None)
        query["scope"] = value
        tabs.append({"value": value, "label": label, "query": query.urlencode()})
    return tabs


def _filtered(request):
    """(filterset, leads, scope) for the list and its export: the page's query string read by
    the one LeadFilter the API reads too, the scope defaulting as the distributor list's. No
    leads at all when a filter is invalid."""
    data = page_data(request.GET)
    data.setdefault("scope", distributor_scope_default(user=request.user))
    filterset = selectors.lead_filterset(visible_to=request.user, data=data, request=request)
    if not filterset.is_valid():
        return filterset, Lead.objects.none(), data["scope"]
    return filterset, filterset.qs, data["scope"]


@require_safe
@manufacturer_required
def lead_list(request):
    filterset, leads, scope = _filtered(request)
    rows, after = selectors.keyset_page(leads, after=request.GET.get("after"), size=PAGE_SIZE)
    count, more = selectors.capped_count(leads)
    return render(
        request,
        "leads/list.html",
        {
            "form": page_form(filterset),
            "leads": rows,
            "next_after": after,
            "count": count,
            "count_capped": more,
            "query": query_without(request, "after"),
            "scope": scope,
            "scope_tabs": scope_tabs(request, scope),
            "bulk_form": BulkForm(),
            "first_page": not request.GET.get("after"),
            "now": timezone.now(),
        },
    )


# --- exports ----------------------------------------------------------------------------------

# Header → cell. Headers are in the reader's language (gettext at export time).
COLUMNS = [
    (gettext_noop("id"), lambda lead, show: lead.pk),
    (gettext_noop("status"), lambda lead, show: lead.get_status_display()),
    (gettext_noop("source"), lambda lead, show: lead.source.code),
    (gettext_noop("external_ref"), lambda lead, show: lead.external_ref),
    (gettext_noop("company"), lambda lead, show: lead.company),
    (gettext_noop("contact_name"), lambda lead, show: lead.contact_name if show else ""),
    (gettext_noop("contact_email"), lambda lead, show: lead.contact_email if show else ""),
    (gettext_noop("contact_phone"), lambda lead, show: lead.contact_phone if show else ""),
    (gettext_noop("country"), lambda lead, show: lead.country),
    (gettext_noop("region"), lambda lead, show: lead.region),
    (gettext_noop("postcode"), lambda lead, show: lead.postcode),
    (
        gettext_noop("product_line"),
        lambda lead, show: lead.product_line.code if lead.product_line else "",
    ),
    (
        gettext_noop("estimated_value"),
        lambda lead, show: float(lead.estimated_value) if lead.estimated_value is not None else "",
    ),
    (gettext_noop("currency"), lambda lead, show: lead.currency),
    (gettext_noop("mql_score"), lambda lead, show: lead.mql_score),
    (
        gettext_noop("distributor"),
        lambda lead, show: lead.distributor.code if lead.distributor else "",
    ),
    (
        gettext_noop("accept_deadline"),
        lambda lead, show: lead.accept_deadline or "",
    ),
    (gettext_noop("created_at"), lambda lead, show: lead.created_at),
]
# What a partner's export leaves out: whom else the lead concerns is not its business.
PARTNER_HIDDEN = {"distributor"}


class _Echo:
    def write(self, value):
        return value


def _export(request, leads, name):
    manufacturer = is_manufacturer(request.user)
    columns = [
        (header, cell) for header, cell in COLUMNS if manufacturer or header not in PARTNER_HIDDEN
    ]
    headers = [_(header) for header, _cell in columns]
    leads = leads.select_related("source", "product_line", "distributor")

    def rows():
        for lead in leads.iterator(chunk_size=2000):
            show = manufacturer or lead.contact_visible_to(request.user)
            yield [cell(lead, show) for _header, cell in columns]

    stamp = timezone.localdate().isoformat()
    if request.GET.get("format") == "xlsx":
        total = leads.order_by().values("pk")[: XLSX_MAX_ROWS + 1].count()
        if total > XLSX_MAX_ROWS:
            return HttpResponseBadRequest(
                _("More than %(max)d leads: narrow the filter, or export CSV.")
                % {"max": XLSX_MAX_ROWS},
                content_type="text/plain; charset=utf-8",
            )
        return xlsx_response(f"{name}-{stamp}", headers, list(rows()), sheet=_("Leads"))
    writer = csv.writer(_Echo())

    def stream():
        yield writer.writerow([neutralise(h) for h in headers])
        for row in rows():
            yield writer.writerow([csv_cell(cell) for cell in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


@require_safe
@manufacturer_required
def lead_export(request):
    filterset, leads, _scope = _filtered(request)
    if filterset.errors:
        errors = "\n".join(f"{name}: {e}" for name, errs in filterset.errors.items() for e in errs)
        return HttpResponseBadRequest(
            _("Invalid filter, nothing exported:") + "\n" + errors,
            content_type="text/plain; charset=utf-8",
        )
    return _export(request, leads, "leads")


# --- entering, importing and assigning leads --------------------------------------------------


@require_http_methods(["GET", "POST"])
@manufacturer_required
def lead_create(request):
    form = LeadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        route = data.pop("route")
        try:
            lead = services.lead_create(by=request.user, **data)
            if route and lead.status == Lead.Status.MQL:
                lead = services.lead_route(lead=lead, by=request.user)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Lead %(company)s saved.") % {"company": lead.company})
            return redirect("leads:detail", pk=lead.pk)
    return render(
        request,
        "leads/form.html",
        {"form": form, "title": _("New lead"), "cancel_url": reverse("leads:list")},
    )


@require_http_methods(["GET", "POST"])
@manufacturer_required
@bulk_rate_limited
def lead_import(request):
    """Upload a marketing tool's MQL file: checked and previewed on the shared import pages."""
    form = LeadImportForm(request.POST or None, request.FILES or None)
    refused = upload_refused(request)
    if refused:
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", refused)
    elif request.method == "POST" and form.is_valid():
        try:
            batch = import_batch_create(
                user=request.user,
                kind=LeadSpec.kind,
                uploaded_file=form.cleaned_data["file"],
                number_format=form.cleaned_data["number_format"] or "auto",
                options={"route": form.cleaned_data["route"]},
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("distributors:import-detail", pk=batch.pk)
    return render(
        request, "leads/import.html", {"form": form, "help": import_kind_help(LeadSpec.kind)}
    )


@require_POST
@manufacturer_required
def lead_bulk(request):
    """Assign or route the leads ticked on the list."""
    form = BulkForm(request.POST)
    back = request.POST.get("next") or ""
    if not (
        back.startswith("/leads/")
        and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()})
    ):
        back = reverse("leads:list")
    if not form.is_valid():
        for name, errors in form.errors.items():
            for error in errors:
                messages.error(
                    request, f"{form.fields[name].label if name in form.fields else ''}: {error}"
                )
        return redirect(back)
    ids = list(
        Lead.objects.visible_to(request.user)
        .filter(pk__in=form.cleaned_data["leads"])
        .values_list("pk", flat=True)
    )
    try:
        if form.cleaned_data["action"] == "assign":
            assigned, skipped = services.leads_bulk_assign(
                lead_ids=ids,
                distributor=form.cleaned_data["distributor"],
                by=request.user,
                override_reason=form.cleaned_data["override_reason"],
            )
            messages.success(
                request,
                ngettext("%(count)d lead assigned.", "%(count)d leads assigned.", assigned)
                % {"count": assigned},
            )
        else:
            started = timezone.now()
            routed, left, skipped = services.leads_bulk_route(lead_ids=ids, by=request.user)
            messages.success(
                request,
                " ".join(
                    (
                        ngettext("%(routed)d lead routed.", "%(routed)d leads routed.", routed)
                        % {"routed": routed},
                        ngettext(
                            "%(left)d left in the pool (no distributor fits).",
                            "%(left)d left in the pool (no distributor fits).",
                            left,
                        )
                        % {"left": left},
                    )
                ),
            )
            _say_left(request, selectors.leads_left_in_pool(lead_ids=ids, since=started))
        for lead_id, why in skipped[:10]:
            messages.warning(
                request, _("Lead %(id)d skipped: %(why)s") % {"id": lead_id, "why": why}
            )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(back)


LEFT_NAMED = 20


def _say_left(request, left):
    """Name the leads the run left in the pool, each with why (the first LEFT_NAMED)."""
    for item in left[:LEFT_NAMED]:
        lead = item["lead"]
        messages.warning(
            request,
            _("Left in the pool: %(company)s (lead %(id)d): %(why)s.")
            % {"company": lead.company, "id": lead.pk, "why": item["why"]},
        )
    if len(left) > LEFT_NAMED:
        messages.warning(
            request,
            _("…and %(count)d more left in the pool.") % {"count": len(left) - LEFT_NAMED},
        )


# --- the partner's inbox -----------------------------------------------------------------------


@require_safe
@partner_required
def lead_inbox(request):
    """New and overdue leads first, with the time left to accept; then the open ones it works."""
    form = InboxFilterForm(request.GET or None)
    view = form.cleaned_data.get("view") if form.is_valid() else "open"
    view = view or "open"
    if view == selectors.INBOX_TO_ACCEPT:
        # Exactly the "Waiting for you" to-do's rows (selectors.leads_to_accept).
        leads = selectors.leads_to_accept(user=request.user)
        count = leads.order_by().count
    else:
        leads = selectors.lead_inbox(
            visible_to=request.user, mine=view == "mine", closed=view == "closed"
        )
        scope = {"mine": view == "mine", "closed": view == "closed"}

        def count():
            return selectors.lead_inbox_count(visible_to=request.user, **scope)

    if request.GET.get("format") in ("csv", "xlsx"):
        return _export(request, leads, "my-leads")
    # One distributor's leads: numbered pages are affordable, and the order is not a keyset.
    # The page count comes from a lean count, not from the listed rows' joins.
    paginator = LeanCountPaginator(leads, INBOX_PAGE_SIZE, count=count)
    page = paginator.get_page(request.GET.get("page"))
    waiting, overdue = selectors.lead_inbox_waiting(visible_to=request.user, mine=view == "mine")
    membership = user_membership(request.user)
    return render(
        request,
        "leads/inbox.html",
        {
            "leads": page.object_list,
            "page": page,
            "query": f"view={view}",
            "view": view,
            "now": timezone.now(),
            "distributor": membership.distributor,
            "waiting": waiting,
            "overdue": overdue,
            "criteria": services.criteria_current(),
        },
    )


# --- one lead -------------------------------------------------------------------------------


def _visible_lead(request, pk):
    try:
        return selectors.lead_get(visible_to=request.user, pk=pk)
    except Lead.DoesNotExist as exc:
        raise Http404("No such lead") from exc


def _can_act(request, lead):
    """Whether the partner viewer may act on the lead (its rep rule included)."""
    if not is_partner(request.user):
        return False
    try:
        services._partner_of(lead, request.user)
    except NotAllowed:
        return False
    return True


def _detail_context(request, lead, **forms):
    manufacturer = is_manufacturer(request.user)
    acting = _can_act(request, lead)
    version = services.criteria_current()
    status = lead.status
    S = Lead.Status
    context = {
        "lead": lead,
        "manufacturer": manufacturer,
        "contact_visible": lead.contact_visible_to(request.user),
        "timeline": selectors.lead_timeline(lead=lead, viewer=request.user),
        "history": selectors.lead_history(lead=lead, viewer=request.user)[:50],
        "now": timezone.now(),
        "criteria": version,
        "materials": selectors.materials_for_lead(lead=lead, language=get_language()),
        "qualification": lead.qualifications.select_related("version").first(),
        "registration": getattr(lead, "registration", None),
        "panels": panels.build("lead", lead=lead, viewer=request.user),
    }
    if manufacturer:
        routing_decision = selectors.lead_latest_routing(lead=lead)
        context["routing"] = routing_decision
        context["routing_explained"] = routing.explain(
            routing_decision.explanation if routing_decision else None
        )
        context["rejections"] = LeadRejection.objects.filter(lead=lead).select_related(
            "distributor", "by"
        )
        context["exclusions"] = lead.exclusions.select_related("distributor")
        if status in (S.MQL, S.NEW, S.ASSIGNED):
            context["assign_form"] = forms.get("assign_form") or AssignForm()
        if status in (S.NEW, S.MQL):
            context["lose_form"] = forms.get("lose_form") or LoseForm()
    else:
        context["rated"] = selectors.material_feedback_on_lead(lead=lead, by=request.user)
    if acting:
        if status == S.ASSIGNED:
            context["reject_form"] = forms.get("reject_form") or RejectForm()
        if status == S.ACCEPTED and version is not None:
            context["qualify_form"] = forms.get("qualify_form") or QualifyForm(version=version)
        if status == S.DQL:
            context["convert_form"] = forms.get("convert_form") or ConvertForm()
        if status == S.OPPORTUNITY:
            context["win_form"] = forms.get("win_form") or WinForm(
                initial={"value": lead.opportunity_value}
            )
        if status in (S.ACCEPTED, S.DQL, S.OPPORTUNITY):
            context["lose_form"] = forms.get("lose_form") or LoseForm()
        if status in Lead.OWNED and user_role(request.user) == Role.PARTNER_ADMIN:
            context["hand_form"] = forms.get("hand_form") or HandForm(
                distributor=lead.distributor, initial={"owner": lead.owner_id}
            )
    context["acting"] = acting
    return context


@require_safe
@portal_user_required
def lead_detail(request, pk):
    lead = _visible_lead(request, pk)
    return render(request, "leads/detail.html", _detail_context(request, lead))


def _act(request, pk, *, form_class=None, form_name=None, do, done, form_kwargs=None):
    """POST an act on a visible lead: a bad form shows again with its errors (400), a refused
    act is a 403 or a message, a done act a message and the lead's page."""
    lead = _visible_lead(request, pk)
    form = None
    if form_class is not None:
        form = form_class(request.POST, **(form_kwargs(lead) if form_kwargs else {}))
        if not form.is_valid():
            context = _detail_context(request, lead, **{form_name: form})
            return render(request, "leads/detail.html", context, status=400)
    try:
        do(lead, form.cleaned_data if form else None)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        if form is not None:
            # Shown on the form, with what the user entered still in it; named items of the
            # details (an assignment's warnings) each on a line of their own.
            named = [d["message"] for d in exc.details if isinstance(d, dict) and "message" in d]
            form.add_error(exc.field if exc.field in form.fields else None, [*named, exc.message])
            context = _detail_context(request, lead, **{form_name: form})
            return render(request, "leads/detail.html", context, status=400)
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("leads:detail", pk=lead.pk)


@require_POST
@manufacturer_required
def lead_assign(request, pk):
    return _act(
        request,
        pk,
        form_class=AssignForm,
        form_name="assign_form",
        do=lambda lead, data: services.lead_assign(
            lead=lead,
            distributor=data["distributor"],
            by=request.user,
            note=data["note"],
            override_reason=data["override_reason"],
        ),
        done=_("Lead assigned."),
    )


@require_POST
@manufacturer_required
def lead_route(request, pk):
    def do(lead, data):
        routed = services.lead_route(lead=lead, by=request.user)
        if routed.distributor is None:
            messages.warning(request, _("No distributor fits: the lead stays in the pool."))

    return _act(request, pk, do=do, done=_("Routing done."))


@require_POST
@portal_user_required
def lead_accept(request, pk):
    return _act(
        request,
        pk,
        do=lambda lead, data: services.lead_accept(lead=lead, by=request.user),
        done=_("Lead accepted: its contact details are yours to use."),
    )


@require_POST
@portal_user_required
def lead_reject(request, pk):
    def do(lead, data):
        services.lead_reject(lead=lead, by=request.user, **data)

    response = _act(
        request,
        pk,
        form_class=RejectForm,
        form_name="reject_form",
        do=do,
        done=_("Lead rejected; thank you for the feedback."),
    )
    if response.status_code == 302 and not Lead.objects.visible_to(request.user).filter(pk=pk):
        return redirect("leads:inbox")  # it went back to the pool: no longer ours to see
    return response


@require_POST
@portal_user_required
def lead_qualify(request, pk):
    _visible_lead(request, pk)  # a lead the viewer may not see is a 404 before anything else
    version = services.criteria_current()
    if version is None:
        messages.error(request, _("No qualification criteria are published yet."))
        return redirect("leads:detail", pk=pk)
    return _act(
        request,
        pk,
        form_class=QualifyForm,
        form_name="qualify_form",
        form_kwargs=lambda lead: {"version": version},
        do=lambda lead, data: services.lead_qualify(
            lead=lead, by=request.user, answers=_answers(data), note=data["note"]
        ),
        done=_("Lead qualified (DQL)."),
    )


def _answers(data):
    return {k.removeprefix("c_"): v for k, v in data.items() if k.startswith("c_")}


@require_POST
@portal_user_required
def lead_convert(request, pk):
    return _act(
        request,
        pk,
        form_class=ConvertForm,
        form_name="convert_form",
        do=lambda lead, data: services.lead_convert(lead=lead, by=request.user, **data),
        done=_("Lead converted to an opportunity."),
    )


@require_POST
@portal_user_required
def lead_win(request, pk):
    return _act(
        request,
        pk,
        form_class=WinForm,
        form_name="win_form",
        do=lambda lead, data: services.lead_win(lead=lead, by=request.user, value=data["value"]),
        done=_("Won. Congratulations!"),
    )


@require_POST
@portal_user_required
def lead_lose(request, pk):
    return _act(
        request,
        pk,
        form_class=LoseForm,
        form_name="lose_form",
        do=lambda lead, data: services.lead_lose(lead=lead, by=request.user, **data),
        done=_("Lead closed as lost."),
    )


@require_POST
@portal_user_required
def lead_hand(request, pk):
    return _act(
        request,
        pk,
        form_class=HandForm,
        form_name="hand_form",
        form_kwargs=lambda lead: {"distributor": lead.distributor},
        do=lambda lead, data: services.lead_hand_to_rep(
            lead=lead, rep=data["owner"], by=request.user
        ),
        done=_("Lead handed over."),
    )
