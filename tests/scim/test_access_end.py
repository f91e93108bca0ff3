"""Deactivating or deleting a user through SCIM takes effect on its very next request: its
logged-in session and its API token stop working."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token as ApiToken
from rest_framework.test import APIClient

from tests.scim.conftest import new_user

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PARTNER_HOME = "/my/"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def logged_in(user):
    """A browser session (a real log-in through the form's session machinery) and an API token."""
    browser = Client()
    browser.force_login(user)
    assert browser.get(PARTNER_HOME).status_code == 200
    api = APIClient()
    key = ApiToken.objects.create(user=user).key
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/distributors/").status_code == 200
    return browser, api


def refused(browser, api):
    page = browser.get(PARTNER_HOME)
    assert page.status_code == 302 and page["Location"].startswith(reverse("login"))
    assert api.get("/api/v1/distributors/").status_code == 401


@pytest.mark.parametrize(
    "how",
    [
        ("PATCH", {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active",
                                                       "value": False}]}),
        ("PATCH", {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {
            "active": False}}]}),
        ("PUT", new_user("colleague-test@acme.example", active=False)),
        ("DELETE", None),
    ],
    ids=["patch-with-path", "patch-without-path", "put", "delete"],
)  # fmt: skip
def test_a_user_switched_off_or_deleted_by_the_directory_loses_its_session_and_api_token(
    acme_token, scim_http, colleague, how
):
    method, body = how
    browser, api = logged_in(colleague)
    sessions = Session.objects.count()
    answer = scim_http(acme_token[1]).request(
        method, f"Users/{colleague.pk}", **({"json": body} if body else {})
    )
    assert answer.status_code in (200, 204), answer.text
    refused(browser, api)
    assert not ApiToken.objects.filter(user_id=colleague.pk).exists()
    assert Session.objects.count() == sessions - 1


def test_a_user_switched_back_on_logs_in_afresh_its_old_session_stays_ended(
    acme_token, scim_http, colleague
):
    browser, api = logged_in(colleague)
    scim = scim_http(acme_token[1])
    for active in (False, True):
        scim.patch(
            f"Users/{colleague.pk}",
            json={"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active",
                                                      "value": active}]},
        )  # fmt: skip
    colleague.refresh_from_db()
    assert colleague.is_active
    refused(browser, api)
