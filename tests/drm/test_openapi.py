"""The served schema documents every operation's errors in the one error shape, and the API
refuses what the schema calls invalid (the bugs schemathesis found, pinned one by one)."""

import json

import pytest
from django.urls import reverse

from tests import factories

ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def served(db, token_client, manager):
    response = token_client(manager).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", method, operation


def carries_files(schema, operation):
    """Whether the operation's body has a file among its fields (a binary string)."""
    for media in operation["requestBody"]["content"].values():
        reference = media["schema"].get("$ref", "")
        component = schema["components"]["schemas"].get(reference.rsplit("/", 1)[-1], {})
        for field in component.get("properties", {}).values():
            if "binary" in (field.get("format"), field.get("items", {}).get("format")):
                return True
    return False


def test_every_operation_documents_its_errors_in_the_one_error_shape(served):
    error = served["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    for label, method, operation in operations(served):
        responses = operation["responses"]
        for code in ("401", "403", "406", "429", "503"):
            assert responses[code]["content"]["application/json"]["schema"] == ERROR, label
        if method != "get":
            assert {"400", "409"} <= responses.keys(), label
        if "requestBody" in operation:
            assert "415" in responses, label
            # JSON, except a body that carries files (proofs of a fund claim): multipart.
            expected = ["multipart/form-data"] if carries_files(served, operation) else None
            assert list(operation["requestBody"]["content"]) == (
                expected or ["application/json"]
            ), label
        if "{" in label:
            assert "404" in responses, label
        for code, response in responses.items():
            if code[0] in "45":
                assert response["content"]["application/json"]["schema"] == ERROR, (label, code)


def test_throttled_and_unauthenticated_answers_declare_their_headers(served):
    responses = served["paths"]["/api/v1/distributors/"]["get"]["responses"]
    assert "Retry-After" in responses["429"]["headers"]
    assert "WWW-Authenticate" in responses["401"]["headers"]


def test_an_unauthenticated_call_answers_the_documented_shape(db, api_client):
    response = api_client.get(reverse("api:distributor-list"))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("page_size", ["null", "0", "-3", "ten", "1.5"])
def test_a_page_size_that_is_not_a_whole_number_of_at_least_one_is_a_400(
    db, token_client, manager, page_size
):
    response = token_client(manager).get(reverse("api:distributor-list"), {"page_size": page_size})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["page_size"]


def test_a_blank_page_is_a_400_not_the_first_page(db, token_client, manager):
    response = token_client(manager).get(reverse("api:lead-source-list"), {"page": ""})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["page"]


def test_an_ordering_with_blank_items_is_a_400(db, token_client, manager):
    response = token_client(manager).get(reverse("api:territory-list"), {"ordering": ",,"})
    assert response.status_code == 400
    assert "ordering" in response.json()["error"]["fields"]


def test_a_page_size_above_the_ceiling_is_the_ceiling(db, token_client, manager, settings):
    settings.API_MAX_PAGE_SIZE = 2
    for code in ("a1", "a2", "a3"):
        factories.DistributorFactory(code=code)
    response = token_client(manager).get(reverse("api:distributor-list"), {"page_size": 900})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


def test_a_lead_page_size_that_is_not_a_number_is_a_400(db, token_client, manager):
    response = token_client(manager).get(reverse("api:lead-list"), {"page_size": "many"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("route", "parameter", "field"),
    [
        ("api:distributor-list", "updated_after", "updated_after"),
        ("api:distributor-list", "status", "status"),
        ("api:distributor-list", "tier", "tier"),
        ("api:investment-list", "kind", "kind"),
        ("api:investment-list", "date_before", "date"),
        ("api:revenue-list", "month_after", "month"),
        ("api:lead-list", "overdue", "overdue"),
        ("api:landmark-review-list", "status", "status"),
        ("api:goal-list", "level", "level"),
        ("api:scorecard-list", "tier", "tier"),
    ],
)
def test_a_filter_given_without_a_value_is_a_400_naming_it(
    db, token_client, manager, route, parameter, field
):
    response = token_client(manager).get(reverse(route), {parameter: ""})
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize("value", ["maybe", "yes please"])
def test_a_yes_no_filter_takes_true_or_false_only(db, token_client, manager, value):
    response = token_client(manager).get(reverse("api:product-line-list"), {"is_active": value})
    assert response.status_code == 400
    assert "is_active" in response.json()["error"]["fields"]


def test_a_date_time_filter_with_a_far_offset_compares_in_utc(db, token_client, manager):
    # -21:47 is a valid ISO 8601 offset that Postgres refuses (it answered 503).
    response = token_client(manager).get(
        reverse("api:distributor-list"), {"updated_after": "0194-11-02T06:51:57-21:47"}
    )
    assert response.status_code == 200


def test_a_date_time_that_leaves_the_calendar_in_utc_is_a_400(db, token_client, manager):
    response = token_client(manager).get(
        reverse("api:lead-list"), {"created_after": "0001-01-01T00:00:00+05:00"}
    )
    assert response.status_code == 400
    assert "created_after" in response.json()["error"]["fields"]


def test_a_run_asked_for_with_a_body_that_is_not_an_object_is_a_400(db, token_client, manager):
    response = token_client(manager).post(
        reverse("api:scoring-run-list"), "null", content_type="application/json"
    )
    assert response.status_code == 400


def test_free_text_filters_may_be_empty(db, token_client, manager, distributor):
    response = token_client(manager).get(
        reverse("api:distributor-list"), {"q": "", "account_manager": ""}
    )
    assert response.status_code == 200
    assert [row["code"] for row in response.json()["results"]] == ["acme"]


def test_a_choice_among_present_values_may_not_be_empty(db, token_client, manager, distributor):
    # `region` and `country` pick among the regions and countries present: no longer free text.
    response = token_client(manager).get(reverse("api:distributor-list"), {"region": ""})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["region"]


def test_an_empty_code_for_a_relation_is_refused_not_taken_for_null(db, token_client, manager):
    response = token_client(manager).post(
        reverse("api:activity-list"),
        {"kind": "visit", "date": "2026-02-10", "distributor": ""},
        format="json",
    )
    assert response.status_code == 400
    assert "distributor" in response.json()["error"]["fields"]


def test_null_still_means_none_for_a_nullable_relation(db, token_client, manager):
    response = token_client(manager).post(
        reverse("api:activity-list"),
        {"kind": "visit", "date": "2026-02-10", "distributor": None},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["distributor"] is None


def test_an_api_path_that_names_no_route_is_a_404_in_the_one_error_shape(db, token_client, manager):
    response = token_client(manager).get("/api/v1/distributors/a.b/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_a_page_path_that_names_no_route_is_still_the_portals_page(db, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
