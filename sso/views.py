"""The identity providers' pages: every provider for the manufacturer's staff
(/integrations/sign-in/), a partner admin's own distributor's (/my/sign-in/). A client secret
is never shown back, only its last characters."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from distributors.models import Distributor
from drm.acts import act, form_refusal
from drm.errors import DomainError
from identity.access import (
    CHANNEL_SIDE,
    PARTNER_SIDE,
    is_manufacturer,
    side_keeper_required,
    user_membership,
)

from . import selectors, services
from .forms import ProviderForm

CHANNEL, PARTNER = CHANNEL_SIDE, PARTNER_SIDE


def _url(request, name, *args):
    prefix = "sso:" if request.keeper_side == CHANNEL else "sso:mine-"
    return reverse(prefix + name, args=args)


def _provider(request, pk):
    return get_object_or_404(selectors.provider_list(visible_to=request.user), pk=pk)


def _context(request, **context):
    return {
        "side": request.keeper_side,
        "urls": {"list": _url(request, "list"), "new": _url(request, "new")},
        "callback_url": request.build_absolute_uri(reverse("sso:oidc-callback")),
        **context,
    }


@require_safe
@side_keeper_required
def provider_list(request):
    providers = selectors.provider_list(visible_to=request.user)
    rows = [(p, _url(request, "detail", p.pk)) for p in providers]
    return render(request, "sso/list.html", _context(request, rows=rows))


def _form(request, provider=None):
    manufacturer = is_manufacturer(request.user)
    choices = Distributor.objects.order_by("name") if manufacturer and provider is None else None
    initial = None
    if provider is None and not manufacturer:
        initial = {"name": user_membership(request.user).distributor.name}
    return ProviderForm(
        request.POST or None,
        instance=provider,
        initial=initial,
        manufacturer=manufacturer,
        distributor_choices=choices,
    )


@require_http_methods(["GET", "POST"])
@side_keeper_required
def provider_new(request):
    form = _form(request)
    if request.method == "POST" and form.is_valid():
        if is_manufacturer(request.user):
            distributor = form.cleaned_data.get("distributor")
        else:
            distributor = user_membership(request.user).distributor
        try:
            provider = services.provider_save(
                by=request.user,
                distributor=distributor,
                data=form.provider_data(),
                domains=form.domain_list(),
            )
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("The company sign-in is saved."))
            return redirect(_url(request, "detail", provider.pk))
    status = 400 if request.method == "POST" else 200
    return render(request, "sso/form.html", _context(request, form=form), status=status)


@require_http_methods(["GET", "POST"])
@side_keeper_required
def provider_detail(request, pk):
    provider = _provider(request, pk)
    form = _form(request, provider)
    if request.method == "POST" and form.is_valid():
        try:
            services.provider_save(
                by=request.user,
                provider=provider,
                data=form.provider_data(),
                domains=form.domain_list(),
            )
        except DomainError as exc:
            form_refusal(form, exc)
        else:
            messages.success(request, _("The company sign-in is saved."))
            return redirect(_url(request, "detail", provider.pk))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "sso/form.html",
        _context(
            request,
            form=form,
            provider=provider,
            works=services.provider_works(provider),
            deactivate_url=_url(request, "deactivate", provider.pk),
            saml_metadata_url=request.build_absolute_uri(
                reverse("sso:saml-metadata", args=[provider.pk])
            )
            if provider.protocol == provider.Protocol.SAML and provider.is_active
            else "",
        ),
        status=status,
    )


@require_POST
@side_keeper_required
def provider_deactivate(request, pk):
    provider = _provider(request, pk)
    return act(
        request,
        _url(request, "detail", provider.pk),
        lambda: services.provider_deactivate(by=request.user, provider=provider),
        _("The company sign-in is switched off; its people may log in with a password again."),
    )
