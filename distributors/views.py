"""Portal pages of the distributors app: manager pages, the partner's own page, imports."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from drm import columns as list_columns
from drm import compiled
from drm.errors import DomainError
from drm.exports import csv_response, xlsx_response
from drm.filters import page_form
from drm.formats import year_month
from drm.throttling import bulk_rate_limited
from identity.access import (
    hidden_fields,
    is_manufacturer,
    is_partner,
    manufacturer_required,
    partner_required,
    partner_user_manager_required,
    portal_user_required,
    user_membership,
    viewer_key,
)
from identity.models import Membership
from ingest.templates import csv_template, xlsx_template
from ingest.uploads import upload_refused

from . import record, regions, selectors, services
from .exports import distributor_table
from .filters import DistributorFilter
from .forms import (
    DistributorForm,
    ExchangeRateForm,
    ImportUploadForm,
    PartnerUserFilterForm,
    PartnerUserInviteForm,
    RegionNameFormSet,
    TerritoryForm,
    TierForm,
)
from .imports import (
    CODE_LISTS,
    SPECS,
    RevenueSpec,
    import_kind_help,
    import_preview,
    upload_page_kinds,
)
from .models import Distributor, ExchangeRate, ImportBatch, Territory, Tier

PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 20


@require_safe
@portal_user_required
def home(request):
    if is_partner(request.user):
        return redirect("distributors:mine")
    # The manager's dashboard lives in scoring, above this app: named, never imported.
    try:
        return redirect(reverse("scoring:dashboard"))
    except NoReverseMatch:
        return redirect("distributors:list")


def _filtered_distributors(request):
    """The FilterSet, the distributors it selects, the sort and the scope.

    The page and its export read the same FilterSet as the API (`filters.DistributorFilter`);
    the page's form sends its empty fields, which mean "any" here (the API refuses them). No
    row at all when a value is invalid: an invalid value must never fall back to the unfiltered
    list (an export of everything). The list and its export share this, so they share the scope.
    """
    data = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        given = [value for value in values if value.strip()]
        if given:
            data.setlist(key, given)
    data.setdefault("scope", selectors.distributor_scope_default(user=request.user))
    data.setdefault("sort", "name")
    queryset = selectors.distributor_list(visible_to=request.user, columns=None)
    filterset = DistributorFilter(data, queryset=queryset, request=request)
    if not filterset.is_valid():
        return filterset, queryset.none(), data["sort"], data["scope"]
    return filterset, filterset.qs, data["sort"], filterset.chosen_scope()


def _form_errors_text(form):
    return "\n".join(f"{name}: {error}" for name, errors in form.errors.items() for error in errors)


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


def _sort_link(sort, key, descending_first=False):
    """What a click on a header asks for: the other direction when sorted by it already."""
    first, second = (f"-{key}", key) if descending_first else (key, f"-{key}")
    return second if sort == first else first


@require_safe
@manufacturer_required
def distributor_list(request):
    filterset, queryset, sort, scope = _filtered_distributors(request)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    columns = list_columns.registered()
    for row in page.object_list:
        row.contract_cell = list_columns.contract_cell(row, today)
        row.column_cells = [column.cell(row) for column in columns]
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = request.GET.copy()
    sort_query.pop("sort", None)
    sort_query.pop("page", None)
    # Tabs keep the other filters; the manager filter would override "mine", so it goes.
    scope_tabs = []
    for value, label in selectors.DistributorScope.choices:
        tab_query = request.GET.copy()
        for key in ("page", "scope", "manager"):
            tab_query.pop(key, None)
        tab_query["scope"] = value
        scope_tabs.append({"value": value, "label": label, "query": tab_query.urlencode()})
    sort_links = {
        key: _sort_link(sort, key, descending_first=key in ("revenue", "potential"))
        for key in ("code", "name", "country", "tier", "status", "manager", "contract")
        + ("revenue", "potential")
    }
    form = page_form(filterset)
    return render(
        request,
        "distributors/list.html",
        {
            "form": form,
            "page": page,
            "sort": sort,
            "sort_links": sort_links,
            "columns": [
                {
                    "column": column,
                    "sort": _sort_link(sort, column.key, column.descending_first),
                    "active": sort.lstrip("-") == column.key,
                }
                for column in columns
            ],
            "scope": scope,
            "scope_tabs": scope_tabs,
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
            "reporting_currency": settings.REPORTING_CURRENCY,
            "top_chart": _top_revenue_chart(queryset),
            "hidden_fields": hidden_fields(request.user, Distributor),
        },
    )


@require_safe
@manufacturer_required
def distributor_export(request):
    filterset, queryset, _sort, _scope = _filtered_distributors(request)
    if filterset.errors:
        return HttpResponseBadRequest(
            _("Invalid filter, nothing exported:") + "\n" + _form_errors_text(filterset.form),
            content_type="text/plain; charset=utf-8",
        )
    headers, rows = distributor_table(queryset.iterator(chunk_size=1000), viewer=request.user)
    if request.GET.get("format") == "xlsx":
        return xlsx_response("distributors", headers, list(rows), sheet="Distributors")
    return csv_response("distributors", headers, rows)


def _detail_context(request, distributor):
    """The 360° record: the contract up top, then each app's section (record.sections), one
    timeline, the profile and its full change history."""
    today = timezone.localdate()
    days_left = distributor.contract_days_left(today)
    record.share_within_page(distributor)
    return {
        "distributor": distributor,
        "contract_state": distributor.contract_state(today),
        "contract_days_left": days_left,
        "contract_days_ago": -days_left if days_left is not None and days_left < 0 else None,
        "renewal_days": settings.CONTRACT_RENEWAL_DAYS,
        "sections": record.sections(distributor, request.user, today=today),
        "timeline": record.timeline(distributor, request.user),
        "members": compiled.rows(
            "distributors.record.members",
            lambda distributor: (
                Membership.objects.filter(distributor=distributor)
                .select_related("user")
                .order_by("user__username", "pk")
            ),
            distributor=distributor,
        ),
        "can_edit": is_manufacturer(request.user),
        "hidden_fields": hidden_fields(request.user, Distributor),
        "history": Paginator(
            selectors.distributor_history(distributor=distributor, viewer=request.user),
            HISTORY_PAGE_SIZE,
        ).get_page(request.GET.get("history_page")),
    }


@require_safe
@portal_user_required
def distributor_pick(request):
    """The distributors in the caller's sight whose code or name holds `?q=` (JSON), for the
    pickers that search as one types; `?status=` (repeated) keeps those in a status."""
    statuses = [s for s in request.GET.getlist("status") if s in Distributor.Status.values]
    rows = selectors.distributor_pick(
        visible_to=request.user, query=request.GET.get("q", "")[:100], statuses=statuses
    )
    return JsonResponse(
        {"results": [{"value": code, "text": f"{code} · {name}"} for code, name in rows]}
    )


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
    context["todos"] = record.todos(request.user, distributor=distributor)
    context["imports"] = compiled.rows(
        ("distributors.record.imports", viewer_key(request.user)),
        lambda: (
            ImportBatch.objects.visible_to(request.user)
            .select_related("uploaded_by")
            .defer("content", "errors_csv")[:5]
        ),
    )
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
    distributor = get_object_or_404(
        Distributor.objects.visible_to(request.user), code__caseless=code
    )
    form = DistributorForm(request.POST or None, instance=distributor)
    if request.method == "POST" and form.is_valid():
        response = _save_distributor(request, form, created=False)
        if response:
            return response
    return render(
        request, "distributors/form.html", {"form": form, "title": f"Edit {distributor.code}"}
    )


# --- partner users ------------------------------------------------------------------------


@require_GET
@partner_user_manager_required
def partner_user_list(request):
    form = PartnerUserFilterForm(request.GET or None) if is_manufacturer(request.user) else None
    distributor = form.cleaned_data["distributor"] if form and form.is_valid() else None
    memberships = selectors.partner_user_list(visible_to=request.user, distributor=distributor)
    page = Paginator(memberships, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "distributors/users/list.html",
        {"form": form, "page": page, "query": query.urlencode(), "me": request.user},
    )


@require_http_methods(["GET", "POST"])
@partner_user_manager_required
def partner_user_invite(request):
    form = PartnerUserInviteForm(
        request.POST or None, for_manufacturer=is_manufacturer(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.partner_user_invite(
                by=request.user,
                site_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": user.email})
            return redirect("distributors:users")
    return render(request, "distributors/users/invite.html", {"form": form})


@require_POST
@partner_user_manager_required
def partner_user_deactivate(request, user_id):
    try:
        membership = selectors.partner_user_get(visible_to=request.user, user_id=user_id)
    except Membership.DoesNotExist as exc:
        raise Http404("No such user") from exc
    try:
        services.partner_user_deactivate(by=request.user, user=membership.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("%(user)s can no longer log in.") % {"user": membership.user.email}
        )
    return redirect("distributors:users")


# --- tiers and territories ----------------------------------------------------------------


def _reference_form_page(request, form, *, save, title, list_url, delete_url=None):
    """GET shows the form; a valid POST goes through `save` (a service) or shows why not."""
    if request.method == "POST" and form.is_valid():
        instance = form.save(commit=False)
        try:
            save(instance)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": instance})
            return redirect(list_url)
    return render(
        request,
        "distributors/form.html",
        {"form": form, "title": title, "cancel_url": list_url, "delete_url": delete_url},
    )


def _delete_reference(request, instance, delete):
    name = str(instance)
    try:
        delete()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(name)s deleted.") % {"name": name})


@require_GET
@manufacturer_required
def tier_list(request):
    return render(request, "distributors/tiers/list.html", {"tiers": selectors.tier_list()})


@require_http_methods(["GET", "POST"])
@manufacturer_required
def tier_create(request):
    return _reference_form_page(
        request,
        TierForm(request.POST or None),
        save=lambda row: services.tier_save(tier=row, by=request.user),
        title=_("New tier"),
        list_url=reverse("distributors:tiers"),
    )


@require_http_methods(["GET", "POST"])
@manufacturer_required
def tier_edit(request, code):
    tier = get_object_or_404(Tier, code=code)
    return _reference_form_page(
        request,
        TierForm(request.POST or None, instance=tier),
        save=lambda row: services.tier_save(tier=row, by=request.user),
        title=_("Edit tier %(code)s") % {"code": tier.code},
        list_url=reverse("distributors:tiers"),
        delete_url=reverse("distributors:tier-delete", args=[tier.code]),
    )


@require_POST
@manufacturer_required
def tier_delete(request, code):
    tier = get_object_or_404(Tier, code=code)
    _delete_reference(request, tier, lambda: services.tier_delete(tier=tier, by=request.user))
    return redirect("distributors:tiers")


@require_GET
@manufacturer_required
def territory_list(request):
    territories = selectors.territory_list(visible_to=request.user)
    page = Paginator(territories, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "distributors/territories/list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@manufacturer_required
def territory_create(request):
    return _reference_form_page(
        request,
        TerritoryForm(request.POST or None),
        save=lambda row: services.territory_save(territory=row, by=request.user),
        title=_("New territory"),
        list_url=reverse("distributors:territories"),
    )


@require_http_methods(["GET", "POST"])
@manufacturer_required
def territory_edit(request, code):
    territory = get_object_or_404(Territory.objects.visible_to(request.user), code=code)
    return _reference_form_page(
        request,
        TerritoryForm(request.POST or None, instance=territory),
        save=lambda row: services.territory_save(territory=row, by=request.user),
        title=_("Edit territory %(code)s") % {"code": territory.code},
        list_url=reverse("distributors:territories"),
        delete_url=reverse("distributors:territory-delete", args=[territory.code]),
    )


@require_POST
@manufacturer_required
def territory_delete(request, code):
    territory = get_object_or_404(Territory.objects.visible_to(request.user), code=code)
    _delete_reference(
        request,
        territory,
        lambda: services.territory_delete(territory=territory, by=request.user),
    )
    return redirect("distributors:territories")


@require_http_methods(["GET", "POST"])
@manufacturer_required
def region_list(request):
    """Every region written on a distributor or a territory, with its French name to set."""
    rows = regions.regions_in_use()
    initial = [{"name": row["name"], "name_fr": row["fr"]} for row in rows]
    formset = RegionNameFormSet(request.POST or None, initial=initial, prefix="regions")
    if request.method == "POST" and formset.is_valid():
        names = {form.cleaned_data["name"]: form.cleaned_data["name_fr"] for form in formset}
        try:
            services.region_names_save(names=names, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("French names of the regions saved."))
            return redirect("distributors:regions")
    counts = {row["name"].lower(): row for row in rows}
    lines = [(form, counts.get(str(form["name"].value()).lower())) for form in formset]
    return render(request, "distributors/regions.html", {"formset": formset, "lines": lines})


# --- imports ------------------------------------------------------------------------------


@require_safe
@portal_user_required
def import_list(request):
    batches = (
        ImportBatch.objects.visible_to(request.user)
        .select_related("uploaded_by", "distributor")
        .defer("content", "errors_csv", "preview", "errors")
    )
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "distributors/imports/list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@portal_user_required
@bulk_rate_limited
def import_create(request):
    kinds = upload_page_kinds(manufacturer=is_manufacturer(request.user))
    # `?kind=` preselects one (the training page's "Import from an LMS export" link).
    asked = request.GET.get("kind")
    initial = {"kind": asked} if asked in kinds else {}
    form = ImportUploadForm(
        request.POST or None, request.FILES or None, kinds=kinds, initial=initial
    )
    refused = upload_refused(request)
    if refused:
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", refused)
    elif request.method == "POST" and form.is_valid():
        try:
            batch = services.import_batch_create(
                user=request.user,
                kind=form.cleaned_data["kind"],
                uploaded_file=form.cleaned_data["file"],
                number_format=form.cleaned_data["number_format"] or "auto",
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("distributors:import-detail", pk=batch.pk)
    return render(
        request,
        "distributors/imports/create.html",
        {"form": form, "helps": [import_kind_help(kind) for kind in kinds]},
    )


def _visible_batch(request, pk):
    return get_object_or_404(
        ImportBatch.objects.visible_to(request.user)
        .select_related("uploaded_by", "distributor")
        .defer("content", "errors_csv"),
        pk=pk,
    )


def _batch_context(batch):
    done, total, percent = services.import_batch_progress(batch=batch)
    return {"batch": batch, "done": done, "total": total, "percent": percent}


def _preview_context(batch):
    """The preview's rows as the reader reads them: the changes to stored rows, old → new, and
    the first rows of the file; the counts of new, changed and unchanged rows."""
    spec = SPECS[batch.kind]
    headers, rows = import_preview(
        spec, batch.preview or [], default_currency=settings.REPORTING_CURRENCY
    )
    replaces = bool(spec.update_columns)
    return {
        "preview_headers": headers,
        "changes": [(row, cells) for row, cells in rows if row.get("status") == "changed"],
        "first_rows": [(row, cells) for row, cells in rows][: services.PREVIEW_ROWS],
        "replaces": replaces,
        "counts": {
            "new": batch.created_rows,
            "changed": batch.updated_rows if replaces else 0,
            "skipped": 0 if replaces else batch.updated_rows,
            "unchanged": max(batch.total_rows - batch.created_rows - batch.updated_rows, 0)
            if replaces
            else 0,
        },
    }


@require_safe
@portal_user_required
def import_detail(request, pk):
    batch = _visible_batch(request, pk)
    context = _batch_context(batch)
    if batch.preview:
        context.update(_preview_context(batch))
    return render(request, "distributors/imports/detail.html", context)


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
def import_errors(request, pk):
    """Every error of a checked file, as CSV (the page shows the first ones)."""
    batch = _visible_batch(request, pk)
    response = HttpResponse(
        services.import_batch_errors_csv(batch=batch), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
    return response


@require_safe
@portal_user_required
def import_template(request, kind, file_format="csv"):
    """A file to fill: the headers, an example row marked as one (CSV) or a sheet that explains
    each column (XLSX). Uploaded as it is, it checks cleanly with no row to import."""
    spec = SPECS.get(kind)
    if spec is None:
        raise Http404("No such template")
    if spec.manufacturer_only and not is_manufacturer(request.user):
        raise PermissionDenied
    if file_format == "xlsx":
        codes_url = request.build_absolute_uri(reverse("distributors:import-codes"))
        response = HttpResponse(
            xlsx_template(spec, codes_url=codes_url),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(csv_template(spec), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.{file_format}"'
    return response


CODES_PAGE_SIZE = 100


@require_safe
@portal_user_required
def import_codes(request):
    """The codes an import file may use, each list as its reader may see it: a partner sees its
    own distributor and territories only, and not the lists of imports it does not make."""
    manufacturer = is_manufacturer(request.user)
    lists = []
    for code_list in CODE_LISTS.values():
        if code_list.manufacturer_only and not manufacturer:
            continue
        rows = code_list.rows(request.user)
        page = Paginator(rows, CODES_PAGE_SIZE).get_page(request.GET.get(f"{code_list.key}_page"))
        lists.append({"key": code_list.key, "title": code_list.title, "page": page})
    return render(request, "distributors/imports/codes.html", {"lists": lists})


# --- exchange rates -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@manufacturer_required
def exchange_rates(request):
    """Stored rates, the ones revenue still lacks, and a form to set one (re-prices revenue)."""
    initial = {k: request.GET[k] for k in ("currency", "month") if request.GET.get(k)}
    form = ExchangeRateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.exchange_rate_set(**form.cleaned_data, by=request.user)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("Rate saved: %(currency)s %(month)s; the revenue it applies to is re-priced.")
                % {
                    "currency": form.cleaned_data["currency"].upper(),
                    "month": year_month(form.cleaned_data["month"]),
                },
            )
            return redirect("distributors:exchange-rates")
    page = Paginator(selectors.exchange_rate_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "missing": selectors.missing_exchange_rates(),
        "reporting_currency": settings.REPORTING_CURRENCY,
        "max_age": settings.EXCHANGE_RATE_MAX_AGE_MONTHS,
    }
    return render(request, "distributors/exchange_rates.html", context)


@require_POST
@manufacturer_required
def exchange_rate_delete(request, pk):
    rate = get_object_or_404(ExchangeRate, pk=pk)
    try:
        services.exchange_rate_delete(rate=rate, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("distributors:exchange-rates")


# --- revenue report -----------------------------------------------------------------------


@require_safe
@portal_user_required
def revenue_report(request, code=None):
    """Revenue by month and product line, and the months not reported yet; CSV/XLSX export.

    A partner sees its own distributor (`/my/revenue/`); the manufacturer any (by code).
    """
    if code is None:
        membership = user_membership(request.user)
        if membership is None:
            raise Http404("No distributor")
        code = membership.distributor.code
    try:
        distributor = selectors.distributor_get(visible_to=request.user, code=code)
    except Distributor.DoesNotExist as exc:
        raise Http404("No such distributor") from exc
    report = selectors.revenue_report(distributor=distributor)
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        return _revenue_export(distributor, report["window"], export)
    context = {
        "distributor": distributor,
        "report": report,
        "reporting_currency": settings.REPORTING_CURRENCY,
    }
    return render(request, "distributors/revenue_report.html", context)


def _revenue_export(distributor, window, file_format):
    """The distributor's stored revenue rows, one per month, product line and customer
    category, under the revenue import's columns (headers in the reader's language, which the
    import reads too): the file can be imported again as it is."""
    values = {
        "distributor": lambda row: distributor.code,
        "month": lambda row: row["month"].strftime("%Y-%m"),
        "product_line": lambda row: row["product_line__code"],
        "customer_category": lambda row: row["customer_category__code"] or "",
        "currency": lambda row: row["currency"],
        "amount": lambda row: row["amount"],
        "units": lambda row: row["units"],
        "margin": lambda row: row["margin"],
        "reporting_currency": lambda row: settings.REPORTING_CURRENCY,
        "reporting_amount": lambda row: row["reporting_amount"],
    }
    columns = RevenueSpec.columns
    headers = [str(column.header()) for column in columns]
    rows = [
        [values[column.name](row) for column in columns]
        for row in selectors.revenue_records(distributor=distributor, window=window)
    ]
    name = f"revenue-{distributor.code}-{window.first:%Y-%m}-{window.last:%Y-%m}"
    if file_format == "xlsx":
        return xlsx_response(name, headers, rows, sheet=str(gettext_lazy("Revenue")))
    return csv_response(name, headers, rows)
