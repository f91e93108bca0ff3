"""The Django admin pages of the distributors app."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_code_is_read_only_when_changing_a_distributor_in_the_admin(
    login, admin_user, distributor
):
    response = login(admin_user).get(
        reverse("admin:distributors_distributor_change", args=[distributor.pk])
    )

    assert response.status_code == 200
    assert "code" not in response.context["adminform"].form.fields
    assert b"acme" in response.content


def test_the_code_is_entered_when_adding_a_distributor_in_the_admin(login, admin_user):
    response = login(admin_user).get(reverse("admin:distributors_distributor_add"))

    assert response.status_code == 200
    assert "code" in response.context["adminform"].form.fields


@pytest.mark.parametrize("flags", [{"is_staff": True}, {"is_staff": True, "is_superuser": True}])
def test_a_partner_is_turned_away_from_the_admin_whatever_boxes_are_ticked(
    client, partner, other_distributor, flags
):
    for name, value in flags.items():
        setattr(partner, name, value)
    partner.save()
    client.force_login(partner)

    for url in (
        reverse("admin:index"),
        reverse("admin:distributors_distributor_changelist"),
        reverse("admin:distributors_distributor_change", args=[other_distributor.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
    assert b"rival" not in client.get(reverse("admin:index"), follow=True).content


def test_a_staff_user_without_a_role_is_turned_away_from_the_admin(client, nobody):
    nobody.is_staff = True
    nobody.save()
    client.force_login(nobody)

    assert client.get(reverse("admin:index")).status_code == 302


def test_a_superuser_without_a_membership_and_a_staff_manager_enter_the_admin(
    client, admin_user, manager
):
    manager.is_staff = True
    manager.save()
    for user in (admin_user, manager):
        client.force_login(user)
        assert client.get(reverse("admin:index")).status_code == 200
