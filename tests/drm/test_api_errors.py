"""Every API error reaches the caller as sentences naming the field, nested ones by their path:
`actions[0].due: This field is required.`, never Python's text of a nested dict."""

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.exceptions import ErrorDetail, ValidationError

from distributors.models import RevenueRecord
from drm.api import exception_handler, field_errors
from goals.models import ActionStep, Goal, LandmarkReview
from leads.serializers import QualifySerializer
from tests import factories

pytestmark = pytest.mark.django_db

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}


def error_of(response):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    for path, texts in error["fields"].items():
        for text in texts:
            # A sentence, not the repr of a nested structure.
            assert "ErrorDetail" not in text and "{" not in text and "[" not in text, (path, text)
    return error


# --- the flattening itself ---------------------------------------------------------------------


def test_nested_lists_and_objects_read_as_field_paths():
    detail = {
        "title": [ErrorDetail("Too long.", code="max_length")],
        "actions": [{}, {"due": [ErrorDetail("This field is required.", code="required")]}],
        "rows": {3: [ErrorDetail("Expected a dictionary.", code="not_a_dict")]},
        "answers": {"budget": [ErrorDetail("Must be a valid boolean.", code="invalid")]},
        "landmarks": [{"non_field_errors": [ErrorDetail("Date after due.", code="invalid")]}],
        "bands": {"non_field_errors": [ErrorDetail("Expected a list.", code="not_a_list")]},
    }

    assert list(field_errors(detail)) == [
        ("title", "Too long."),
        ("actions[1].due", "This field is required."),
        ("rows[3]", "Expected a dictionary."),
        ("answers.budget", "Must be a valid boolean."),
        ("landmarks[0]", "Date after due."),
        ("bands", "Expected a list."),
    ]


def test_the_handler_names_the_first_nested_field_in_its_message():
    detail = {"actions": [{"due": [ErrorDetail("This field is required.", code="required")]}]}

    body = exception_handler(ValidationError(detail), {"view": None}).data["error"]

    assert body["message"] == "actions[0].due: This field is required."
    assert body["fields"] == {"actions[0].due": ["This field is required."]}


def test_errors_not_tied_to_a_field_keep_their_name():
    body = exception_handler(ValidationError(["Wrong."]), {"view": None}).data["error"]

    assert body["fields"] == {"non_field_errors": ["Wrong."]}
    assert body["message"] == "non_field_errors: Wrong."


# --- through the API: corrective actions, landmarks, bands (lists of objects) ----------------


@pytest.fixture
def review(distributor):
    goal = factories.goal_with_landmarks(distributor=distributor, status="active")
    return factories.LandmarkReviewFactory(landmark=goal.landmarks.order_by("date").first())


def account(client, review, language=None):
    return client.post(
        reverse("api:landmark-review-account", args=[review.pk]),
        {
            "cause": "competition",
            "explanation": "A rival cut prices.",
            "actions": [
                {"what": "Call the top ten", "due": "2026-07-31"},
                {"what": "Price-match"},
            ],
        },
        format="json",
        **(language or {}),
    )


@pytest.mark.parametrize(
    ("language", "sentence"),
    [(None, "This field is required."), (FRENCH, "Ce champ est obligatoire.")],
    ids=["English", "French"],
)
def test_a_corrective_action_without_its_date_is_named_by_its_place(
    token_client, manager, review, language, sentence
):
    error = error_of(account(token_client(manager), review, language))

    assert error["fields"] == {"actions[1].due": [sentence]}
    assert error["message"] == f"actions[1].due: {sentence}"
    review.refresh_from_db()
    assert review.status == LandmarkReview.Status.OPEN
    assert not ActionStep.objects.exists()


@pytest.mark.parametrize(
    ("language", "date_error", "number_error"),
    [
        (None, "Date has wrong format.", "A valid number is required."),
        (FRENCH, "La date n'a pas le bon format.", "Un nombre valide est requis."),
    ],
    ids=["English", "French"],
)
def test_a_bad_landmark_and_a_bad_band_are_named_by_their_place(
    token_client, manager, language, date_error, number_error
):
    goals = Goal.objects.count()
    response = token_client(manager).post(
        reverse("api:goal-list"),
        {
            "level": "team",
            "title": "Channel revenue of 2 million EUR in 2026",
            "metric": "revenue",
            "target": "2000000",
            "start": "2026-01-01",
            "due": "2026-12-31",
            "landmarks": [
                {"date": "2026-06-30", "expected": "1000000"},
                {"date": "end of year", "expected": "2000000"},
            ],
            "bands": [{"threshold": "lots", "kind": "fixed", "amount": "5000"}],
        },
        format="json",
        **(language or {}),
    )

    error = error_of(response)
    assert set(error["fields"]) == {"landmarks[1].date", "bands[0].threshold"}
    assert error["fields"]["bands[0].threshold"] == [number_error]
    assert error["fields"]["landmarks[1].date"][0].startswith(date_error)
    assert error["message"].startswith(f"{next(iter(error['fields']))}: ")
    assert Goal.objects.count() == goals


# --- through the API: nested objects -----------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "sentence"),
    [(None, "Expected a dictionary of items"), (FRENCH, "Attendait un dictionnaire")],
    ids=["English", "French"],
)
def test_a_revenue_row_that_is_not_an_object_is_named_by_its_place(
    token_client, manager, distributor, language, sentence
):
    response = token_client(manager).post(
        reverse("api:revenue-list"),
        {"rows": [{"distributor": "acme"}, "pumps, 2026-01, 100"]},
        format="json",
        **(language or {}),
    )

    error = error_of(response)
    assert list(error["fields"]) == ["rows[1]"]
    assert error["fields"]["rows[1]"][0].startswith(sentence)
    assert not RevenueRecord.objects.exists()


@pytest.mark.parametrize(
    ("language", "sentence"),
    [(None, "Must be a valid boolean."), (FRENCH, "Doit être un booléen valide.")],
    ids=["English", "French"],
)
def test_an_answer_of_a_qualification_is_named_by_its_criterion(language, sentence):
    with translation.override("fr" if language else "en"):
        payload = QualifySerializer(data={"answers": {"budget": True, "need": "perhaps"}})
        assert not payload.is_valid()
        body = exception_handler(ValidationError(payload.errors), {"view": None}).data["error"]

    assert body["fields"] == {"answers.need": [sentence]}
    assert body["message"] == f"answers.need: {sentence}"
