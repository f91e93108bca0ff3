"""The training pages: the course catalogue (every portal user), certifications and courses kept
by the manufacturer, the completions recorded for partner users (by the manufacturer or a
partner admin for its team) and the certificates they hold; a partner sees its own people."""

import os

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from drm.acts import act, form_refusal
from drm.errors import DomainError
from drm.filters import page_data, page_form
from identity.access import (
    Role,
    is_manufacturer,
    manufacturer_required,
    portal_user_required,
    user_role,
)

from .. import selectors, services
from ..filters import (
    AgreementStandingFilter,
    CertificateFilter,
    CompletionFilter,
    CourseFilter,
)
from ..forms import AcceptForm, AgreementForm, CertificationForm, CompletionForm, CourseForm
from ..models import AgreementVersion, Certification, Completion, Course

PAGE_SIZE = 50


def may_record(user):
    """Who records completions: the manufacturer, and a partner admin for its own team."""
    return is_manufacturer(user) or user_role(user) == Role.PARTNER_ADMIN


def _page(request, template, context, status=200):
    context = {
        "manufacturer": is_manufacturer(request.user),
        "may_record": may_record(request.user),
        "today": timezone.localdate(),
        **context,
    }
    return render(request, template, context, status=status)


def _filtered(request, filterset_class, queryset):
    filterset = filterset_class(page_data(request.GET) or None, queryset=queryset, request=request)
    valid = not filterset.is_bound or filterset.is_valid()
    rows = filterset.qs if valid else queryset.none()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return filterset, page, query.urlencode(), valid


# --- the catalogue -----------------------------------------------------------------------------


@require_safe
@portal_user_required
def course_list(request):
    courses = selectors.course_list(visible_to=request.user).order_by("title", "pk")
    filterset, page, query, valid = _filtered(request, CourseFilter, courses)
    return _page(
        request,
        "partnership/courses.html",
        {"form": page_form(filterset), "page": page, "query": query},
        status=200 if valid else 400,
    )


def _visible_course(request, pk):
    return get_object_or_404(selectors.course_list(visible_to=request.user), pk=pk)


@require_safe
@portal_user_required
def course_detail(request, pk):
    course = _visible_course(request, pk)
    completions = (
        selectors.completion_list(visible_to=request.user)
        .filter(course=course)
        .order_by("-completed_on", "-pk")
    )
    page = Paginator(completions, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "partnership/course.html", {"course": course, "page": page})


@require_safe
@portal_user_required
def course_material(request, pk):
    """A course's material, to any portal user who may see the course, as an attachment."""
    course = _visible_course(request, pk)
    if not course.material:
        raise Http404
    return FileResponse(
        course.material.open("rb"),
        as_attachment=True,
        filename=os.path.basename(course.material.name),
    )


def _course_initial(course):
    return {
        "code": course.code,
        "title": course.title,
        "description": course.description,
        "language": course.language,
        "duration_minutes": course.duration_minutes,
        "url": course.url,
        "certification": course.certification,
        "product_lines": list(course.product_lines.all()),
        "active": course.active,
    }


def _course_form(request, course=None):
    form = CourseForm(
        request.POST or None,
        request.FILES or None,
        initial=_course_initial(course) if course else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.course_save(by=request.user, course=course, **form.cleaned_data)
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("The course is saved in the catalogue."))
            return redirect("partnership:course", pk=saved.pk)
    status = 400 if request.method == "POST" else 200
    return _page(
        request, "partnership/course_form.html", {"form": form, "course": course}, status=status
    )


@require_http_methods(["GET", "POST"])
@manufacturer_required
def course_create(request):
    return _course_form(request)


@require_http_methods(["GET", "POST"])
@manufacturer_required
def course_edit(request, pk):
    return _course_form(request, get_object_or_404(Course, pk=pk))


# --- certifications ----------------------------------------------------------------------------


@require_safe
@portal_user_required
def certification_list(request):
    certifications = selectors.certification_list()
    return _page(request, "partnership/certifications.html", {"certifications": certifications})


def _certification_form(request, certification=None):
    initial = None
    if certification is not None:
        initial = {
            name: getattr(certification, name)
            for name in ("code", "name", "name_fr", "passing", "passing_fr", "validity_months")
        }
        initial["product_lines"] = list(certification.product_lines.all())
    form = CertificationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.certification_save(
                by=request.user, certification=certification, **form.cleaned_data
            )
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("The certification is saved."))
            return redirect("partnership:certifications")
    status = 400 if request.method == "POST" else 200
    return _page(
        request,
        "partnership/certification_form.html",
        {"form": form, "certification": certification},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@manufacturer_required
def certification_create(request):
    return _certification_form(request)


@require_http_methods(["GET", "POST"])
@manufacturer_required
def certification_edit(request, pk):
    return _certification_form(request, get_object_or_404(Certification, pk=pk))


# --- completions and certificates --------------------------------------------------------------


@require_safe
@portal_user_required
def completion_list(request):
    completions = selectors.completion_list(visible_to=request.user).order_by(
        "-completed_on", "-pk"
    )
    filterset, page, query, valid = _filtered(request, CompletionFilter, completions)
    return _page(
        request,
        "partnership/completions.html",
        {"form": page_form(filterset), "page": page, "query": query},
        status=200 if valid else 400,
    )


@require_http_methods(["GET", "POST"])
@portal_user_required
def completion_create(request):
    if not may_record(request.user):
        raise PermissionDenied
    initial = {"completed_on": timezone.localdate()}
    course = request.GET.get("course")
    if course and course.isdigit():
        initial["course"] = course
    form = CompletionForm(request.POST or None, viewer=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            completion = services.completion_record(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(
                request,
                _("%(course)s is recorded for %(person)s.")
                % {
                    "course": completion.course.title,
                    "person": completion.user.get_full_name() or completion.user.get_username(),
                },
            )
            return redirect(reverse("partnership:completions"))
    status = 400 if request.method == "POST" else 200
    return _page(request, "partnership/completion_form.html", {"form": form}, status=status)


@require_POST
@portal_user_required
def completion_delete(request, pk):
    completion = get_object_or_404(Completion.objects.visible_to(request.user), pk=pk)
    return act(
        request,
        reverse("partnership:completions"),
        lambda: services.completion_delete(completion=completion, by=request.user),
        _("The completion is taken back."),
    )


@require_safe
@portal_user_required
def certificate_list(request):
    today = timezone.localdate()
    rows = selectors.certificate_list(visible_to=request.user)
    filterset, page, query, valid = _filtered(request, CertificateFilter, rows)
    page.object_list = selectors.certificates_read(page.object_list, today)
    return _page(
        request,
        "partnership/certificates.html",
        {"form": page_form(filterset), "page": page, "query": query},
        status=200 if valid else 400,
    )


# --- the partner agreement ---------------------------------------------------------------------


@require_safe
@portal_user_required
def agreement(request):
    return _agreement_page(request)


def _agreement_page(request, accept_form=None, status=200):
    """The current agreement: the manager's view of who accepted it, the partner's own
    acceptance (and, for a partner admin, the way to accept)."""
    current = services.agreement_current()
    manufacturer = is_manufacturer(request.user)
    context = {"current": current, "tab": "agreement"}
    if manufacturer:
        context["versions"] = AgreementVersion.objects.all()[:20]
        if current is not None:
            standing = selectors.agreement_standing(version=current, visible_to=request.user)
            counts = standing.aggregate(
                total=Count("pk"), accepted=Count("pk", filter=Q(accepted_at__isnull=False))
            )
            filterset, page, query, valid = _filtered(request, AgreementStandingFilter, standing)
            if not valid:
                status = 400
            context.update(page=page, query=query, counts=counts, form=page_form(filterset))
    else:
        acceptances = selectors.acceptance_list(visible_to=request.user)
        context["acceptances"] = acceptances[:20]
        context["accepted"] = (
            acceptances.filter(version=current).first() if current is not None else None
        )
        if current is not None and context["accepted"] is None and may_record(request.user):
            context["accept_form"] = accept_form or AcceptForm(initial={"version": current.pk})
    return _page(request, "partnership/agreement.html", context, status=status)


@require_http_methods(["GET", "POST"])
@manufacturer_required
def agreement_publish(request):
    current = services.agreement_current()
    initial = None
    if current is not None:
        initial = {
            "title": current.title,
            "title_fr": current.title_fr,
            "body": current.body,
            "body_fr": current.body_fr,
        }
    form = AgreementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.agreement_publish(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(
                request,
                _("Version %(number)s is published; every partner admin is asked to accept it.")
                % {"number": version.number},
            )
            return redirect("partnership:agreement")
    status = 400 if request.method == "POST" else 200
    return _page(
        request,
        "partnership/agreement_form.html",
        {"form": form, "current": current},
        status=status,
    )


@require_safe
@portal_user_required
def agreement_version(request, number):
    version = get_object_or_404(AgreementVersion, number=number)
    return _page(
        request,
        "partnership/agreement_version.html",
        {"version": version, "current": services.agreement_current()},
    )


@require_POST
@portal_user_required
def agreement_accept(request):
    form = AcceptForm(request.POST)
    if not form.is_valid():
        return _agreement_page(request, accept_form=form, status=400)
    version = AgreementVersion.objects.filter(pk=form.cleaned_data["version"]).first()
    if version is None:
        raise Http404
    return act(
        request,
        reverse("partnership:agreement"),
        lambda: services.agreement_accept(version=version, by=request.user),
        _("You accepted the partner agreement for your distributor."),
    )
