"""Partner user services: who may invite and deactivate whom."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from distributors import services
from drm.errors import NotAllowed, ValidationFailed
from tests import factories

pytestmark = pytest.mark.django_db

SITE = "https://drm.example.com/"


def invite(by, **overrides):
    fields = {
        "email": "new@acme.example",
        "first_name": "New",
        "last_name": "User",
        "site_url": SITE,
        **overrides,
    }
    return services.partner_user_invite(by=by, **fields)


def test_the_invitation_link_starts_with_the_site_url(partner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = invite(partner)

    assert user.username == "new@acme.example"
    assert "https://drm.example.com/accounts/reset/" in mail.outbox[0].body


def test_no_invitation_is_sent_once_the_user_has_a_password(partner):
    user = invite(partner)
    user.set_password("Chosen-pass-123")
    user.save()

    assert services.partner_user_invite_send(user_id=user.pk, site_url=SITE) is False
    assert mail.outbox == []


@pytest.mark.parametrize("persona", ["colleague", "nobody"])
def test_only_partner_admins_and_the_manufacturer_invite(request, persona):
    with pytest.raises(NotAllowed):
        invite(request.getfixturevalue(persona))
    assert not get_user_model().objects.filter(email="new@acme.example").exists()


def test_a_partner_admin_cannot_invite_into_another_distributor(partner, other_distributor):
    with pytest.raises(NotAllowed):
        invite(partner, distributor=other_distributor)


def test_an_email_in_use_in_another_case_is_refused(partner, outsider):
    with pytest.raises(ValidationFailed) as error:
        invite(partner, email=outsider.email.title())
    assert error.value.field == "email"


def test_a_partner_admin_cannot_deactivate_an_outsider(partner, outsider):
    with pytest.raises(NotAllowed):
        services.partner_user_deactivate(by=partner, user=outsider)
    outsider.refresh_from_db()
    assert outsider.is_active


def test_manufacturer_users_are_not_deactivated_here(admin_user, manager):
    with pytest.raises(NotAllowed):
        services.partner_user_deactivate(by=admin_user, user=manager)
    manager.refresh_from_db()
    assert manager.is_active


def test_a_rep_cannot_deactivate_a_colleague(colleague, distributor):
    rep = factories.MembershipFactory(distributor=distributor, role="rep").user
    with pytest.raises(NotAllowed):
        services.partner_user_deactivate(by=colleague, user=rep)
