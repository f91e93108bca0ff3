"""The discovery documents (RFC 7643 5-7): what the service provider supports, its resource types
(User, and Group: the portal's roles) and their schemas, as the portal keeps them."""

from django.conf import settings

from .protocol import (
    GROUP_SCHEMA,
    PARTNER_ROLES,
    RESOURCE_TYPE_SCHEMA,
    SCHEMA_SCHEMA,
    SPC_SCHEMA,
    STAFF_ROLES,
    USER_SCHEMA,
)


def _attribute(name, description, *, type="string", required=False, mutability="readWrite",
               case_exact=False, uniqueness="none", multi=False, sub=None, canonical=None,
               returned="default"):  # fmt: skip
    attribute = {
        "name": name,
        "type": type,
        "multiValued": multi,
        "description": description,
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": returned,
        "uniqueness": uniqueness,
    }
    if sub is not None:
        attribute["subAttributes"] = sub
    if canonical is not None:
        attribute["canonicalValues"] = canonical
    return attribute


def user_schema(location, *, staff):
    roles = list(STAFF_ROLES) if staff else list(PARTNER_ROLES)
    return {
        "schemas": [SCHEMA_SCHEMA],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "A portal user: a distributor's partner user, or the manufacturer's staff.",
        "attributes": [
            _attribute(
                "userName",
                "The login; unique across the portal, compared without case.",
                required=True,
                uniqueness="server",
            ),
            _attribute(
                "name",
                "The user's name.",
                type="complex",
                sub=[
                    _attribute("familyName", "The family name."),
                    _attribute("givenName", "The given name."),
                ],
            ),
            _attribute("displayName", "Given and family name.", mutability="readOnly"),
            _attribute("active", "Whether the user may log in.", type="boolean", required=False),
            _attribute(
                "emails",
                "The user's one e-mail address (the primary one sent, else the first); "
                "a userName that is an address stands for it when none is sent.",
                type="complex",
                multi=True,
                required=True,
                sub=[_attribute("value", "The address.", required=True)],
            ),
            _attribute(
                "roles",
                "partner_admin or partner_rep (none: partner_rep) with a distributor's token; "
                "manufacturer_admin and/or channel_manager (none: channel_manager) with the "
                "manufacturer's.",
                type="complex",
                multi=True,
                sub=[_attribute("value", "The role.", canonical=roles)],
            ),
            _attribute(
                "groups",
                "The groups the user is in: its roles, each a group (see Groups).",
                type="complex",
                multi=True,
                mutability="readOnly",
                sub=[
                    _attribute("value", "The group's id.", mutability="readOnly"),
                    _attribute("$ref", "The group's URI.", type="reference", mutability="readOnly"),
                    _attribute("display", "The group's name.", mutability="readOnly"),
                ],
            ),
        ],
        "meta": {"resourceType": "Schema", "location": location},
    }


def group_schema(location, *, staff):
    return {
        "schemas": [SCHEMA_SCHEMA],
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "A role of the portal, whose members are the users holding it: fixed "
        "groups, never created or deleted; their members change the users' roles.",
        "attributes": [
            _attribute(
                "displayName",
                "The role's name.",
                required=True,
                mutability="readOnly",
                uniqueness="server",
            ),
            _attribute(
                "members",
                "The users holding the role. A user removed from its only role keeps the "
                "lowest one (partner_rep, channel_manager).",
                type="complex",
                multi=True,
                sub=[
                    _attribute("value", "The user's id.", mutability="immutable"),
                    _attribute("$ref", "The user's URI.", type="reference", mutability="immutable"),
                    _attribute("display", "The user's userName.", mutability="readOnly"),
                    _attribute("type", "User.", mutability="immutable", canonical=["User"]),
                ],
            ),
        ],
        "meta": {"resourceType": "Schema", "location": location},
    }


SCHEMAS = {USER_SCHEMA: user_schema, GROUP_SCHEMA: group_schema}


def schema(urn, location, *, staff):
    return SCHEMAS[urn](location, staff=staff)


RESOURCE_TYPES = {
    "User": ("/Users", USER_SCHEMA, "Portal users in the token's scope."),
    "Group": ("/Groups", GROUP_SCHEMA, "The portal's roles, with the users of the token's scope "
              "holding each."),
}  # fmt: skip


def resource_type(name, location):
    endpoint, schema_urn, description = RESOURCE_TYPES[name]
    return {
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": name,
        "name": name,
        "endpoint": endpoint,
        "description": description,
        "schema": schema_urn,
        "schemaExtensions": [],
        "meta": {"resourceType": "ResourceType", "location": location},
    }


def service_provider_config(location, documentation):
    return {
        "schemas": [SPC_SCHEMA],
        "documentationUri": documentation,
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": settings.SCIM_MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A provisioning token made on the portal's Provisioning page, "
                "sent as Authorization: Bearer <token>.",
                "primary": True,
            }
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": location},
    }
