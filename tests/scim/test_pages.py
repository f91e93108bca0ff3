"""The provisioning pages: a partner admin's (/my/provisioning/) and a manufacturer admin's
(/integrations/provisioning/): the token shown once and kept hashed, revoked, last used, the
endpoint, the activity, and who may not come in."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from scim import services
from scim.models import Event, Token
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_partner_admin_creates_a_token_shown_once_and_kept_only_hashed(login, partner):
    client = login(partner)
    page = client.post(reverse("scim:mine"), {"description": "Okta"})
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    secret = page.context["secret"]
    assert secret.startswith("scim_") and secret in page.content.decode()
    token = Token.objects.get()
    assert token.distributor == partner.membership.distributor
    assert token.digest != secret and secret not in (token.digest, token.prefix)
    assert services.token_authenticate(secret) == token
    listing = client.get(reverse("scim:mine")).content.decode()
    assert secret not in listing
    assert token.prefix in listing and "Okta" in listing and "/scim/v2/" in listing


def test_the_page_shows_when_a_token_was_last_used_and_what_the_directory_did(
    login, partner, colleague
):
    token, secret = services.token_create(by=partner)
    services.token_authenticate(secret)
    services.scim_user_change(
        token=token, user_id=colleague.pk, change=lambda data: data.__class__(
            **{**data.__dict__, "active": False})
    )  # fmt: skip
    page = login(partner).get(reverse("scim:mine"))
    token.refresh_from_db()
    assert token.last_used_at is not None
    text = page.content.decode()
    assert "Never" not in text
    assert "User deactivated" in text and colleague.username in text


def test_a_revoked_token_is_refused_and_the_other_partner_admins_are_told(
    login, partner, distributor
):
    other_admin = factories.MembershipFactory(
        user=factories.UserFactory(username="second-admin"), distributor=distributor, role="admin"
    ).user
    token, secret = services.token_create(by=partner)
    assert Notification.objects.filter(recipient=other_admin, kind="scim_token").count() == 1
    assert not Notification.objects.filter(recipient=partner).exists()  # not told of its own act
    answer = login(partner).post(reverse("scim:mine-revoke", args=[token.pk]))
    assert answer.status_code == 302
    assert services.token_authenticate(secret) is None
    assert Notification.objects.filter(recipient=other_admin, kind="scim_token").count() == 2
    assert list(Event.objects.values_list("action", flat=True).order_by("pk")) == [
        "token_created",
        "token_revoked",
    ]


def test_a_description_too_long_is_refused_with_the_field_named_and_no_token_made(login, partner):
    page = login(partner).post(reverse("scim:mine"), {"description": "x" * 201})
    assert page.status_code == 400
    assert "description" in page.context["form"].errors
    assert not Token.objects.exists()


def test_a_partner_admin_cannot_revoke_another_distributors_token(login, partner, outsider):
    outsider.membership.role = "admin"
    outsider.membership.save()
    token, secret = services.token_create(by=outsider)
    assert login(partner).post(reverse("scim:mine-revoke", args=[token.pk])).status_code == 404
    assert services.token_authenticate(secret) == token


@pytest.mark.parametrize("persona", ["colleague", "manager", "nobody"])
def test_reps_managers_and_users_without_a_role_get_no_partner_provisioning_page(
    login, request, persona
):
    client = login(request.getfixturevalue(persona))
    assert client.get(reverse("scim:mine")).status_code == 403
    assert client.post(reverse("scim:mine")).status_code == 403
    assert not Token.objects.exists()


def test_a_manufacturer_admin_keeps_the_staff_token_and_a_channel_manager_may_not(
    login, admin_user, manager, partner
):
    assert login(manager).get(reverse("scim:staff")).status_code == 403
    assert login(partner).get(reverse("scim:staff")).status_code == 403
    page = login(admin_user).post(reverse("scim:staff"), {"description": "Entra"})
    assert page.status_code == 200
    assert Token.objects.get().distributor is None
    assert login(admin_user).get(reverse("scim:mine")).status_code == 403


def test_the_activity_names_the_attributes_a_directory_changed_as_scim_does(
    login, partner, colleague
):
    token, _secret = services.token_create(by=partner)
    services.scim_user_change(
        token=token, user_id=colleague.pk, change=lambda data: data.__class__(
            **{**data.__dict__, "given_name": "Changed", "external_id": "x-1"})
    )  # fmt: skip
    event = Event.objects.get(action="updated")
    assert event.changed == ["name.givenName", "externalId"]
    assert "name.givenName, externalId" in login(partner).get(reverse("scim:mine")).content.decode()
