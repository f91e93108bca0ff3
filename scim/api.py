"""The SCIM 2.0 endpoints (/scim/v2/): discovery, and Users in the scope of the bearer token.

No session or API token opens them: only a provisioning token (Authorization: Bearer scim_...).
Every answer is application/scim+json; every refusal is in the SCIM error shape.
"""

import json

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from drm.errors import Conflict, DomainError, ValidationFailed
from identity.access import recipient_language

from . import groups, protocol, schemas, services
from .models import Identity
from .protocol import CONTENT_TYPE, LIST_SCHEMA, ScimError

BODY_MAX = 256 * 1024


def scim_response(body, status=200, **headers):
    response = HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def requested_language(request):
    """The first language of the request's Accept-Language the portal speaks, or None."""
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            continue
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None


def token_language(token):
    """A token's language when the request names none: its distributor's preferred one; the
    manufacturer's: the language of whoever made it."""
    if token.distributor_id is not None:
        return token.distributor.language or settings.LANGUAGE_CODE
    if token.created_by is not None:
        return recipient_language(token.created_by)
    return settings.LANGUAGE_CODE


@method_decorator(csrf_exempt, name="dispatch")
class ScimView(View):
    """Reads the bearer token (401 without a usable one) and turns errors into SCIM errors, whose
    detail speaks the request's language (Accept-Language), else the token's; the scimType is
    the RFC's keyword in every language."""

    http_method_names = ["get", "post", "put", "patch", "delete"]

    def dispatch(self, request, *args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _space, secret = header.partition(" ")
        token = services.token_authenticate(secret.strip()) if scheme.lower() == "bearer" else None
        language = requested_language(request)
        if token is None:
            with translation.override(language or settings.LANGUAGE_CODE):
                error = ScimError(
                    401, _("A valid provisioning token is required (Authorization: Bearer).")
                )
            return scim_response(error.body(), 401, WWW_Authenticate='Bearer realm="scim"')
        request.scim_token = token
        with translation.override(language or token_language(token)):
            return self._answer(request, *args, **kwargs)

    def _answer(self, request, *args, **kwargs):
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
        error = ScimError(405, _("%(method)s is not supported here.") % {"method": request.method})
        return scim_response(error.body(), 405, Allow=response["Allow"])

    def body(self):
        if len(self.request.body) > BODY_MAX:
            raise ScimError(413, _("The body is too large."))
        try:
            return json.loads(self.request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise ScimError(400, _("The body is not valid JSON."), "invalidSyntax") from None

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
        resources = [
            schemas.resource_type(name, self.url("scim:resource-type", name))
            for name in schemas.RESOURCE_TYPES
        ]
        return scim_response(_list(resources, len(resources), 1))


class ResourceTypeView(ScimView):
    def get(self, request, name):
        if name not in schemas.RESOURCE_TYPES:
            raise ScimError(404, _("There is no resource type %(name)s.") % {"name": name})
        return scim_response(schemas.resource_type(name, self.url("scim:resource-type", name)))


class SchemasView(ScimView):
    def get(self, request):
        found = [
            schemas.schema(urn, self.url("scim:schema", urn), staff=self.staff)
            for urn in schemas.SCHEMAS
        ]
        return scim_response(_list(found, len(found), 1))


class SchemaView(ScimView):
    def get(self, request, urn):
        if urn not in schemas.SCHEMAS:
            raise ScimError(404, _("There is no schema %(urn)s.") % {"urn": urn})
        return scim_response(schemas.schema(urn, self.url("scim:schema", urn), staff=self.staff))


class NotFoundView(ScimView):
    """Any other path under /scim/v2/: a SCIM 404 (to a caller with a token)."""

    def get(self, request, rest):
        raise ScimError(404, _("There is no such SCIM endpoint."))

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
        raise protocol.invalid_value(_("'%(name)s' must be an integer.") % {"name": name}) from None


def _paging(query):
    """startIndex (1-based) and count of a list request, count bounded by SCIM_MAX_RESULTS."""
    start = max(_number(query.get("startIndex"), "startIndex", 1), 1)
    count = _number(query.get("count"), "count", settings.SCIM_MAX_RESULTS)
    return start, min(max(count, 0), settings.SCIM_MAX_RESULTS)


def _filter_text(query):
    text = query.get("filter")
    if text is not None and not isinstance(text, str):
        raise protocol.invalid_filter(_("'filter' must be a string."))
    return text


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
            group_location=lambda group_id: self.url("scim:group", group_id),
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
        text = _filter_text(query)
        if text is not None:
            users = users.filter(protocol.filter_q(text))
        start, count = _paging(query)
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
        raise ScimError(404, _("There is no user %(id)s.") % {"id": value[:40]})
    return int(value)


class SearchMixin:
    """POST .../.search (RFC 7644 3.4.3): the list's query in a SearchRequest body."""

    http_method_names = ["post"]

    def post(self, request):
        body = self.body()
        if not isinstance(body, dict) or protocol.SEARCH_SCHEMA not in (body.get("schemas") or []):
            raise protocol.invalid_value(
                _("'schemas' must list %(schema)s.") % {"schema": protocol.SEARCH_SCHEMA}
            )
        if body.get("sortBy") is not None:
            raise ScimError(400, _("Sorting is not supported."), "invalidValue")
        return self.listed(body)


class SearchView(SearchMixin, UsersView):
    """POST /.search and /Users/.search: users."""


class UserView(UserMixin, ScimView):
    def _get(self, pk):
        pk = _user_id(pk)
        user = self.users().filter(pk=pk).first()
        if user is None:
            raise ScimError(404, _("There is no user %(id)s.") % {"id": pk})
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
            raise ScimError(404, _("There is no user %(id)s.") % {"id": pk})
        return self.answer(user)

    def delete(self, request, pk):
        if not services.scim_user_delete(token=request.scim_token, user_id=_user_id(pk)):
            raise ScimError(404, _("There is no user %(id)s.") % {"id": pk})
        return HttpResponse(status=204)


# --- Groups: the roles ---------------------------------------------------------------------------


class GroupMixin:
    def fixed(self, allowed):
        """POST or DELETE of a group: the groups are the portal's roles, made and kept by it."""
        error = ScimError(
            405,
            _(
                "The portal's groups are its roles: they cannot be created or deleted, only "
                "their members changed."
            ),
        )
        return scim_response(error.body(), 405, Allow=allowed)

    def group(self, group_id):
        group = groups.group_get(group_id, staff=self.staff)
        if group is None:
            raise ScimError(404, _("There is no group %(id)s.") % {"id": group_id[:40]})
        return group

    def resource(self, group, members):
        return groups.group_resource(
            group,
            members,
            location=self.url("scim:group", group.id),
            member_location=lambda pk: self.url("scim:user", pk),
        )

    def members(self):
        return services.scim_group_member_lists(self.request.scim_token)

    def answer(self, group):
        return scim_response(self.resource(group, self.members()[group.id]))


class GroupsView(GroupMixin, ScimView):
    def get(self, request):
        return self.listed(request.GET)

    def listed(self, query):
        members = self.members()
        found = list(groups.groups_of(staff=self.staff))
        text = _filter_text(query)
        if text is not None:
            match = groups.group_filter(text)
            found = [
                g
                for g in found
                if match(groups.Listed(g, frozenset(str(pk) for pk, _name in members[g.id])))
            ]
        start, count = _paging(query)
        page = found[start - 1 : start - 1 + count] if count else []
        resources = [
            protocol.projected(
                self.resource(group, members[group.id]),
                attributes=query.get("attributes"),
                excluded=query.get("excludedAttributes"),
            )
            for group in page
        ]
        return scim_response(_list(resources, len(found), start))

    def post(self, request):
        return self.fixed("GET")


class GroupsSearchView(SearchMixin, GroupsView):
    """POST /Groups/.search: groups."""


class GroupView(GroupMixin, ScimView):
    def get(self, request, group_id):
        group = self.group(group_id)
        return scim_response(
            protocol.projected(
                self.resource(group, self.members()[group.id]),
                attributes=request.GET.get("attributes"),
                excluded=request.GET.get("excludedAttributes"),
            )
        )

    def patch(self, request, group_id):
        group = self.group(group_id)
        changes = groups.group_patch_read(group, self.body())
        return self._change(group, changes)

    def put(self, request, group_id):
        group = self.group(group_id)
        return self._change(group, groups.group_put_read(group, self.body()))

    def _change(self, group, changes):
        services.scim_group_change(
            token=self.request.scim_token, group_id=group.id, changes=changes
        )
        return self.answer(group)

    def delete(self, request, group_id):
        self.group(group_id)
        return self.fixed("GET, PUT, PATCH")
