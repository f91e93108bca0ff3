"""Shared API plumbing: pagination with a ceiling and one JSON error shape for every failure."""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import exceptions, serializers, status
from rest_framework.fields import empty
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from . import error_pages
from .errors import DomainError

log = logging.getLogger(__name__)


class StrictPageSize:
    """A page size that is not a whole number of at least 1 is a 400, not the default page.

    Above the ceiling it is the ceiling (the schema says so); below 1 or not a number it would
    otherwise be silently ignored, which is the "silently unfiltered" answer the API never gives.
    """

    page_size_query_param = "page_size"

    def get_page_size(self, request):
        raw = request.query_params.getlist(self.page_size_query_param)
        if not raw:
            return self.page_size
        value = raw[-1]
        if not value.isascii() or not value.isdigit() or int(value) < 1:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [_("A whole number of at least 1.")]}
            )
        return min(int(value), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] in (self.page_size_query_param, "page"):
                parameter["schema"]["minimum"] = 1
        return parameters


class Pagination(StrictPageSize, PageNumberPagination):
    @property
    def max_page_size(self):
        return settings.API_MAX_PAGE_SIZE

    def get_page_number(self, request, paginator):
        # `?page=` is no page at all, not the first one (a number that is no page is a 404).
        if request.query_params.get(self.page_query_param, None) == "":
            raise exceptions.ValidationError(
                {self.page_query_param: [_("A whole number of at least 1.")]}
            )
        return super().get_page_number(request, paginator)


class BlankRefused:
    """A writable relation given as "" is refused, not taken for null.

    DRF reads "" as null in every relational field, a habit of HTML forms; over JSON it would
    clear a field that the caller misspelt. null, where the field allows it, still means none.
    """

    def run_validation(self, data=empty):
        if data == "":
            raise exceptions.ValidationError(_("This field may not be blank."), code="blank")
        return super().run_validation(data)


class IdField(BlankRefused, serializers.PrimaryKeyRelatedField):
    """A related object by its id: a whole number (as JSON or as digits). A fraction would
    name the id below it, and a JSON number past a float's range (`1e400`, read as infinity)
    would crash the lookup; an id past the column's range names no object."""

    def to_internal_value(self, data):
        if isinstance(data, str) and data.strip().isascii() and data.strip().isdigit():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class NamedFields(serializers.Serializer):
    """A reference row's names, mixed into its ModelSerializer: `name` in the request's language
    (Accept-Language, or the user's own language), `name_en` and `name_fr` whatever it is
    (`name_fr` is the English name where no French name is set, as French readers see it).
    Read only. See `drm.names`."""

    name = serializers.CharField(
        source="display_name",
        read_only=True,
        help_text="Name in the request's language (Accept-Language: en or fr)",
    )
    name_en = serializers.CharField(read_only=True, help_text="Name in English")
    name_fr = serializers.CharField(
        source="french_name",
        read_only=True,
        help_text="Name in French (the English name where none is set)",
    )


def _error_body(code, message, fields=None, details=None):
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    if details:
        body["details"] = details
    return {"error": body}


def not_found(request, exception):
    """handler404: under /api/ a path that names no route is a 404 in the one error shape too,
    not the portal's HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse(_error_body("not_found", _("Not found.")), status=404)
    return error_pages.page_not_found(request, exception)


def server_error(request):
    """handler500: under /api/ the one error shape, saying nothing of the cause; the portal's
    page elsewhere."""
    if request.path.startswith("/api/"):
        message = _("The server could not finish the request; nothing was changed. Try again.")
        return JsonResponse(_error_body("server_error", message), status=500)
    return error_pages.server_error(request)


def field_errors(detail, path=""):
    """(field path, sentence) for each error of DRF's nested detail, in order.

    Items of a list are `name[0]`, fields of an object `name.field`, so a corrective action
    missing its date reads `actions[0].due: This field is required.`, never Python's text of
    the nested dict. An object's own errors (non-field) stand under the object's path.
    """
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # a ListField's items come keyed by their index
                inner = f"{path}[{key}]"
            elif key == api_settings.NON_FIELD_ERRORS_KEY and path:
                inner = path
            else:
                inner = f"{path}.{key}" if path else str(key)
            yield from field_errors(value, inner)
    elif isinstance(detail, list | tuple):
        for index, item in enumerate(detail):
            if isinstance(item, dict | list | tuple):  # a nested serializer's items; {} is valid
                yield from field_errors(item, f"{path}[{index}]")
            else:
                yield path, str(item)
    else:
        yield path, str(detail)


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
        fields = {}
        for path, text in field_errors(exc.detail):
            fields.setdefault(path or api_settings.NON_FIELD_ERRORS_KEY, []).append(text)
        if not fields:
            fields = {api_settings.NON_FIELD_ERRORS_KEY: [_("Invalid input.")]}
        path, texts = next(iter(fields.items()))
        message = f"{path}: {texts[0]}"
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


def checked_serializer(serializer_class, request):
    """The request's body checked by `serializer_class` (a 400 naming each field otherwise):
    the serializer, for a caller that reads more than its validated data."""
    payload = serializer_class(data=request.data, context={"request": request})
    payload.is_valid(raise_exception=True)
    return payload


def validated_payload(serializer_class, request):
    """The request's body checked by `serializer_class`: its validated data, for the service
    to act on."""
    return checked_serializer(serializer_class, request).validated_data
