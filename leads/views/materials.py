"""Catalogue pages: sales materials, products and promotions, and the partners' ratings of them.

Managers keep the catalogue and read every distributor's feedback; partners see the active
items, download them, and rate them from the item's page or in context, from a lead's page
(templates/leads/materials/_on_lead.html).
"""

import os

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from drm import panels
from drm.errors import DomainError
from identity.access import (
    is_manufacturer,
    manufacturer_required,
    partner_required,
    portal_user_required,
)
from ingest.uploads import upload_refused

from .. import selectors, services
from ..forms import MaterialFilterForm, MaterialForm, MaterialRateForm
from ..models import Lead, Material
from .leads import query_without

PAGE_SIZE = 50
FEEDBACK_PAGE_SIZE = 50


def _visible_material(request, pk):
    try:
        return selectors.material_get(visible_to=request.user, pk=pk)
    except Material.DoesNotExist as exc:
        raise Http404("No such item") from exc


def _form_errors_text(form):
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _stage_chart(rows, *, by_kind):
    """Chart.js data: average rating per sales stage, one bar series per kind of item (or one
    series for a single item)."""
    stages = Material.Stage
    cells = {(row.get("material__kind"), row["stage"]): row for row in rows}
    series = [(kind, str(kind.label)) for kind in Material.Kind] if by_kind else [(None, "")]
    datasets = []
    for kind, label in series:
        data = [cells.get((kind, stage)) for stage in stages.values]
        if not any(data):
            continue
        datasets.append(
            {
                "label": label or _("Average rating"),
                "data": [round(cell["average"], 2) if cell else None for cell in data],
            }
        )
    return {
        "labels": [str(stage.label) for stage in stages],
        "datasets": datasets,
        "decimals": 1,
        "max": 5,
    }


@require_safe
@portal_user_required
def material_list(request):
    manufacturer = is_manufacturer(request.user)
    form = MaterialFilterForm(request.GET or None)
    # An invalid filter lists nothing (and says why), never the whole catalogue.
    invalid = form.is_bound and not form.is_valid()
    filters = form.selector_filters() if form.is_bound and not invalid else {}
    if invalid:
        materials = Material.objects.none()
    else:
        materials = selectors.material_list(viewer=request.user, filters=filters)
    page = Paginator(materials, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "query": query_without(request, "page"),
        "manufacturer": manufacturer,
        "panels": panels.build(
            "materials", product_line=filters.get("product_line"), viewer=request.user
        ),
    }
    if manufacturer:
        context["stages"] = Material.Stage
        context["matrix"] = selectors.material_rating_matrix(
            visible_to=request.user, materials=page.object_list
        )
        if not invalid:
            rows = selectors.material_stage_ratings(visible_to=request.user, filters=filters)
            context["chart"] = _stage_chart(rows, by_kind=True)
    return render(request, "leads/materials/list.html", context)


def _material_form(request, material, *, title):
    form = MaterialForm(request.POST or None, request.FILES or None, instance=material)
    refused = upload_refused(request)
    if refused:
        # Stopped while streaming in (past IMPORT_MAX_BYTES): far past the catalogue's own limit.
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", services.material_too_large_message())
    elif request.method == "POST" and form.is_valid():
        try:
            saved = services.material_save(material=form.save(commit=False), by=request.user)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("“%(title)s” is saved.") % {"title": saved.title})
            return redirect("leads:material-detail", pk=saved.pk)
    return render(
        request,
        "leads/materials/form.html",
        {"form": form, "title": title, "material": material if material.pk else None},
    )


@require_http_methods(["GET", "POST"])
@manufacturer_required
def material_create(request):
    return _material_form(request, Material(), title=_("New catalogue item"))


@require_http_methods(["GET", "POST"])
@manufacturer_required
def material_edit(request, pk):
    material = _visible_material(request, pk)
    title = _("Edit “%(title)s”") % {"title": material.title}
    return _material_form(request, material, title=title)


def _detail_context(request, material, *, rate_form=None):
    manufacturer = is_manufacturer(request.user)
    feedback = Paginator(
        selectors.material_feedback_list(visible_to=request.user, material=material),
        FEEDBACK_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    context = {"material": material, "manufacturer": manufacturer, "feedback": feedback}
    if manufacturer:
        rows = selectors.material_ratings(visible_to=request.user, material=material)
        context["stage_ratings"] = [
            {**row, "label": Material.Stage(row["stage"]).label} for row in rows
        ]
        context["chart"] = _stage_chart(rows, by_kind=False)
    else:
        context["rate_form"] = rate_form or MaterialRateForm()
    return context


@require_safe
@portal_user_required
def material_detail(request, pk):
    material = _visible_material(request, pk)
    return render(request, "leads/materials/detail.html", _detail_context(request, material))


@require_POST
@partner_required
def material_rate(request, pk):
    """Rate an item; from a lead's page (`lead` in the POST) the rating counts for the lead's
    stage and the partner goes back to the lead."""
    material = _visible_material(request, pk)
    form = MaterialRateForm(request.POST)
    valid = form.is_valid()
    lead = None
    lead_id = form.cleaned_data.get("lead") if "lead" not in form.errors else None
    if lead_id:
        # Another distributor's lead answers like one that does not exist.
        lead = Lead.objects.visible_to(request.user).filter(pk=lead_id).first()
        if lead is None:
            raise Http404("No such lead")
    if valid:
        try:
            services.material_rate(
                material=material,
                by=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                lead=lead,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request, _("Your rating of “%(title)s” is saved.") % {"title": material.title}
            )
            if lead is not None:
                return redirect("leads:detail", pk=lead.pk)
            return redirect("leads:material-detail", pk=material.pk)
    if lead is not None:
        messages.error(
            request,
            _("Your rating of “%(title)s” is not saved: %(errors)s")
            % {"title": material.title, "errors": _form_errors_text(form)},
        )
        return redirect("leads:detail", pk=lead.pk)
    return render(
        request, "leads/materials/detail.html", _detail_context(request, material, rate_form=form)
    )


def _download_name(material):
    """The title, made safe for any file system and header, with the stored file's extension."""
    extension = os.path.splitext(material.file.name)[1].lower()
    if not extension[1:].isalnum():
        extension = ""
    return f"{slugify(material.title)[:80].strip('-') or 'material'}{extension}"


@require_safe
@portal_user_required
def material_file(request, pk):
    """The item's file, sent by the portal (never from a public media URL): partners only for
    active items."""
    material = _visible_material(request, pk)
    if not material.file:
        raise Http404("This item has no file")
    try:
        handle = material.file.storage.open(material.file.name, "rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage") from exc
    response = FileResponse(handle, as_attachment=True, filename=_download_name(material))
    response["Cache-Control"] = "private, no-store"
    return response
