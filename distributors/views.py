"""Portal pages of the distributors app: manager pages, the partner's own page, imports."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from drm.errors import DomainError

from . import selectors, services
from .access import (
    is_manufacturer,
    is_partner,
    manufacturer_required,
    partner_required,
    portal_user_required,
    user_membership,
)
from .exports import csv_response, xlsx_response
from .forms import DistributorFilterForm, DistributorForm, ImportUploadForm
from .imports import SPECS
from .models import Distributor, ImportBatch, Investment

PAGE_SIZE = 25
EXPORT_HEADERS = [
    "code",
    "name",
    "country",
    "region",
    "currency",
    "tier",
    "status",
    "account_manager",
    "contract_start",
    "contract_end",
    "market_potential",
    "revenue_12m_reporting",
]


@require_safe
@portal_user_required
def home(request):
    if is_partner(request.user):
        return redirect("distributors:mine")
    return redirect("distributors:list")


def _filtered_distributors(request):
    form = DistributorFilterForm(request.GET or None)
    filters, search, sort = {}, "", "name"
    if form.is_bound and form.is_valid():
        filters = form.selector_filters()
        search = form.cleaned_data.get("q") or ""
        sort = form.cleaned_data.get("sort") or "name"
    queryset = selectors.distributor_list(
        visible_to=request.user, filters=filters, search=search, sort=sort
    )
    return form, queryset, sort


def _top_revenue_chart(queryset, count=10):
    """Chart.js data: the filtered distributors with the most revenue over 12 months."""
    top = list(queryset.order_by("-revenue_12m", "code")[:count])
    return {
        "labels": [d.code for d in top],
        "datasets": [
            {
                "label": f"Revenue, last 12 months ({settings.REPORTING_CURRENCY})",
                "data": [float(d.revenue_12m) for d in top],
            }
        ],
        "currency": settings.REPORTING_CURRENCY,
    }


@require_safe
@manufacturer_required
def distributor_list(request):
    form, queryset, sort = _filtered_distributors(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = request.GET.copy()
    sort_query.pop("sort", None)
    sort_query.pop("page", None)
    return render(
        request,
        "distributors/list.html",
        {
            "form": form,
            "page": page,
            "sort": sort,
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "reporting_currency": settings.REPORTING_CURRENCY,
            "top_chart": _top_revenue_chart(queryset),
        },
    )


@require_safe
@manufacturer_required
def distributor_export(request):
    _, queryset, _ = _filtered_distributors(request)
    rows = (
        [
            d.code,
            d.name,
            d.country,
            d.region,
            d.currency,
            d.tier.name,
            d.get_status_display(),
            d.account_manager.username if d.account_manager else "",
            d.contract_start.isoformat() if d.contract_start else "",
            d.contract_end.isoformat() if d.contract_end else "",
            float(d.market_potential) if d.market_potential is not None else "",
            float(d.revenue_12m),
        ]
        for d in queryset.iterator(chunk_size=1000)
    )
    if request.GET.get("format") == "xlsx":
        return xlsx_response("distributors", EXPORT_HEADERS, list(rows), sheet="Distributors")
    return csv_response("distributors", EXPORT_HEADERS, rows)


def _detail_context(request, distributor):
    summary = selectors.investment_summary(distributor=distributor)
    return {
        "distributor": distributor,
        "chart": selectors.revenue_chart(distributor=distributor),
        "investments": distributor.investments.order_by("-date")[:12],
        "investment_chart": {
            "labels": [Investment.Kind(row["kind"]).label for row in summary],
            "datasets": [{"label": "Value", "data": [float(row["value"]) for row in summary]}],
        },
        "return_on_investment": selectors.revenue_per_invested(distributor=distributor),
        "members": distributor.memberships.select_related("user").order_by("user__username"),
        "can_edit": is_manufacturer(request.user),
    }


@require_safe
@portal_user_required
def distributor_detail(request, code):
    try:
        distributor = selectors.distributor_get(visible_to=request.user, code=code)
    except Distributor.DoesNotExist as exc:
        raise Http404("No such distributor") from exc
    return render(request, "distributors/detail.html", _detail_context(request, distributor))


@require_safe
@partner_required
def my_distributor(request):
    membership = user_membership(request.user)
    distributor = selectors.distributor_get(
        visible_to=request.user, code=membership.distributor.code
    )
    context = _detail_context(request, distributor)
    context["imports"] = ImportBatch.objects.visible_to(request.user).select_related("uploaded_by")[
        :5
    ]
    return render(request, "distributors/detail.html", context)


def _save_distributor(request, form, *, created):
    distributor = form.save(commit=False)
    try:
        services.distributor_save(
            distributor=distributor,
            by=request.user,
            changed_status=form.cleaned_data["status"],
            territories=form.cleaned_data["territories"],
            product_lines=form.cleaned_data["product_lines"],
        )
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return None
    messages.success(
        request, f"Distributor {distributor.code} {'created' if created else 'saved'}."
    )
    return redirect(distributor)


@require_http_methods(["GET", "POST"])
@manufacturer_required
def distributor_create(request):
    form = DistributorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = _save_distributor(request, form, created=True)
        if response:
            return response
    return render(request, "distributors/form.html", {"form": form, "title": "New distributor"})


@require_http_methods(["GET", "POST"])
@manufacturer_required
def distributor_edit(request, code):
    distributor = get_object_or_404(Distributor.objects.visible_to(request.user), code=code)
    form = DistributorForm(request.POST or None, instance=distributor)
    if request.method == "POST" and form.is_valid():
        response = _save_distributor(request, form, created=False)
        if response:
            return response
    return render(
        request, "distributors/form.html", {"form": form, "title": f"Edit {distributor.code}"}
    )


# --- imports ------------------------------------------------------------------------------


@require_safe
@portal_user_required
def import_list(request):
    batches = (
        ImportBatch.objects.visible_to(request.user)
        .select_related("uploaded_by", "distributor")
        .defer("content", "preview", "errors")
    )
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "distributors/imports/list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@portal_user_required
def import_create(request):
    allow_investments = is_manufacturer(request.user)
    form = ImportUploadForm(
        request.POST or None, request.FILES or None, allow_investments=allow_investments
    )
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.import_batch_create(
                user=request.user,
                kind=form.cleaned_data["kind"],
                uploaded_file=form.cleaned_data["file"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("distributors:import-detail", pk=batch.pk)
    specs = {
        kind: SPECS[kind]
        for kind in (["revenue", "investment"] if allow_investments else ["revenue"])
    }
    return render(request, "distributors/imports/create.html", {"form": form, "specs": specs})


def _visible_batch(request, pk):
    return get_object_or_404(
        ImportBatch.objects.visible_to(request.user).select_related("uploaded_by", "distributor"),
        pk=pk,
    )


def _batch_context(batch):
    done, total, percent = services.import_batch_progress(batch=batch)
    return {"batch": batch, "done": done, "total": total, "percent": percent}


@require_safe
@portal_user_required
def import_detail(request, pk):
    batch = _visible_batch(request, pk)
    return render(request, "distributors/imports/detail.html", _batch_context(batch))


@require_safe
@portal_user_required
def import_status(request, pk):
    batch = _visible_batch(request, pk)
    response = render(request, "distributors/imports/_status.html", _batch_context(batch))
    if not batch.is_running and request.htmx:
        # The check or commit finished: reload the whole page to show preview or errors.
        response["HX-Refresh"] = "true"
    return response


@require_POST
@portal_user_required
def import_commit(request, pk):
    batch = _visible_batch(request, pk)
    try:
        services.import_batch_request_commit(batch=batch, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("distributors:import-detail", pk=batch.pk)


@require_safe
@portal_user_required
def import_template(request, kind):
    spec = SPECS.get(kind)
    if spec is None:
        raise Http404("No such template")
    if kind == "investment" and not is_manufacturer(request.user):
        raise PermissionDenied
    membership = user_membership(request.user)
    code = membership.distributor.code if membership else "DIST-CODE"
    examples = {
        "revenue": [code, "2026-01", "PRODUCT-LINE-CODE", "1250.00", "", "10", "300.00"],
        "investment": [code, "2026-01-15", "market_funds", "5000", "5000", "Spring campaign"],
    }
    headers = list(spec.required + spec.optional)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    response.write(",".join(headers) + "\n" + ",".join(examples[kind]) + "\n")
    return response
