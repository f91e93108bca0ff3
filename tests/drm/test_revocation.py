"""Revocation is immediate for browser sessions, pages and API alike: a deactivated user or a
removed membership is refused on the very next request (tokens: tests/identity/
test_authentication.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from identity.models import Membership

pytestmark = pytest.mark.django_db

PAGES = ["distributors:mine", "leads:inbox", "goals:list"]
API = "api:distributor-list"


def revoke(user, how):
    if how == "deactivate":
        get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    else:
        Membership.objects.filter(user=user).delete()


@pytest.mark.parametrize("how", ["deactivate", "remove membership"])
def test_a_session_is_refused_on_pages_at_the_next_request(client, partner, distributor, how):
    client.force_login(partner)
    assert client.get(reverse(PAGES[0])).status_code == 200

    revoke(partner, how)

    for page in PAGES:
        response = client.get(reverse(page))
        if how == "deactivate":
            # The session no longer authenticates anyone: back to the login page.
            assert response.status_code == 302, page
            assert response["Location"].startswith(reverse("login")), page
        else:
            assert response.status_code == 403, page


@pytest.mark.parametrize("how", ["deactivate", "remove membership"])
def test_a_session_is_refused_by_the_api_at_the_next_request(client, partner, distributor, how):
    client.force_login(partner)
    assert client.get(reverse(API)).json()["count"] == 1

    revoke(partner, how)

    response = client.get(reverse(API))
    # Deactivated: no longer authenticated (401); membership gone: no role left (403).
    assert response.status_code == (401 if how == "deactivate" else 403)
    assert "results" not in response.json()


def test_a_logged_out_session_cannot_be_replayed(client, partner, distributor):
    client.force_login(partner)
    cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))

    client.cookies["sessionid"] = cookie
    assert client.get(reverse(API)).status_code == 401
    assert client.get(reverse(PAGES[0])).status_code == 302


def test_a_password_change_elsewhere_ends_the_other_sessions(client, partner, distributor):
    client.force_login(partner)
    partner.set_password("a new secret phrase 2026")
    partner.save()

    assert client.get(reverse(API)).status_code == 401
    assert client.get(reverse(PAGES[0])).status_code == 302
