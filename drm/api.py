"""Shared API plumbing: pagination with a ceiling and one JSON error shape for every failure."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError

log = logging.getLogger(__name__)


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"

    @property
    def max_page_size(self):
        return settings.API_MAX_PAGE_SIZE


def _error_body(code, message, fields=None, details=None):
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    if details:
        body["details"] = details
    return {"error": body}


def exception_handler(exc, context):
    """Every error leaves as {"error": {"code", "message", "fields"?, "details"?}}."""
    # Translate Django's own exceptions first so that their codes come out right.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, DomainError):
        fields = {exc.field: [exc.message]} if exc.field else None
        return Response(_error_body(exc.code, exc.message, fields, exc.details), status=exc.status)
    if isinstance(exc, DatabaseError):
        # The database's own words (table, constraint, values) never reach the caller.
        log.exception("database error in %s", context.get("view").__class__.__name__)
        if isinstance(exc, IntegrityError):
            return Response(
                _error_body(
                    "conflict", _("The change conflicts with stored data; nothing was saved.")
                ),
                status=status.HTTP_409_CONFLICT,
            )
        return Response(
            _error_body(
                "unavailable",
                _("The database could not complete the request; nothing was saved. Try again."),
            ),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        data = exc.detail
        if isinstance(data, dict):
            fields = {
                key: [str(m) for m in (val if isinstance(val, list) else [val])]
                for key, val in data.items()
            }
        else:
            fields = {"non_field_errors": [str(m) for m in data]}
        first = next(iter(fields.items()))
        message = f"{first[0]}: {first[1][0]}" if first[1] else _("Invalid input.")
        response.data = _error_body("invalid", message, fields)
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    if isinstance(exc, exceptions.Throttled):
        # DRF has set Retry-After (whole seconds) from exc.wait; the message says the same.
        seconds = exc.wait or 1
        response.data = _error_body(
            "throttled",
            ngettext(
                "Too many requests; try again in %(seconds)d second.",
                "Too many requests; try again in %(seconds)d seconds.",
                seconds,
            )
            % {"seconds": seconds},
        )
        return response
    detail = getattr(exc, "detail", str(exc))
    code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    response.data = _error_body(str(code), str(detail))
    return response
