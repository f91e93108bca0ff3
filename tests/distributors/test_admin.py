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
