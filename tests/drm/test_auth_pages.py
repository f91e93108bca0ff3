"""Log in, log out, password change, and django-axes lockout after repeated failures."""

import pytest
from django.urls import reverse

from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_renders_the_form_with_local_styles(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'id="login-form"' in response.content
    assert b"/static/bootstrap/css/bootstrap.min.css" in response.content
    assert b"https://" not in response.content


def test_manager_logs_in_and_lands_on_the_dashboard(client, manager):
    response = client.post(
        reverse("login"), {"username": manager.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("scoring:dashboard")


def test_a_wrong_password_shows_an_error(client, manager):
    response = client.post(reverse("login"), {"username": manager.username, "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_repeated_failures_lock_the_account_out(client, manager, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": manager.username, "password": "wrong"})
    response = client.post(reverse("login"), {"username": manager.username, "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed log-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_logout_needs_post_and_ends_the_session(login, manager):
    client = login(manager)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("distributors:list")).status_code == 302


def test_user_changes_password(login, partner):
    client = login(partner)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "An0ther-long-pass",
            "new_password2": "An0ther-long-pass",
        },
    )
    assert response["Location"] == reverse("password_change_done")
    partner.refresh_from_db()
    assert partner.check_password("An0ther-long-pass")


def test_user_without_a_role_is_refused_the_portal(login, nobody):
    assert login(nobody).get("/").status_code == 403


def test_a_staff_flag_alone_is_refused_the_portal_and_the_api(login, token_client):
    staff_only = factories.UserFactory(username="staff-only", is_staff=True)

    assert login(staff_only).get("/").status_code == 403
    assert token_client(staff_only).get(reverse("api:distributor-list")).status_code == 403
