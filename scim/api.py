"""The SCIM 2.0 endpoints (/scim/v2/): discovery, and Users in the scope of the bearer token.

No session or API token opens them: only a provisioning token (Authorization: Bearer scim_...).
Every answer is application/scim+json; every refusal is in the SCIM error shape.
"""

import json

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from drm.errors import Conflict, DomainError, ValidationFailed

from . import protocol, schemas, services
from .models import Identity
from .protocol import CONTENT_TYPE, LIST_SCHEMA, ScimError

BODY_MAX = 256 * 1024


def scim_response(body, status=200, **headers):
    response = HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


@method_decorator(csrf_exempt, name="dispatch")
class ScimView(View):
    """Reads the bearer token (401 without a usable one) and turns errors into SCIM errors."""

    http_method_names = ["get", "post", "put", "patch", "delete"]

    def dispatch(self, request, *args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        token = services.token_authenticate(secret.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            error = ScimError(
                401, "A valid provisioning token is required (Authorization: Bearer)."
            )
            return scim_response(error.body(), 401, WWW_Authenticate='Bearer realm="scim"')
        request.scim_token = token
        try:
            return super().dispatch(request, *args, **kwargs)
        except ScimError as exc:
            return scim_response(exc.body(), exc.status)
        except Conflict as exc:
            return scim_response(ScimError(409, exc.message, "uniqueness").body(), 409)
        except ValidationFailed as exc:
            return scim_response(ScimError(400, exc.message, "invalidValue").body(), 400)
        except DomainError as exc:
            return scim_response(ScimError(exc.status, exc.message).body(), exc.status)

    def http_method_not_allowed(self, request, *args, **kwargs):
        response = super().http_method_not_allowed(request, *args, **kwargs)
        error = ScimError(405, f"{request.method} is not supported here.")
        return scim_response(error.body(), 405, Allow=response["Allow"])

    def body(self):
        if len(self.request.body) > BODY_MAX:
            raise ScimError(413, "The body is too large.")
        try:
            return json.loads(self.request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ScimError(400, "The body is not valid JSON.", "invalidSyntax") from None

    @property
    def staff(self):
        return self.request.scim_token.distributor_id is None

    def url(self, name, *args):
        return self.request.build_absolute_uri(reverse(name, args=args))


class ServiceProviderConfigView(ScimView):
    def get(self, request):
        documentation = request.build_absolute_uri("/api/docs/")
        return scim_response(
            schemas.service_provider_config(self.url("scim:service-provider-config"), documentation)
        )


class ResourceTypesView(ScimView):
    def get(self, request):
        resource = schemas.resource_type(self.url("scim:resource-type", "User"))
        return scim_response(_list([resource], 1, 1))


class ResourceTypeView(ScimView):
    def get(self, request, name):
        if name != "User":
            raise ScimError(404, f"There is no resource type {name}.")
        return scim_response(schemas.resource_type(self.url("scim:resource-type", "User")))


class SchemasView(ScimView):
    def get(self, request):
        schema = schemas.user_schema(
            self.url("scim:schema", protocol.USER_SCHEMA), staff=self.staff
        )
        return scim_response(_list([schema], 1, 1))


class SchemaView(ScimView):
    def get(self, request, urn):
        if urn != protocol.USER_SCHEMA:
            raise ScimError(404, f"There is no schema {urn}.")
        return scim_response(schemas.user_schema(self.url("scim:schema", urn), staff=self.staff))


class NotFoundView(ScimView):
    """Any other path under /scim/v2/: a SCIM 404 (to a caller with a token)."""

    def get(self, request, rest):
        raise ScimError(404, "There is no such SCIM endpoint.")

    post = put = patch = delete = get


def _list(resources, total, start):
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def _number(value, name, default):
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise protocol.invalid_value(f"'{name}' must be an integer.") from None


class UserMixin:
    def users(self):
        users = services.scim_users(self.request.scim_token).select_related("membership")
        users = users.prefetch_related(Prefetch("scim_identity", queryset=Identity.objects.all()))
        if self.staff:
            users = users.prefetch_related("groups")
        return users

    def resource(self, user):
        identity = getattr(user, "scim_identity", None) if _has_identity(user) else None
        return protocol.user_resource(
            user,
            location=self.url("scim:user", user.pk),
            staff=self.staff,
            external_id=identity.external_id if identity else "",
            last_modified=identity.updated_at if identity else None,
        )

    def answer(self, user, status=200):
        user = self.users().get(pk=user.pk)
        resource = self.resource(user)
        return scim_response(resource, status, Location=resource["meta"]["location"])


def _has_identity(user):
    try:
        user.scim_identity  # noqa: B018 - reads the prefetched row or raises
    except Identity.DoesNotExist:
        return False
    return True


class UsersView(UserMixin, ScimView):
    def get(self, request):
        return self.listed(request.GET)

    def listed(self, query):
        users = self.users().order_by("pk")
        text = query.get("filter")
        if text is not None:
            if not isinstance(text, str):
                raise protocol.invalid_filter("'filter' must be a string.")
            users = users.filter(protocol.filter_q(text))
        start = max(_number(query.get("startIndex"), "startIndex", 1), 1)
        count = _number(query.get("count"), "count", settings.SCIM_MAX_RESULTS)
        count = min(max(count, 0), settings.SCIM_MAX_RESULTS)
        total = users.count()
        page = list(users[start - 1 : start - 1 + count]) if count else []
        resources = [
            protocol.projected(
                self.resource(user),
                attributes=query.get("attributes"),
                excluded=query.get("excludedAttributes"),
            )
            for user in page
        ]
        return scim_response(_list(resources, total, start))

    def post(self, request):
        data = protocol.user_data_from(self.body(), staff=self.staff)
        user = services.scim_user_create(token=request.scim_token, data=data)
        return self.answer(user, 201)


def _user_id(value):
    """The portal's user ids are whole numbers: anything else names no user."""
    if not value.isdigit() or len(value) > 18:
        raise ScimError(404, f"There is no user {value[:40]}.")
    return int(value)


class SearchView(UsersView):
    """POST /.search and /Users/.search (RFC 7644 3.4.3): the query in a SearchRequest body."""

    http_method_names = ["post"]

    def post(self, request):
        body = self.body()
        if not isinstance(body, dict) or protocol.SEARCH_SCHEMA not in (body.get("schemas") or []):
            raise protocol.invalid_value(f"'schemas' must list {protocol.SEARCH_SCHEMA}.")
        if body.get("sortBy") is not None:
            raise ScimError(400, "Sorting is not supported.", "invalidValue")
        return self.listed(body)


class UserView(UserMixin, ScimView):
    def _get(self, pk):
        pk = _user_id(pk)
        user = self.users().filter(pk=pk).first()
        if user is None:
            raise ScimError(404, f"There is no user {pk}.")
        return user

    def get(self, request, pk):
        return scim_response(
            protocol.projected(
                self.resource(self._get(pk)),
                attributes=request.GET.get("attributes"),
                excluded=request.GET.get("excludedAttributes"),
            )
        )

    def put(self, request, pk):
        body = self.body()
        data = protocol.user_data_from(body, staff=self.staff)
        return self._change(pk, lambda before: data)

    def patch(self, request, pk):
        body = self.body()
        return self._change(pk, lambda before: protocol.patch_apply(before, body, staff=self.staff))

    def _change(self, pk, change):
        pk = _user_id(pk)
        user = services.scim_user_change(token=self.request.scim_token, user_id=pk, change=change)
        if user is None:
            raise ScimError(404, f"There is no user {pk}.")
        return self.answer(user)

    def delete(self, request, pk):
        if not services.scim_user_delete(token=request.scim_token, user_id=_user_id(pk)):
            raise ScimError(404, f"There is no user {pk}.")
        return HttpResponse(status=204)
