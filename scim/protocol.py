"""SCIM 2.0 (RFC 7643, RFC 7644) as the portal speaks it: the error shape, the User resource and
its schema, filters turned into querysets, and PATCH operations applied to a user's attributes.

Nothing here writes: a request is read into a `UserData` (the attributes the portal keeps), which
`services.scim_user_*` validate and save in one transaction.
"""

import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace

from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from identity.access import CHANNEL_MANAGERS, MANUFACTURER_ADMINS

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
CONTENT_TYPE = "application/scim+json"

# The role values a directory sends in `roles` (see README, "Provisioning (SCIM 2.0)").
PARTNER_ROLES = {"partner_admin": "admin", "partner_rep": "rep"}
STAFF_ROLES = ("manufacturer_admin", "channel_manager")
# Each role is a group (scim.groups), named as the portal's groups are: data, not translated.
ROLE_GROUP_NAMES = {
    "partner_admin": "Partner admins",
    "partner_rep": "Partner reps",
    "manufacturer_admin": MANUFACTURER_ADMINS,
    "channel_manager": CHANNEL_MANAGERS,
}

USERNAME_MAX = 150
NAME_MAX = 150
EMAIL_MAX = 254
EXTERNAL_ID_MAX = 255


class ScimError(Exception):
    """An answer in the SCIM error shape: `status`, a `scim_type` (RFC 7644 3.12) and a detail."""

    def __init__(self, status, detail, scim_type=None):
        super().__init__(detail)
        self.status = status
        self.detail = str(detail)
        self.scim_type = scim_type

    def body(self):
        body = {"schemas": [ERROR_SCHEMA], "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


def invalid_value(detail):
    return ScimError(400, detail, "invalidValue")


@dataclass(frozen=True)
class UserData:
    """The attributes of a user the portal keeps; `role` is a partner role or a set of staff
    roles, depending on the token's scope."""

    user_name: str = ""
    email: str = ""
    given_name: str = ""
    family_name: str = ""
    active: bool = True
    external_id: str = ""
    roles: tuple = ()

    def changed_from(self, other):
        return [f.name for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)]


# --- reading a resource ------------------------------------------------------------------

CORE_PREFIXES = tuple(urn.lower() + ":" for urn in (USER_SCHEMA, GROUP_SCHEMA))


def attribute_key(name):
    """An attribute name as compared: case-insensitive, the core schema's URN prefix dropped."""
    name = str(name).lower()
    for prefix in CORE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


_key = attribute_key


def _string(value, name, max_length, *, required=False):
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise invalid_value(_("'%(name)s' must be a string.") % {"name": name})
    value = value.strip()
    if required and not value:
        raise invalid_value(_("'%(name)s' is required.") % {"name": name})
    if len(value) > max_length:
        raise invalid_value(
            _("'%(name)s' is longer than %(max)d characters.") % {"name": name, "max": max_length}
        )
    return value


def _boolean(value, name):
    # Some directories send "True"/"False" as strings; RFC 7643 says boolean.
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if not isinstance(value, bool):
        raise invalid_value(_("'%(name)s' must be true or false.") % {"name": name})
    return value


def _email_of(value):
    """The address among `emails`: the primary one, else the first."""
    if value is None:
        return ""
    if not isinstance(value, list):
        raise invalid_value(_("'emails' must be a list of {\"value\": ...} objects."))
    chosen = None
    for each in value:
        if not isinstance(each, dict) or "value" not in each:
            raise invalid_value(_("'emails' must be a list of {\"value\": ...} objects."))
        if chosen is None or each.get("primary") is True:
            chosen = each
    return _string(chosen["value"], "emails.value", EMAIL_MAX) if chosen else ""


def _roles_of(value, staff):
    if value is None:
        return ()
    if not isinstance(value, list):
        raise invalid_value(_("'roles' must be a list of {\"value\": ...} objects."))
    allowed = STAFF_ROLES if staff else tuple(PARTNER_ROLES)
    roles = []
    for each in value:
        role = each.get("value") if isinstance(each, dict) else each
        if role not in allowed:
            raise invalid_value(
                _("'roles.value' must be one of: %(roles)s.") % {"roles": ", ".join(allowed)}
            )
        if role not in roles:
            roles.append(role)
    return tuple(sorted(roles))


def _name_of(value, data):
    if value is None:
        return replace(data, given_name="", family_name="")
    if not isinstance(value, dict):
        raise invalid_value(_("'name' must be an object."))
    value = {_key(k): v for k, v in value.items()}
    return replace(
        data,
        given_name=_string(value.get("givenname"), "name.givenName", NAME_MAX),
        family_name=_string(value.get("familyname"), "name.familyName", NAME_MAX),
    )


def user_data_from(body, *, staff):
    """A POST or PUT body read into a UserData: what is absent is cleared (RFC 7644 3.5.1);
    readOnly and unknown attributes are ignored."""
    if not isinstance(body, dict):
        raise invalid_value(_("The body must be a JSON object."))
    attrs = {_key(k): v for k, v in body.items()}
    schemas = attrs.get("schemas")
    if schemas is not None and (not isinstance(schemas, list) or USER_SCHEMA not in schemas):
        raise invalid_value(_("'schemas' must list %(schema)s.") % {"schema": USER_SCHEMA})
    data = UserData(
        user_name=_string(attrs.get("username"), "userName", USERNAME_MAX, required=True),
        email=_email_of(attrs.get("emails")),
        active=_boolean(attrs.get("active", True), "active"),
        external_id=_string(attrs.get("externalid"), "externalId", EXTERNAL_ID_MAX),
        roles=_roles_of(attrs.get("roles"), staff),
    )
    return _name_of(attrs.get("name"), data)


# --- the resource as sent -----------------------------------------------------------------


def user_resource(
    user, *, location, staff, external_id="", last_modified=None, group_location=None
):
    name = {
        key: value
        for key, value in (("givenName", user.first_name), ("familyName", user.last_name))
        if value
    }
    formatted = " ".join(p for p in (user.first_name, user.last_name) if p)
    roles = user_roles(user, staff=staff)
    resource = {
        "schemas": [USER_SCHEMA],
        "id": str(user.pk),
        "userName": user.username,
        "displayName": formatted or user.username,
        "active": user.is_active,
        # One address: no type or primary to tell it from others.
        "emails": [{"value": user.email}] if user.email else [],
        "roles": [{"value": role} for role in roles],
        "meta": {
            "resourceType": "User",
            "created": user.date_joined.isoformat(),
            "lastModified": (last_modified or user.date_joined).isoformat(),
            "location": location,
        },
    }
    if group_location is not None:
        # readOnly (RFC 7643 4.1.2): a user joins a group by the group's PATCH, or by `roles`.
        resource["groups"] = [
            {"value": role, "$ref": group_location(role), "display": ROLE_GROUP_NAMES[role]}
            for role in roles
        ]
    if name:
        resource["name"] = name
    if external_id:
        resource["externalId"] = external_id
    return resource


ALWAYS_RETURNED = {"id", "schemas"}


def _attribute_names(value, parameter):
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_value(
            _("'%(parameter)s' must be a comma-separated list of attributes.")
            % {"parameter": parameter}
        )
    return [_key(v.strip()) for v in value if v.strip()]


def projected(resource, *, attributes=None, excluded=None):
    """`resource` with only `attributes`, or without `excluded` (RFC 7644 3.9); names are
    compared without case and may name a sub-attribute (name.givenName)."""
    attributes = _attribute_names(attributes, "attributes")
    excluded = _attribute_names(excluded, "excludedAttributes")
    if attributes:
        kept = {}
        for key, value in resource.items():
            lower = key.lower()
            if lower in ALWAYS_RETURNED or lower in attributes:
                kept[key] = value
            elif isinstance(value, dict):
                subs = {k: v for k, v in value.items() if f"{lower}.{k.lower()}" in attributes}
                if subs:
                    kept[key] = subs
        return kept
    if excluded:
        kept = {}
        for key, value in resource.items():
            lower = key.lower()
            if lower in excluded and lower not in ALWAYS_RETURNED:
                continue
            if isinstance(value, dict):
                value = {k: v for k, v in value.items() if f"{lower}.{k.lower()}" not in excluded}
            kept[key] = value
        return kept
    return resource


def user_roles(user, *, staff):
    if staff:
        names = {g.name for g in user.groups.all()}
        return tuple(
            role
            for role, group in (
                ("channel_manager", CHANNEL_MANAGERS),
                ("manufacturer_admin", MANUFACTURER_ADMINS),
            )
            if group in names
        )
    membership = getattr(user, "membership", None)
    if membership is None:
        return ()
    return ("partner_admin",) if membership.role == "admin" else ("partner_rep",)


def data_of(user, *, staff, external_id=""):
    return UserData(
        user_name=user.username,
        email=user.email,
        given_name=user.first_name,
        family_name=user.last_name,
        active=user.is_active,
        external_id=external_id,
        roles=tuple(sorted(user_roles(user, staff=staff))),
    )


# --- filters (RFC 7644 3.4.2.2) ---------------------------------------------------------------

TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<punct>[()\[\]])|(?P<word>[^\s()\[\]"]+))'
)
COMPARE = {"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"}


@dataclass(frozen=True)
class Attribute:
    field: str
    kind: str = "string"  # string, exact (caseExact string), boolean, integer, datetime


FILTERABLE = {
    "id": Attribute("pk", "integer"),
    "username": Attribute("username"),
    "emails": Attribute("email"),
    "emails.value": Attribute("email"),
    "externalid": Attribute("scim_identity__external_id", "exact"),
    "name.givenname": Attribute("first_name"),
    "name.familyname": Attribute("last_name"),
    "active": Attribute("is_active", "boolean"),
    "meta.created": Attribute("date_joined", "datetime"),
}


def invalid_filter(detail):
    return ScimError(400, detail, "invalidFilter")


@dataclass
class _Tokens:
    items: list = field(default_factory=list)
    at: int = 0
    comparison: object = None

    def peek(self):
        return self.items[self.at] if self.at < len(self.items) else (None, None)

    def take(self):
        token = self.peek()
        self.at += 1
        return token

    def word(self, *words):
        kind, text = self.peek()
        return kind == "word" and text.lower() in words


def _tokenize(text):
    tokens, at = [], 0
    text = text.rstrip()
    while at < len(text):
        match = TOKEN.match(text, at)
        if match is None or match.end() == at:
            raise invalid_filter(
                _("Unexpected character in filter at position %(at)d.") % {"at": at + 1}
            )
        kind = match.lastgroup
        tokens.append((kind, match.group(kind)))
        at = match.end()
    return _Tokens(tokens)


def filter_q(text):
    """The filter expression as a Q over users; ScimError(400, invalidFilter) when it is not
    one the portal reads."""
    return filter_parse(text, _user_comparison)


def filter_parse(text, comparison):
    """The filter expression `text` combined with &, | and ~ from `comparison(path, op, value)`
    (op "pr": value None) for each attribute compared: a Q over users, or a predicate."""
    if len(text) > 1000:
        raise invalid_filter(_("The filter is too long."))
    tokens = _tokenize(text)
    if not tokens.items:
        raise invalid_filter(_("The filter is empty."))
    tokens.comparison = comparison
    q = _or(tokens, prefix="")
    if tokens.peek() != (None, None):
        raise invalid_filter(_("Unexpected '%(token)s' in filter.") % {"token": tokens.peek()[1]})
    return q


def _or(tokens, prefix):
    q = _and(tokens, prefix)
    while tokens.word("or"):
        tokens.take()
        q = q | _and(tokens, prefix)
    return q


def _and(tokens, prefix):
    q = _not(tokens, prefix)
    while tokens.word("and"):
        tokens.take()
        q = q & _not(tokens, prefix)
    return q


def _expect(tokens, punct):
    kind, text = tokens.take()
    if kind != "punct" or text != punct:
        raise invalid_filter(
            _("Expected '%(punct)s' in filter, found %(found)s.")
            % {"punct": punct, "found": text or _("the end")}
        )


def _not(tokens, prefix):
    if tokens.word("not"):
        tokens.take()
        _expect(tokens, "(")
        q = _or(tokens, prefix)
        _expect(tokens, ")")
        return ~q
    if tokens.peek() == ("punct", "("):
        tokens.take()
        q = _or(tokens, prefix)
        _expect(tokens, ")")
        return q
    return _comparison(tokens, prefix)


def _comparison(tokens, prefix):
    kind, path = tokens.take()
    if kind != "word":
        raise invalid_filter(
            _("Expected an attribute in filter, found %(found)s.") % {"found": path or _("the end")}
        )
    if tokens.peek() == ("punct", "[") and not prefix:
        # valuePath: emails[value eq "x"], the sub-attributes relative to the attribute.
        tokens.take()
        q = _or(tokens, prefix=path + ".")
        _expect(tokens, "]")
        return q
    kind, op = tokens.take()
    op = (op or "").lower()
    if kind != "word" or (op not in COMPARE and op != "pr"):
        raise invalid_filter(
            _("Unknown operator '%(op)s' after '%(path)s'.") % {"op": op, "path": prefix + path}
        )
    if op == "pr":
        return tokens.comparison(prefix + path, op, None)
    kind, raw = tokens.take()
    if kind != "string" and kind != "word":
        raise invalid_filter(
            _("Expected a value after '%(path)s %(op)s'.") % {"path": prefix + path, "op": op}
        )
    try:
        value = json.loads(raw)
    except ValueError:
        raise invalid_filter(
            _("'%(raw)s' is not a value (strings are in double quotes).") % {"raw": raw}
        ) from None
    return tokens.comparison(prefix + path, op, value)


def _user_comparison(path, op, value):
    attribute = FILTERABLE.get(_key(path))
    if attribute is None:
        raise invalid_filter(_("The attribute '%(path)s' cannot be filtered on.") % {"path": path})
    if op == "pr":
        if attribute.kind in ("string", "exact"):
            return Q(**{f"{attribute.field}__gt": ""})
        return Q(**{f"{attribute.field}__isnull": False})
    return _compare(attribute, op, value, path)


STRING_LOOKUPS = {"eq": "iexact", "co": "icontains", "sw": "istartswith", "ew": "iendswith"}
EXACT_LOOKUPS = {"eq": "exact", "co": "contains", "sw": "startswith", "ew": "endswith"}
ORDER_LOOKUPS = {"gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}


def _compare(attribute, op, value, path):
    nothing = Q(pk__in=[])
    if attribute.kind in ("string", "exact"):
        if not isinstance(value, str):
            raise invalid_filter(
                _("'%(path)s' compares with a string in double quotes.") % {"path": path}
            )
        lookups = STRING_LOOKUPS if attribute.kind == "string" else EXACT_LOOKUPS
        if op == "ne":
            return ~Q(**{f"{attribute.field}__{lookups['eq']}": value})
        lookup = lookups.get(op) or ORDER_LOOKUPS[op]
        return Q(**{f"{attribute.field}__{lookup}": value})
    if attribute.kind == "boolean":
        if not isinstance(value, bool) or op not in ("eq", "ne"):
            raise invalid_filter(
                _("'%(path)s' takes only eq or ne with true or false.") % {"path": path}
            )
        return Q(**{attribute.field: value if op == "eq" else not value})
    if attribute.kind == "integer":
        if op not in ("eq", "ne"):
            raise invalid_filter(_("'%(path)s' takes only eq or ne.") % {"path": path})
        try:
            number = int(value)
        except (TypeError, ValueError):
            # Not one of the portal's ids: nothing is equal to it.
            return ~nothing if op == "ne" else nothing
        q = Q(**{attribute.field: number})
        return ~q if op == "ne" else q
    # datetime
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None or op in ("co", "sw", "ew"):
        raise invalid_filter(
            _("'%(path)s' compares with a date and time (RFC 3339) only.") % {"path": path}
        )
    if op == "eq":
        return Q(**{attribute.field: moment})
    if op == "ne":
        return ~Q(**{attribute.field: moment})
    return Q(**{f"{attribute.field}__{ORDER_LOOKUPS[op]}": moment})


# --- PATCH (RFC 7644 3.5.2) -----------------------------------------------------------------

VALUE_PATH = re.compile(r"^(?P<attr>[\w:.]+?)\[(?P<filter>[^\]]*)\](?:\.(?P<sub>\w+))?$")


def invalid_path(detail):
    return ScimError(400, detail, "invalidPath")


def patch_operations(body):
    """The operations of the PatchOp `body` as [(number, op, path, value)], the envelope and
    each operation's shape checked (ScimError)."""
    if not isinstance(body, dict):
        raise invalid_value(_("The body must be a JSON object."))
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or PATCH_SCHEMA not in schemas:
        raise invalid_value(_("'schemas' must list %(schema)s.") % {"schema": PATCH_SCHEMA})
    operations = body.get("Operations", body.get("operations"))
    if not isinstance(operations, list) or not operations:
        raise invalid_value(_("'Operations' must be a non-empty list."))
    checked = []
    for number, operation in enumerate(operations, start=1):
        if not isinstance(operation, dict):
            raise invalid_value(_("Operations[%(number)d] must be an object.") % {"number": number})
        op = str(operation.get("op", "")).lower()
        if op not in ("add", "replace", "remove"):
            raise invalid_value(
                _("Operations[%(number)d].op must be add, replace or remove, not '%(op)s'.")
                % {"number": number, "op": operation.get("op")}
            )
        path = operation.get("path")
        if path is not None and not isinstance(path, str):
            raise invalid_path(
                _("Operations[%(number)d].path must be a string.") % {"number": number}
            )
        checked.append((number, op, path, operation.get("value")))
    return checked


@contextmanager
def numbered(number):
    """An error of the operation `number` says which it was."""
    try:
        yield
    except ScimError as exc:
        exc.detail = _("Operations[%(number)d]: %(detail)s") % {
            "number": number,
            "detail": exc.detail,
        }
        raise


def patch_apply(data, body, *, staff):
    """The UserData after the PatchOp `body`'s operations, applied in order; any operation that
    fails fails them all (ScimError), nothing being written yet."""
    for number, op, path, value in patch_operations(body):
        with numbered(number):
            data = _operation(data, op, path, value, staff=staff)
    return data


def _operation(data, op, path, value, *, staff):
    if not path:
        if op == "remove":
            raise ScimError(400, _("A remove operation needs a path."), "noTarget")
        if not isinstance(value, dict):
            raise invalid_value(_("Without a path, the value must be an object of attributes."))
        for name, each in value.items():
            data = _set(data, op, _key(name), each, staff=staff, label=name)
        return data
    match = VALUE_PATH.match(path.strip())
    if match:
        return _set_value_path(data, op, match, value, staff=staff)
    name = _key(path.strip())
    if op == "remove":
        return _remove(data, name, path)
    return _set(data, op, name, value, staff=staff, label=path.strip())


def _set(data, op, name, value, *, staff, label=None):
    if name == "username":
        return replace(data, user_name=_string(value, "userName", USERNAME_MAX, required=True))
    if name == "active":
        return replace(data, active=_boolean(value, "active"))
    if name == "externalid":
        return replace(data, external_id=_string(value, "externalId", EXTERNAL_ID_MAX))
    if name == "name":
        if not isinstance(value, dict):
            raise invalid_value(_("'name' must be an object."))
        for sub, each in value.items():
            data = _set(data, op, "name." + sub.lower(), each, staff=staff)
        return data
    if name == "name.givenname":
        return replace(data, given_name=_string(value, "name.givenName", NAME_MAX))
    if name == "name.familyname":
        return replace(data, family_name=_string(value, "name.familyName", NAME_MAX))
    if name == "name.formatted" or name == "displayname":
        return data  # readOnly: made of givenName and familyName
    if name in ("emails", "emails.value"):
        if name == "emails.value":
            value = [{"value": value}]
        elif isinstance(value, dict):
            value = [value]
        return replace(data, email=_email_of(value) or data.email)
    if name == "roles":
        if isinstance(value, dict):
            value = [value]
        roles = _roles_of(value, staff)
        if op == "add" and staff:
            # Staff may hold both roles; a partner holds one, so adding one replaces it.
            roles = tuple(sorted(set(roles) | set(data.roles)))
        return replace(data, roles=roles)
    if name in ("id", "meta", "schemas", "groups") or name.startswith("meta."):
        raise ScimError(
            400, _("'%(path)s' cannot be changed.") % {"path": label or name}, "mutability"
        )
    raise invalid_path(
        _("The attribute '%(path)s' is not one the portal keeps.") % {"path": label or name}
    )


def _remove(data, name, path):
    if name == "externalid":
        return replace(data, external_id="")
    if name == "name":
        return replace(data, given_name="", family_name="")
    if name == "name.givenname":
        return replace(data, given_name="")
    if name == "name.familyname":
        return replace(data, family_name="")
    if name == "roles":
        return replace(data, roles=())
    if name in ("username", "emails", "emails.value", "active"):
        raise ScimError(
            400, _("'%(path)s' is required and cannot be removed.") % {"path": path}, "mutability"
        )
    if name in ("id", "meta", "schemas") or name.startswith("meta."):
        raise ScimError(400, _("'%(path)s' cannot be changed.") % {"path": path}, "mutability")
    raise invalid_path(_("The attribute '%(path)s' is not one the portal keeps.") % {"path": path})


def _set_value_path(data, op, match, value, *, staff):
    attr = _key(match.group("attr"))
    sub = (match.group("sub") or "").lower()
    condition = match.group("filter")
    # The portal keeps one address (work, primary): any filter on emails selects it.
    if attr == "emails":
        if op == "remove":
            raise ScimError(400, _("'emails' is required and cannot be removed."), "mutability")
        if sub in ("", "value"):
            email = value.get("value") if isinstance(value, dict) and not sub else value
            return replace(data, email=_string(email, "emails.value", EMAIL_MAX) or data.email)
        return data  # type, primary: the portal keeps one work address, primary
    if attr == "roles":
        named = re.match(r'^\s*value\s+eq\s+"([^"]*)"\s*$', condition, re.IGNORECASE)
        if named is None:
            raise invalid_path(
                _("Roles are selected by value eq \"...\", not '%(condition)s'.")
                % {"condition": condition}
            )
        if op == "remove":
            return replace(data, roles=tuple(r for r in data.roles if r != named.group(1)))
        added = _roles_of([named.group(1)], staff)
        return replace(data, roles=tuple(sorted(set(added) | set(data.roles))) if staff else added)
    raise invalid_path(
        _("The attribute '%(path)s' is not one the portal keeps.") % {"path": match.group("attr")}
    )
