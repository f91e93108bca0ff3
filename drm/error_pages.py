"""The portal's own error pages (400, 403, 404, 500 and a refused form): the portal's layout, its
navbar for a logged-in user and a way back, never a traceback nor a map of the URLs.

They are the handlers of drm/urls.py; under /api/ drm.api answers in the API's error shape instead.
"""

import logging

from django.http import HttpResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

log = logging.getLogger(__name__)


def back_url(request):
    """The page the visitor came from, when it is a page of the portal and not this one: never
    another site (the Referer header is the visitor's to write)."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except Exception:  # noqa: BLE001 - a host the portal refuses (the 400 it answers to)
        return ""
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    ):
        return ""
    return "" if referer == request.build_absolute_uri() else referer


def _page(request, template, status, **context):
    body = loader.render_to_string(
        template, {"back_url": back_url(request), "status": status, **context}, request
    )
    return HttpResponse(body, status=status)


@requires_csrf_token
def bad_request(request, exception, template_name="400.html"):
    return _page(request, template_name, 400)


@requires_csrf_token
def permission_denied(request, exception, template_name="403.html"):
    return _page(request, template_name, 403)


@requires_csrf_token
def page_not_found(request, exception, template_name="404.html"):
    return _page(request, template_name, 404)


def csrf_failure(request, reason="", template_name="403_csrf.html"):
    """CSRF_FAILURE_VIEW: most often a form left open past a log-out or a new log-in."""
    return _page(request, template_name, 403)


@requires_csrf_token
def server_error(request, template_name="500.html"):
    """The layout with the navbar when it can be drawn; if drawing it fails too (the database
    the navbar reads is what failed), the same page without a user, else bare HTML."""
    try:
        return _page(request, template_name, 500)
    except Exception:  # noqa: BLE001 - the error page itself must not fail
        log.exception("the error page could not be drawn with its navbar")
    try:
        return HttpResponse(loader.render_to_string(template_name, {"status": 500}), status=500)
    except Exception:  # noqa: BLE001
        log.exception("the error page could not be drawn")
    # The last resort, when no template can be rendered at all.
    return HttpResponse(
        f"<!doctype html><meta charset='utf-8'><title>{_('Something went wrong')}</title>"
        f"<h1>{_('Something went wrong')}</h1><p><a href='/'>{_('Home page')}</a></p>",
        status=500,
    )
