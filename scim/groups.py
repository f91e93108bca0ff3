"""SCIM Groups (RFC 7643 4.2) as the portal has them: its roles, fixed groups whose members are
the users of the token's scope holding the role. A distributor's token sees its partner admins
and partner reps; the manufacturer's, its manufacturer admins and channel managers.

Nothing here writes: a filter is read into a predicate over groups, a PatchOp or a PUT body into
the member changes that `services.scim_group_change` applies through each user's roles.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .protocol import (
    GROUP_SCHEMA,
    PARTNER_ROLES,
    ROLE_GROUP_NAMES,
    STAFF_ROLES,
    ScimError,
    attribute_key,
    filter_parse,
    invalid_filter,
    invalid_path,
    invalid_value,
    numbered,
    patch_operations,
)


@dataclass(frozen=True)
class RoleGroup:
    """A role as a group: its id is the role's value in a user's `roles`."""

    id: str
    display_name: str


# The display names are data a directory matches on: the same in every language (the staff's
# are the portal's own groups, identity.access).
PARTNER_GROUPS = tuple(RoleGroup(role, ROLE_GROUP_NAMES[role]) for role in PARTNER_ROLES)
STAFF_GROUPS = tuple(RoleGroup(role, ROLE_GROUP_NAMES[role]) for role in STAFF_ROLES)


def groups_of(*, staff):
    return STAFF_GROUPS if staff else PARTNER_GROUPS


def group_get(group_id, *, staff):
    return next((g for g in groups_of(staff=staff) if g.id == group_id), None)


def group_resource(group, members, *, location, member_location):
    """The Group resource; `members`: [(user id, userName)]."""
    return {
        "schemas": [GROUP_SCHEMA],
        "id": group.id,
        "displayName": group.display_name,
        "members": [
            {"value": str(pk), "$ref": member_location(pk), "display": name, "type": "User"}
            for pk, name in members
        ],
        "meta": {"resourceType": "Group", "location": location},
    }


# --- filters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """A group as a filter sees it: the group and its members' ids (strings)."""

    group: RoleGroup
    member_ids: frozenset


class Match:
    """A predicate over Listed groups, combined like a Q (&, |, ~)."""

    def __init__(self, test):
        self.test = test

    def __call__(self, listed):
        return self.test(listed)

    def __and__(self, other):
        return Match(lambda listed: self(listed) and other(listed))

    def __or__(self, other):
        return Match(lambda listed: self(listed) or other(listed))

    def __invert__(self):
        return Match(lambda listed: not self(listed))


STRING_TESTS = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "co": lambda a, b: b in a,
    "sw": lambda a, b: a.startswith(b),
    "ew": lambda a, b: a.endswith(b),
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}
# attribute: (its values in a listed group, compared with case)
GROUP_FILTERABLE = {
    "id": (lambda listed: [listed.group.id], True),
    "displayname": (lambda listed: [listed.group.display_name], False),
    "members": (lambda listed: listed.member_ids, True),
    "members.value": (lambda listed: listed.member_ids, True),
}


def _group_comparison(path, op, value):
    known = GROUP_FILTERABLE.get(attribute_key(path))
    if known is None:
        raise invalid_filter(_("The attribute '%(path)s' cannot be filtered on.") % {"path": path})
    values, case_exact = known
    if op == "pr":
        return Match(lambda listed: bool(values(listed)))
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # members[value eq 12]: the ids are strings
    if not isinstance(value, str):
        raise invalid_filter(
            _("'%(path)s' compares with a string in double quotes.") % {"path": path}
        )
    test = STRING_TESTS[op]
    wanted = value if case_exact else value.lower()
    # A multi-valued attribute matches when any of its values does (RFC 7644 3.4.2.2).
    return Match(
        lambda listed: any(test(v if case_exact else v.lower(), wanted) for v in values(listed))
    )


def group_filter(text):
    """The filter expression as a predicate over Listed groups (invalidFilter when unread)."""
    return filter_parse(text, _group_comparison)


# --- PATCH and PUT ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberChange:
    """`op` (add, remove, replace) of the members `ids` (strings); ids None: every member."""

    op: str
    ids: tuple | None


MEMBER_PATH = re.compile(r'^members\[\s*value\s+eq\s+"([^"]*)"\s*\]$', re.IGNORECASE)


def _member_ids(value, label):
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise invalid_value(
            _("'%(path)s' must be a list of {\"value\": ...} objects.") % {"path": label}
        )
    ids = []
    for each in value:
        member = each.get("value") if isinstance(each, dict) else None
        if isinstance(member, int) and not isinstance(member, bool):
            member = str(member)
        if not isinstance(member, str) or not member.strip():
            raise invalid_value(
                _("'%(path)s' must be a list of {\"value\": ...} objects.") % {"path": label}
            )
        ids.append(member.strip())
    return tuple(dict.fromkeys(ids))


def _fixed(group, name, value, label):
    """displayName may be sent as it is (a directory sends the whole group); nothing else of a
    group changes but its members."""
    if name == "displayname":
        if isinstance(value, str) and value.strip().lower() == group.display_name.lower():
            return
        raise ScimError(
            400,
            _("The portal's groups are its roles: '%(path)s' cannot be changed.") % {"path": label},
            "mutability",
        )
    if name in ("id", "meta", "schemas", "externalid") or name.startswith("meta."):
        raise ScimError(400, _("'%(path)s' cannot be changed.") % {"path": label}, "mutability")
    raise invalid_path(_("The attribute '%(path)s' is not one the portal keeps.") % {"path": label})


def _operation(group, op, path, value):
    if not path:
        if op == "remove":
            raise ScimError(400, _("A remove operation needs a path."), "noTarget")
        if not isinstance(value, dict):
            raise invalid_value(_("Without a path, the value must be an object of attributes."))
        changes = []
        for name, each in value.items():
            if attribute_key(name) == "members":
                changes.append(MemberChange(op, _member_ids(each, name)))
            else:
                _fixed(group, attribute_key(name), each, name)
        return changes
    path = path.strip()
    member = MEMBER_PATH.match(path)
    if member:
        if op != "remove":
            raise invalid_path(
                _("A member is selected by a filter only to be removed; add members to 'members'.")
            )
        return [MemberChange("remove", (member.group(1),))]
    name = attribute_key(path)
    if name == "members":
        if op == "remove" and value is None:
            return [MemberChange("remove", None)]
        return [MemberChange(op, _member_ids(value, path))]
    _fixed(group, name, value, path)
    return []


def group_patch_read(group, body):
    """The member changes of the PatchOp `body` on `group`, in order; any operation that fails
    fails them all (ScimError), nothing being written yet."""
    changes = []
    for number, op, path, value in patch_operations(body):
        with numbered(number):
            changes += _operation(group, op, path, value)
    return changes


def group_put_read(group, body):
    """A PUT body (the whole group) as the one change it makes: its members replaced."""
    if not isinstance(body, dict):
        raise invalid_value(_("The body must be a JSON object."))
    attrs = {attribute_key(k): (k, v) for k, v in body.items()}
    schemas = attrs.get("schemas", (None, None))[1]
    if schemas is not None and (not isinstance(schemas, list) or GROUP_SCHEMA not in schemas):
        raise invalid_value(_("'schemas' must list %(schema)s.") % {"schema": GROUP_SCHEMA})
    label, name = attrs.get("displayname", ("displayName", None))
    _fixed(group, "displayname", name, label)
    return [
        MemberChange("replace", _member_ids(attrs.get("members", ("members", []))[1], "members"))
    ]
