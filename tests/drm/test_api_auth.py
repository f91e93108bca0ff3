"""API plumbing: the token endpoint, the one error shape, the OpenAPI schema and Swagger UI."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests import factories

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def assert_error_shape(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


# --- token -----------------------------------------------------------------------------------


def test_token_endpoint_is_mounted_under_the_api_namespace():
    assert reverse("api:token") == TOKEN_URL


def test_right_password_gets_a_token(api_client, partner):
    response = api_client.post(
        TOKEN_URL, {"username": "partner-test", "password": factories.PASSWORD}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=partner).key}


def test_the_token_from_the_endpoint_authenticates_api_requests(api_client, partner):
    token = api_client.post(
        TOKEN_URL, {"username": "partner-test", "password": factories.PASSWORD}
    ).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    response = api_client.get(reverse("api:distributor-list"))

    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == ["acme"]


def test_asking_twice_returns_the_same_token(api_client, manager):
    credentials = {"username": "manager-test", "password": factories.PASSWORD}

    first = api_client.post(TOKEN_URL, credentials).json()["token"]
    second = api_client.post(TOKEN_URL, credentials).json()["token"]

    assert first == second


def test_wrong_password_is_a_400_in_the_error_shape(api_client, partner):
    response = api_client.post(
        TOKEN_URL, {"username": "partner-test", "password": "wrong"}, format="json"
    )

    error = assert_error_shape(response, 400, "invalid")
    assert "non_field_errors" in error["fields"]
    assert "token" not in response.json()


def test_missing_credentials_name_the_missing_fields(api_client):
    response = api_client.post(TOKEN_URL, {}, format="json")

    error = assert_error_shape(response, 400, "invalid")
    assert set(error["fields"]) == {"username", "password"}


def test_an_unknown_token_is_a_401_in_the_error_shape(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = api_client.get(reverse("api:distributor-list"))

    assert_error_shape(response, 401, "authentication_failed")


# --- the error shape -------------------------------------------------------------------------


def test_anonymous_request_is_a_401_that_asks_for_a_token(api_client):
    response = api_client.get(reverse("api:revenue-list"))

    assert_error_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_user_without_a_role_gets_a_403_in_the_error_shape(token_client, nobody):
    response = token_client(nobody).get(reverse("api:product-line-list"))

    assert_error_shape(response, 403, "permission_denied")


def test_missing_object_is_a_404_in_the_error_shape(token_client, manager):
    response = token_client(manager).get(reverse("api:distributor-detail", args=["ghost"]))

    assert_error_shape(response, 404)


def test_session_login_works_for_the_api_too(client, partner):
    client.force_login(partner)

    response = client.get(reverse("api:distributor-list"))

    assert response.status_code == 200
    assert response.json()["count"] == 1


# --- schema and docs -------------------------------------------------------------------------


def test_schema_is_served_to_an_authenticated_user(token_client, manager):
    response = token_client(manager).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/distributors/",
        "/api/v1/distributors/{code}/",
        "/api/v1/territories/",
        "/api/v1/product-lines/",
        "/api/v1/revenue/",
        "/api/v1/investments/",
        "/api/v1/auth/token/",
    ):
        assert path in paths


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_schema_and_docs_are_closed_to_a_user_without_a_role(client, token_client, nobody, url):
    client.force_login(nobody)

    assert token_client(nobody).get(url).status_code == 403
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_schema_and_docs_are_closed_to_anonymous_callers(api_client, url):
    assert api_client.get(url).status_code in (401, 403)


@pytest.mark.parametrize("persona", ["manager", "partner", "colleague"])
@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_schema_and_docs_are_open_to_every_portal_role(request, client, persona, url):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(url).status_code == 200


def test_schema_documents_the_revenue_filters(token_client, manager):
    schema = token_client(manager).get("/api/schema/", {"format": "json"}).json()

    parameters = {p["name"] for p in schema["paths"]["/api/v1/revenue/"]["get"]["parameters"]}

    assert {
        "distributor",
        "month_after",
        "month_before",
        "product_line",
        "customer_category",
        "ordering",
        "page_size",
    } <= parameters


def test_swagger_ui_loads_only_local_static_files(client, manager):
    client.force_login(manager)

    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    references = re.findall(r"""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']([^"']+)""", html)
    assert any(ref.endswith("swagger-ui-bundle.js") for ref in references)
    for reference in references:
        assert not re.match(r"(?:[a-z]+:)?//", reference, re.IGNORECASE), reference
        assert reference.startswith("/static/"), reference
        assert finders.find(reference.removeprefix("/static/")), reference


@pytest.mark.django_db
def test_a_missing_object_answers_with_the_not_found_code(token_client, outsider, distributor):
    response = token_client(outsider).get(f"/api/v1/distributors/{distributor.code}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_repeated_bad_token_requests_lock_the_username_out(api_client, manager, settings):
    url = reverse("api:token")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        api_client.post(url, {"username": manager.username, "password": "wrong"})
    response = api_client.post(url, {"username": manager.username, "password": factories.PASSWORD})
    # Locked out: even the right password gets no token.
    assert response.status_code == 400
    assert "token" not in response.json()


@pytest.mark.django_db
def test_a_database_error_reaches_the_caller_as_a_plain_message(
    token_client, manager, distributor, monkeypatch
):
    from django.db import IntegrityError, OperationalError

    from distributors import services

    def conflict(**kwargs):
        raise IntegrityError('duplicate key value violates unique constraint "secret_idx"')

    monkeypatch.setattr(services, "revenue_push", conflict)
    body = {"rows": [{"distributor": "acme", "month": "2026-01", "product_line": "x"}]}
    response = token_client(manager).post("/api/v1/revenue/", body, format="json")
    assert response.status_code == 409
    assert "secret_idx" not in response.content.decode()
    assert response.json()["error"]["code"] == "conflict"

    def away(**kwargs):
        raise OperationalError("could not connect to server at 10.0.0.5")

    monkeypatch.setattr(services, "revenue_push", away)
    response = token_client(manager).post("/api/v1/revenue/", body, format="json")
    assert response.status_code == 503
    assert "10.0.0.5" not in response.content.decode()


def test_the_server_error_page_says_nothing_about_the_cause(client, settings):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "nothing was changed" in html
