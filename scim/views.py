"""The provisioning pages: a partner admin's for its distributor's directory (/my/provisioning/),
a manufacturer admin's for the staff directory (/integrations/provisioning/). Each shows the SCIM
endpoint, creates a token (its secret shown once), revokes one, and lists what the directory did."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from drm.acts import act, form_refusal, shown_once
from drm.errors import DomainError
from identity.access import Role, user_role

from . import selectors, services
from .forms import TokenForm

PAGE_SIZE = 50
STAFF, PARTNER = "staff", "partner"
KEEPERS = {STAFF: Role.ADMIN, PARTNER: Role.PARTNER_ADMIN}


def keeper_required(view):
    """The staff directory's page: manufacturer admins; a distributor's: its partner admins."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, side, **kwargs):
        if user_role(request.user) != KEEPERS[side]:
            raise PermissionDenied
        request.scim_side = side
        return view(request, *args, **kwargs)

    return wrapper


def _page_url(request):
    return reverse("scim:staff" if request.scim_side == STAFF else "scim:mine")


@require_http_methods(["GET", "POST"])
@keeper_required
def provisioning(request):
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                token, secret = services.token_create(by=request.user, **form.cleaned_data)
            except DomainError as exc:
                form_refusal(form, exc)
            else:
                return _secret_page(request, token, secret)
    events = Paginator(selectors.event_list(visible_to=request.user), PAGE_SIZE)
    return render(
        request,
        "scim/provisioning.html",
        {
            "side": request.scim_side,
            "form": form,
            "endpoint": request.build_absolute_uri(reverse("scim:users")).removesuffix("Users"),
            "tokens": selectors.token_list(visible_to=request.user),
            "page": events.get_page(request.GET.get("page")),
            "revoke_name": "scim:staff-revoke"
            if request.scim_side == STAFF
            else "scim:mine-revoke",
        },
        status=status,
    )


def _secret_page(request, token, secret):
    """The secret, shown this once."""
    return shown_once(
        request,
        "scim/secret.html",
        {
            "token": token,
            "secret": secret,
            "endpoint": request.build_absolute_uri(reverse("scim:users")).removesuffix("Users"),
            "back": _page_url(request),
        },
    )


@require_POST
@keeper_required
def token_revoke(request, pk):
    token = get_object_or_404(selectors.token_list(visible_to=request.user), pk=pk)
    return act(
        request,
        _page_url(request),
        lambda: services.token_revoke(token=token, by=request.user),
        _("The token is revoked: the directory using it can no longer change users."),
    )
