"""A distributor's pages: the quarterly review on one screen, the manager's activity log and the
contract annex PDF."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from distributors.models import Distributor
from drm.errors import DomainError
from identity.access import is_manufacturer, manufacturer_required, portal_user_required

from .. import selectors, services
from ..annex import annex_pdf
from ..forms import ActivityForm
from ..models import Activity

PAGE_SIZE = 50


def _distributor_or_404(request, code):
    distributor = selectors.distributor_for_viewer(request.user, code)
    if distributor is None:
        raise Http404
    return distributor


@require_safe
@portal_user_required
def quarterly_review(request, code):
    distributor = _distributor_or_404(request, code)
    quarter = selectors.quarterly_review(
        distributor=distributor, quarter=request.GET.get("quarter")
    )
    landmarks = {}
    for figures in quarter.goals:
        landmarks[figures.goal.pk] = list(figures.goal.landmarks.all())
    return render(
        request,
        "goals/quarterly.html",
        {
            "quarter": quarter,
            "distributor": distributor,
            "rows": [(figures, landmarks[figures.goal.pk]) for figures in quarter.goals],
            "manufacturer": is_manufacturer(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@manufacturer_required
def activity_log(request):
    """The manager's activity log; `?distributor=code` (from a distributor's record) lists that
    distributor's activities and starts the form on it. An unknown code lists nothing."""
    code = request.GET.get("distributor", "").strip()
    distributor = Distributor.objects.filter(code__caseless=code).first() if code else None
    form = ActivityForm(
        request.POST or None, initial={"distributor": distributor.code} if distributor else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_record(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Activity logged."))
            return redirect("goals:activities")
    activities = Activity.objects.select_related("manager", "distributor").order_by("-date", "-id")
    status = 400 if form.errors else 200
    if code:
        if distributor is None:
            messages.error(request, _("No distributor has the code %(code)s.") % {"code": code})
            activities, status = activities.none(), 400
        else:
            activities = activities.filter(distributor=distributor)
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "goals/activities.html",
        {"form": form, "page": page, "distributor": distributor},
        status=status,
    )


@require_safe
@portal_user_required
def annex_download(request, code, year):
    distributor = _distributor_or_404(request, code)
    goals = selectors.annex_goals(distributor=distributor, year=year)
    if not goals:
        return render(
            request,
            "goals/annex_none.html",
            {"distributor": distributor, "year": year},
            status=404,
        )
    pdf = annex_pdf(distributor=distributor, year=year, goals=goals)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="annex-{distributor.code}-{year}.pdf"'
    return response
