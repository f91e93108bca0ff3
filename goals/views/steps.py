"""The action steps list: every step the viewer may see across goals, filtered by owner, state
and distributor, each linked to its goal."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from drm.filters import page_data, page_form
from identity.access import is_manufacturer, portal_user_required

from .. import selectors
from ..filters import StepFilter
from ..models import ActionStep

PAGE_SIZE = 50


@require_safe
@portal_user_required
def step_list(request):
    steps = StepFilter(
        page_data(request.GET) or None,
        queryset=selectors.step_list(visible_to=request.user),
        request=request,
    )
    valid = not steps.is_bound or steps.is_valid()
    page = Paginator(steps.qs if valid else ActionStep.objects.none(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "goals/steps.html",
        {
            "form": page_form(steps),
            "page": page,
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "manufacturer": is_manufacturer(request.user),
        },
        status=200 if valid else 400,
    )
