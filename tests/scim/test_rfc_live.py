"""RFC 7644 against the live server over a real socket: scim2-tester's compliance checks with a
SCIM client (scim2-client), then each operation by hand: create, read, filter, page, replace,
patch, delete, and the errors bad input gets."""

import random

import httpx2
import pytest
from django.contrib.auth import get_user_model
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from identity.models import Membership
from scim.models import Event
from tests import factories
from tests.scim.conftest import SCIM, new_user

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
PASSED = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE, Status.SKIPPED}
# What the portal does on purpose (README, "Provisioning (SCIM 2.0)"): a user always has a role
# (removing roles makes a partner a rep, a staff member a channel manager) and is active or not
# (removing `active` is refused).
DOCUMENTED = (
    "PATCH modify() did not remove attribute 'roles'",
    "Failed to remove attribute 'active'",
)
# The groups are the portal's roles: the checker's Group checks start by creating a group, which
# is refused (405) with this detail; tests/scim/test_groups.py runs the operations groups have.
GROUPS_FIXED = "The portal's groups are its roles: they cannot be created or deleted"


def faults(live_server, secret, documented=DOCUMENTED):
    http = httpx2.Client(
        base_url=live_server.url + "/scim/v2/",
        headers={"Authorization": f"Bearer {secret}"},
        trust_env=False,
        timeout=10,
    )
    random.seed(7)  # the checker's random values: the same run every time
    with http:
        results = check_server(SyncSCIMClient(http))
    assert len(results) > 40
    return [
        f"{r.status.name} {r.title}: {r.reason}"
        for r in results
        if r.status not in PASSED
        and not (r.reason or "").startswith(documented)
        and not (r.resource_type == "Group" and (r.reason or "").startswith(GROUPS_FIXED))
    ]


def test_scim2_tester_finds_no_fault_with_a_distributors_token(live_server, acme_token):
    assert faults(live_server, acme_token[1]) == []


def test_scim2_tester_finds_no_fault_with_the_staff_token(live_server, staff_token):
    # A staff member created without roles is a channel manager; an `add` of a role keeps it
    # (RFC 7644 3.5.2.1: add to a multi-valued attribute adds a value), which the checker,
    # expecting only the added role, reads as a fault.
    added = "PATCH modify() returned unexpected value for 'roles'"
    assert faults(live_server, staff_token[1], (*DOCUMENTED, added)) == []


def test_a_directory_creates_reads_filters_pages_replaces_patches_and_deletes_a_user(
    acme_token, scim_http, distributor
):
    scim = scim_http(acme_token[1])
    created = scim.post("Users", json=new_user("Ada@acme.example", externalId="okta-1"))
    assert created.status_code == 201
    assert created.headers["Content-Type"] == SCIM
    user = created.json()
    assert user["userName"] == "ada@acme.example"
    assert user["externalId"] == "okta-1"
    assert user["roles"] == [{"value": "partner_rep"}]
    assert created.headers["Location"] == user["meta"]["location"]
    membership = Membership.objects.get(user_id=int(user["id"]))
    assert membership.distributor == distributor and membership.role == "rep"

    assert scim.get(f"Users/{user['id']}").json()["userName"] == "ada@acme.example"
    for expression in (
        'userName eq "ADA@acme.example"',
        'emails.value eq "ada@acme.example"',
        'emails[value eq "ada@acme.example"]',
        'externalId eq "okta-1"',
        'externalId eq "nope" or userName sw "ada"',
        'userName eq "ada@acme.example" and active eq true',
        'not (externalId eq "nope") and externalId pr',
    ):
        listed = scim.get("Users", params={"filter": expression}).json()
        assert [r["id"] for r in listed["Resources"]] == [user["id"]], expression
        assert listed["totalResults"] == 1
    assert (
        scim.get("Users", params={"filter": 'externalId eq "OKTA-1"'}).json()["totalResults"] == 0
    )  # externalId is caseExact

    for n in range(4):
        assert scim.post("Users", json=new_user(f"rep{n}@acme.example")).status_code == 201
    page = scim.get("Users", params={"startIndex": 2, "count": 2}).json()
    assert page["totalResults"] == 6  # the partner admin who made the token, and five
    assert page["startIndex"] == 2 and page["itemsPerPage"] == 2 and len(page["Resources"]) == 2
    assert scim.get("Users", params={"startIndex": 6, "count": 10}).json()["itemsPerPage"] == 1

    replaced = scim.put(
        f"Users/{user['id']}",
        json=new_user(
            "ada@acme.example",
            name={"givenName": "Augusta", "familyName": "King"},
            roles=[{"value": "partner_admin"}],
        ),
    )
    assert replaced.status_code == 200
    body = replaced.json()
    assert body["name"] == {"givenName": "Augusta", "familyName": "King"}
    assert "externalId" not in body  # PUT replaces: what is not sent is cleared
    assert Membership.objects.get(user_id=int(user["id"])).role == "admin"

    patched = scim.patch(
        f"Users/{user['id']}",
        json={
            "schemas": [PATCH],
            "Operations": [
                {"op": "add", "path": "externalId", "value": "okta-2"},
                {"op": "Replace", "value": {"name.familyName": "Byron", "active": False}},
                {
                    "op": "replace",
                    "path": 'emails[type eq "work"].value',
                    "value": "a@acme.example",
                },
                {"op": "remove", "path": "name.givenName"},
                {"op": "remove", "path": 'roles[value eq "partner_admin"]'},
            ],
        },
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["externalId"] == "okta-2"
    assert body["name"] == {"familyName": "Byron"}
    assert body["active"] is False
    assert body["emails"][0]["value"] == "a@acme.example"
    assert body["roles"] == [{"value": "partner_rep"}]

    assert scim.delete(f"Users/{user['id']}").status_code == 204
    gone = scim.get(f"Users/{user['id']}")
    assert gone.status_code == 404 and gone.json()["status"] == "404"
    assert not get_user_model().objects.filter(pk=int(user["id"])).exists()
    assert list(
        Event.objects.filter(user_name__in=["ada@acme.example", "a@acme.example"])
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["created", "updated", "deactivated", "deleted"]


def test_discovery_endpoints_describe_the_user_and_group_resources(acme_token, scim_http):
    scim = scim_http(acme_token[1])
    config = scim.get("ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True and config["filter"]["supported"] is True
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = scim.get("ResourceTypes").json()
    assert [t["endpoint"] for t in types["Resources"]] == ["/Users", "/Groups"]
    group = scim.get("Schemas/urn:ietf:params:scim:schemas:core:2.0:Group").json()
    assert [a["name"] for a in group["attributes"]] == ["displayName", "members"]
    schema = scim.get("Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()
    roles = next(a for a in schema["attributes"] if a["name"] == "roles")
    assert roles["subAttributes"][0]["canonicalValues"] == ["partner_admin", "partner_rep"]


def snapshot():
    users = get_user_model().objects.order_by("pk")
    return (
        list(users.values_list("pk", "username", "email", "first_name", "is_active")),
        list(Membership.objects.order_by("pk").values_list("user_id", "role")),
        Event.objects.exclude(action__startswith="token").count(),
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "scim_type", "named"),
    [
        ("post", "Users", {"schemas": [new_user("x")["schemas"][0]]}, 400, "invalidValue",
         "userName"),
        ("post", "Users", new_user("ada@acme.example", emails=[{"value": "not-an-address"}]),
         400, "invalidValue", "emails"),
        ("post", "Users", new_user("ada@acme.example", active="maybe"), 400, "invalidValue",
         "active"),
        ("post", "Users", new_user("ada@acme.example", roles=[{"value": "boss"}]), 400,
         "invalidValue", "roles"),
        ("get", 'Users?filter=userName eq "unclosed', None, 400, "invalidFilter", "filter"),
        ("get", 'Users?filter=userName equals "x"', None, 400, "invalidFilter", "equals"),
        ("get", 'Users?filter=password eq "x"', None, 400, "invalidFilter", "password"),
        ("get", "Users?count=many", None, 400, "invalidValue", "count"),
        ("patch", "Users/{id}", {"schemas": [PATCH], "Operations": [{"op": "move",
         "path": "active", "value": False}]}, 400, "invalidValue", "op"),
        ("patch", "Users/{id}", {"schemas": [PATCH], "Operations": [
            {"op": "replace", "path": "active", "value": False},
            {"op": "remove"}]}, 400, "noTarget", "path"),
        ("patch", "Users/{id}", {"schemas": [PATCH], "Operations": [
            {"op": "replace", "path": "name.givenName", "value": "Changed"},
            {"op": "replace", "path": "nickName", "value": "x"}]}, 400, "invalidPath",
         "nickName"),
        ("patch", "Users/{id}", {"schemas": [PATCH], "Operations": [
            {"op": "remove", "path": "userName"}]}, 400, "mutability", "userName"),
        ("put", "Users/{id}", {"userName": "", "emails": [{"value": "a@acme.example"}]}, 400,
         "invalidValue", "userName"),
        ("put", "Users/{id}", "not json", 400, "invalidSyntax", "JSON"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_scim_error_that_names_the_field_and_changes_nothing(
    acme_token, scim_http, colleague, method, path, body, status, scim_type, named
):
    scim = scim_http(acme_token[1])
    before = snapshot()
    kwargs = {}
    if body == "not json":
        kwargs["content"] = b"{not json"
    elif body is not None:
        kwargs["json"] = body
    response = scim.request(method.upper(), path.format(id=colleague.pk), **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == SCIM
    error = response.json()
    assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert error["status"] == str(status)
    assert error["scimType"] == scim_type
    assert named in error["detail"]
    assert snapshot() == before


def test_the_staff_token_provisions_channel_managers_and_manufacturer_admins(
    staff_token, scim_http, partner, admin_user
):
    scim = scim_http(staff_token[1])
    created = scim.post(
        "Users",
        json=new_user("cm@maker.example", roles=[{"value": "channel_manager"}]),
    ).json()
    user = get_user_model().objects.get(pk=int(created["id"]))
    assert list(user.groups.values_list("name", flat=True)) == ["Channel managers"]
    assert not Membership.objects.filter(user=user).exists()
    scim.patch(
        f"Users/{user.pk}",
        json={
            "schemas": [PATCH],
            "Operations": [{"op": "add", "path": "roles", "value": [
                {"value": "manufacturer_admin"}]}],
        },
    )  # fmt: skip
    assert set(user.groups.values_list("name", flat=True)) == {
        "Channel managers",
        "Manufacturer admins",
    }
    listed = scim.get("Users").json()
    ids = {r["id"] for r in listed["Resources"]}
    # The manufacturer admin who made the token and the new one; never a partner or a superuser.
    assert str(user.pk) in ids
    assert str(partner.pk) not in ids and str(admin_user.pk) not in ids
    assert scim.get(f"Users/{partner.pk}").status_code == 404
    assert scim.delete(f"Users/{partner.pk}").status_code == 404
    assert get_user_model().objects.filter(pk=partner.pk, is_active=True).exists()


def test_a_user_whose_name_is_on_kept_records_is_switched_off_and_taken_out_of_scope(
    acme_token, scim_http, colleague, distributor
):
    # A goal the colleague accepted for its distributor keeps its name (PROTECT).
    factories.GoalFactory(distributor=distributor, partner_accepted_by=colleague)
    scim = scim_http(acme_token[1])
    assert scim.delete(f"Users/{colleague.pk}").status_code == 204
    assert scim.get(f"Users/{colleague.pk}").status_code == 404
    colleague.refresh_from_db()
    assert colleague.is_active is False
    assert not Membership.objects.filter(user=colleague).exists()
