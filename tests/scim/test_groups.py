"""SCIM Groups: the portal's roles as fixed groups. A directory lists, reads, filters and pages
them and adds, removes or replaces their members with the SCIM client (scim2-client, RFC 7644
operations over the live server), which changes the users' roles; groups are never created or
deleted, and a distributor's token never reaches another distributor's users through them."""

import pytest
from django.contrib.auth import get_user_model
from scim2_models import Group, PatchOp, PatchOperation

from identity.models import Membership
from scim.models import Event
from tests import factories

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def role(user):
    return Membership.objects.get(user=user).role


def members(group):
    return sorted(int(m.value) for m in group.members or [])


def patch(*operations):
    return PatchOp[Group](operations=[PatchOperation(**op) for op in operations])


def test_a_directory_lists_reads_filters_and_pages_a_distributors_role_groups(
    acme_token, scim_client, partner, colleague
):
    scim = scim_client(acme_token[1])
    listed = scim.query(Group)
    assert listed.total_results == 2
    assert [(g.id, g.display_name) for g in listed.resources] == [
        ("partner_admin", "Partner admins"),
        ("partner_rep", "Partner reps"),
    ]
    admins = scim.query(Group, "partner_admin")
    assert members(admins) == [partner.pk]
    assert admins.members[0].display == partner.username
    assert admins.members[0].type == "User"
    assert admins.meta.location.endswith("/scim/v2/Groups/partner_admin")

    by_name = scim.query(Group, query_parameters={"filter": 'displayName eq "partner REPS"'})
    assert [g.id for g in by_name.resources] == ["partner_rep"]
    by_member = scim.query(
        Group, query_parameters={"filter": f'members[value eq "{colleague.pk}"]'}
    )
    assert [g.id for g in by_member.resources] == ["partner_rep"]
    page = scim.query(Group, query_parameters={"startIndex": 2, "count": 1})
    assert page.total_results == 2 and [g.id for g in page.resources] == ["partner_rep"]
    slim = scim.query(Group, query_parameters={"excludedAttributes": "members"})
    assert all(g.members is None for g in slim.resources)
    named = scim.query(Group, "partner_rep", query_parameters={"attributes": "displayName"})
    assert named.display_name == "Partner reps" and named.members is None


def test_adding_removing_and_replacing_members_changes_the_users_roles(
    acme_token, scim_client, partner, colleague, distributor
):
    third = factories.MembershipFactory(distributor=distributor, role="rep").user
    scim = scim_client(acme_token[1])
    added = scim.modify(
        Group, "partner_admin", patch({"op": "add", "path": "members", "value": [
            {"value": str(colleague.pk)}]})
    )  # fmt: skip
    assert members(added) == sorted([partner.pk, colleague.pk])
    assert role(colleague) == "admin"
    # A partner holds one role: joining the admins left the reps.
    assert members(scim.query(Group, "partner_rep")) == [third.pk]

    scim.modify(
        Group,
        "partner_admin",
        patch({"op": "remove", "path": f'members[value eq "{colleague.pk}"]'}),
    )
    assert role(colleague) == "rep"

    scim.modify(
        Group, "partner_admin", patch({"op": "replace", "path": "members", "value": [
            {"value": str(third.pk)}]})
    )  # fmt: skip
    assert (role(partner), role(colleague), role(third)) == ("rep", "rep", "admin")
    changes = Event.objects.filter(action=Event.Action.UPDATED).values_list("user_id", "changed")
    assert (colleague.pk, ["roles"]) in list(changes)


def test_a_user_removed_from_its_only_role_group_keeps_the_lowest_role(
    acme_token, staff_token, scim_http, colleague, manufacturer_admin
):
    partner_side = scim_http(acme_token[1])
    removal = {"op": "remove", "path": "members", "value": [{"value": str(colleague.pk)}]}
    body = {"schemas": [PATCH], "Operations": [removal]}
    answer = partner_side.patch("Groups/partner_rep", json=body)
    assert answer.status_code == 200
    assert str(colleague.pk) in {m["value"] for m in answer.json()["members"]}
    assert role(colleague) == "rep"

    both = factories.ManagerFactory()
    both.groups.add(manufacturer_admin.groups.get())
    staff = scim_http(staff_token[1])
    for group_id, user in (("manufacturer_admin", both), ("channel_manager", manufacturer_admin)):
        body["Operations"][0]["value"] = [{"value": str(user.pk)}]
        assert staff.patch(f"Groups/{group_id}", json=body).status_code == 200
    # Out of the admins, a channel manager still; the only admin left with no role: a manager.
    assert list(both.groups.values_list("name", flat=True)) == ["Channel managers"]
    assert list(manufacturer_admin.groups.values_list("name", flat=True)) == ["Manufacturer admins"]
    removed_all = {"schemas": [PATCH], "Operations": [{"op": "remove", "path": "members"}]}
    assert staff.patch("Groups/manufacturer_admin", json=removed_all).status_code == 200
    assert list(manufacturer_admin.groups.values_list("name", flat=True)) == ["Channel managers"]


def test_the_staff_tokens_groups_are_the_manufacturers_roles_and_hold_no_partner(
    staff_token, scim_client, manufacturer_admin, partner, admin_user
):
    manager = factories.ManagerFactory()
    scim = scim_client(staff_token[1])
    listed = {g.id: members(g) for g in scim.query(Group).resources}
    assert listed == {
        "manufacturer_admin": [manufacturer_admin.pk],
        "channel_manager": [manager.pk],
    }
    scim.modify(
        Group, "manufacturer_admin", patch({"op": "add", "path": "members", "value": [
            {"value": str(manager.pk)}]})
    )  # fmt: skip
    assert set(manager.groups.values_list("name", flat=True)) == {
        "Channel managers",
        "Manufacturer admins",
    }


def test_groups_are_never_created_deleted_or_renamed(acme_token, scim_http, partner):
    scim = scim_http(acme_token[1])
    before = list(Membership.objects.order_by("pk").values_list("user_id", "role"))
    created = scim.post("Groups", json={"schemas": [GROUP], "displayName": "Bosses"})
    deleted = scim.delete("Groups/partner_admin")
    for answer in (created, deleted):
        assert answer.status_code == 405
        assert answer.json()["detail"].startswith("The portal's groups are its roles")
    assert created.headers["Allow"] == "GET"
    renamed = scim.patch(
        "Groups/partner_admin",
        json={"schemas": [PATCH], "Operations": [
            {"op": "replace", "path": "displayName", "value": "Bosses"}]},
    )  # fmt: skip
    assert renamed.status_code == 400 and renamed.json()["scimType"] == "mutability"
    assert scim.get("Groups/manufacturer_admin").status_code == 404  # another scope's role
    assert list(Membership.objects.order_by("pk").values_list("user_id", "role")) == before


def test_a_distributors_token_never_sees_or_changes_another_distributors_users_by_groups(
    acme_token, scim_http, partner, colleague, outsider, manager
):
    scim = scim_http(acme_token[1])
    every = scim.get("Groups").json()["Resources"]
    seen = {m["value"] for g in every for m in g["members"]}
    assert seen == {str(partner.pk), str(colleague.pk)}
    for expression in (f'members[value eq "{outsider.pk}"]', f'members.value eq "{manager.pk}"'):
        assert scim.get("Groups", params={"filter": expression}).json()["totalResults"] == 0
    rival_role = role(outsider)
    for op, value in (("add", outsider.pk), ("replace", outsider.pk), ("remove", outsider.pk)):
        answer = scim.patch(
            "Groups/partner_rep",
            json={"schemas": [PATCH], "Operations": [
                {"op": "add", "path": "members", "value": [{"value": str(colleague.pk)}]},
                {"op": op, "path": "members", "value": [{"value": str(value)}]}]},
        )  # fmt: skip
        assert answer.status_code == 400, answer.text
        assert answer.json()["scimType"] == "invalidValue"
        assert answer.json()["detail"] == f"There is no user {outsider.pk}."
    assert role(outsider) == rival_role
    # Replacing acme's reps by nobody leaves the rival's users as they were.
    emptied = scim.put("Groups/partner_admin", json={
        "schemas": [GROUP], "displayName": "Partner admins", "members": []})  # fmt: skip
    assert emptied.status_code == 200
    assert role(partner) == "rep" and role(outsider) == rival_role
    assert get_user_model().objects.get(pk=outsider.pk).is_active


def test_a_failed_operation_changes_no_member(acme_token, scim_http, colleague):
    scim = scim_http(acme_token[1])
    answer = scim.patch(
        "Groups/partner_admin",
        json={"schemas": [PATCH], "Operations": [
            {"op": "add", "path": "members", "value": [{"value": str(colleague.pk)}]},
            {"op": "replace", "path": "displayName", "value": "Bosses"}]},
    )  # fmt: skip
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("Operations[2]: The portal's groups are its roles")
    assert role(colleague) == "rep"


def test_a_user_names_its_groups(acme_token, scim_http, partner):
    user = scim_http(acme_token[1]).get(f"Users/{partner.pk}").json()
    assert [(g["value"], g["display"]) for g in user["groups"]] == [
        ("partner_admin", "Partner admins")
    ]
    assert user["groups"][0]["$ref"].endswith("/scim/v2/Groups/partner_admin")
