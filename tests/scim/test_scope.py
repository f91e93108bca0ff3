"""A token sees and touches only its own scope: a distributor's token never reaches another
distributor's users or the staff, and a taken name answers 409 without saying whose it is."""

import httpx2
import pytest
from django.contrib.auth import get_user_model

from identity.models import Membership
from scim import services
from tests.scim.conftest import new_user

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def state(user):
    user = get_user_model().objects.get(pk=user.pk)
    membership = Membership.objects.get(user=user)
    return (user.username, user.email, user.first_name, user.is_active, membership.distributor_id,
            membership.role)  # fmt: skip


def test_a_distributors_token_cannot_read_change_or_delete_another_distributors_user(
    acme_token, scim_http, outsider
):
    scim = scim_http(acme_token[1])
    before = state(outsider)
    body = new_user("taken@acme.example", active=False)
    patch = {
        "schemas": [PATCH],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    for response in (
        scim.get(f"Users/{outsider.pk}"),
        scim.put(f"Users/{outsider.pk}", json=body),
        scim.patch(f"Users/{outsider.pk}", json=patch),
        scim.delete(f"Users/{outsider.pk}"),
    ):
        assert response.status_code == 404
        assert response.json()["detail"] == f"There is no user {outsider.pk}."
    assert state(outsider) == before


def test_a_distributors_token_never_lists_another_distributors_users_or_the_staff(
    acme_token, scim_http, partner, colleague, outsider, manager, admin_user
):
    scim = scim_http(acme_token[1])
    listed = scim.get("Users", params={"count": 100}).json()
    assert {r["id"] for r in listed["Resources"]} == {str(partner.pk), str(colleague.pk)}
    assert listed["totalResults"] == 2
    for user in (outsider, manager, admin_user):
        for expression in (
            f'userName eq "{user.username}"',
            f'id eq "{user.pk}"',
            f'userName eq "{user.username}" or userName pr',
        ):
            found = scim.get("Users", params={"filter": expression}).json()
            assert str(user.pk) not in {r["id"] for r in found["Resources"]}, expression
    searched = scim.post(
        ".search",
        json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": f'userName eq "{outsider.username}"',
        },
    ).json()
    assert searched["totalResults"] == 0


def test_a_taken_name_or_address_is_a_409_that_says_nothing_of_whose_it_is(
    acme_token, scim_http, outsider, colleague
):
    scim = scim_http(acme_token[1])
    outsider.email = "someone@rival.example"
    outsider.save()
    users_before = get_user_model().objects.count()
    answers = [
        scim.post("Users", json=new_user(outsider.username, emails=[{"value": "n@acme.example"}])),
        scim.post("Users", json=new_user("new@acme.example", emails=[{"value": outsider.email}])),
        # The colleague is acme's own: the same answer, so the two cannot be told apart.
        scim.post("Users", json=new_user(colleague.username, emails=[{"value": "m@acme.example"}])),
        scim.put(f"Users/{colleague.pk}",
                 json=new_user(outsider.username, emails=[{"value": "c@acme.example"}])),
    ]  # fmt: skip
    for answer in answers:
        assert answer.status_code == 409
        error = answer.json()
        assert error["scimType"] == "uniqueness"
        assert error["detail"] == "'userName' or 'emails' is already used by another user."
        assert outsider.username not in answer.text and "rival" not in answer.text.lower()
    assert get_user_model().objects.count() == users_before
    assert Membership.objects.get(user=outsider).distributor.code == "rival"


def test_a_user_created_with_a_token_always_joins_the_tokens_distributor(
    acme_token, scim_http, distributor, other_distributor
):
    scim = scim_http(acme_token[1])
    created = scim.post(
        "Users",
        json=new_user(
            "sneaky@acme.example",
            # Whatever a body says of a distributor or a group, the token decides.
            distributor=other_distributor.code,
            groups=[{"value": "Manufacturer admins"}],
            **{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "organization": other_distributor.code}},
        ),
    )  # fmt: skip
    assert created.status_code == 201
    user = get_user_model().objects.get(pk=int(created.json()["id"]))
    assert user.membership.distributor == distributor
    assert not user.groups.exists()


def test_the_staff_token_never_reaches_partners_and_partner_tokens_never_reach_staff(
    staff_token, acme_token, scim_http, partner, manager
):
    staff = scim_http(staff_token[1])
    acme = scim_http(acme_token[1])
    assert staff.get(f"Users/{partner.pk}").status_code == 404
    assert acme.get(f"Users/{manager.pk}").status_code == 404
    switch_off = {"op": "replace", "path": "active", "value": False}
    answer = acme.patch(
        f"Users/{manager.pk}", json={"schemas": [PATCH], "Operations": [switch_off]}
    )
    assert answer.status_code == 404
    manager.refresh_from_db()
    assert manager.is_active


def test_without_a_usable_token_every_scim_endpoint_answers_401(
    acme_token, scim_http, live_server, partner, client
):
    token, secret = acme_token
    anonymous = httpx2.Client(base_url=live_server.url + "/scim/v2/", trust_env=False)
    assert anonymous.get("Users").status_code == 401
    anonymous.close()
    for secret_sent in ("scim_not-a-token", secret + "x", "Token " + secret):
        scim = scim_http(secret_sent)
        for path in ("Users", "ServiceProviderConfig", "Schemas", f"Users/{partner.pk}"):
            answer = scim.get(path)
            assert answer.status_code == 401, (secret_sent, path)
            assert answer.headers["WWW-Authenticate"].startswith("Bearer")
            assert answer.json()["status"] == "401"
    # A partner's own logged-in session does not open them either.
    client.force_login(partner)
    assert client.get("/scim/v2/Users").status_code == 401
    services.token_revoke(token=token, by=partner)
    assert scim_http(secret).get("Users").status_code == 401
