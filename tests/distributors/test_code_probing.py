"""A partner cannot learn which distributor codes exist: wherever it sends a code, another
distributor's real code and a code that exists nowhere get the same answer (status, error code
and message, the guessed value aside)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from distributors import services
from tests import factories

pytestmark = pytest.mark.django_db

REAL, MADE_UP = "rival", "ghost"


@pytest.fixture
def pumps(distributor):
    line = factories.ProductLineFactory(code="pumps")
    distributor.product_lines.add(line)
    return line


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def answer(response, code):
    """What the caller learns, the code it sent replaced by a placeholder."""
    text = response.content.decode().replace(code, "<code>")
    # A page's CSRF token is masked afresh on every answer: it says nothing about the code.
    text = re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", text)
    return response.status_code, text


def reads_the_same(send):
    real = answer(send(REAL), REAL)
    made_up = answer(send(MADE_UP), MADE_UP)
    assert real == made_up
    return real


def test_a_revenue_push_answers_a_real_code_like_a_made_up_one(
    partner, other_distributor, pumps, today
):
    def send(code):
        row = {"distributor": code, "month": "2026-01", "product_line": "pumps", "amount": 1}
        return api(partner).post(reverse("api:revenue-list"), {"rows": [row]}, format="json")

    status, body = reads_the_same(send)
    assert status == 400 and "is not your distributor code" in body


def test_the_import_checker_answers_a_real_code_like_a_made_up_one(
    partner, other_distributor, pumps, today
):
    def errors(code):
        content = f"distributor,month,product_line,amount\n{code},2026-01,pumps,1\n".encode()
        batch = services.import_batch_create(
            user=partner, kind="revenue", uploaded_file=SimpleUploadedFile("f.csv", content)
        )
        services.import_batch_validate(batch_id=batch.pk)
        batch.refresh_from_db()
        return [
            (error["row"], error["column"], error["message"].replace(code, "<code>"))
            for error in batch.errors
        ], batch.message

    assert errors(REAL) == errors(MADE_UP)
    assert errors(REAL)[0] == [
        (2, "distributor", "'<code>' is not your distributor code (yours is acme)")
    ]


def test_a_partner_admins_new_goal_answers_a_real_code_like_a_made_up_one(
    partner, other_distributor, pumps, today
):
    def send(code):
        body = {
            "level": "distributor",
            "distributor": code,
            "title": "The Bavarian pump plan",
            "metric": "revenue",
            "target": "120000",
            "start": "2026-01-01",
            "due": "2026-12-31",
        }
        return api(partner).post(reverse("api:goal-list"), body, format="json")

    status, _ = reads_the_same(send)
    assert status == 400


@pytest.mark.parametrize(
    "route",
    [
        "api:goal-list",
        "api:lead-list",
        "api:landmark-review-list",
        "api:revenue-list",
        "api:funnel",
    ],
)
def test_list_filters_answer_a_real_code_like_a_made_up_one(partner, other_distributor, route):
    reads_the_same(lambda code: api(partner).get(reverse(route), {"distributor": code}))


@pytest.mark.parametrize(
    "route",
    [
        "api:distributor-detail",
        "api:distributor-history",
        "api:distributor-annex",
        "api:scorecard-detail",
    ],
)
def test_api_addresses_answer_a_real_code_like_a_made_up_one(partner, other_distributor, route):
    status, _ = reads_the_same(lambda code: api(partner).get(reverse(route, args=[code])))
    assert status == 404


@pytest.mark.parametrize(
    "route", ["distributors:detail", "distributors:revenue", "scoring:scorecard"]
)
def test_pages_answer_a_real_code_like_a_made_up_one(client, partner, other_distributor, route):
    client.force_login(partner)
    status, _ = reads_the_same(lambda code: client.get(reverse(route, args=[code])))
    assert status in (403, 404)


def test_a_corrective_actions_owner_answers_another_distributors_user_like_a_made_up_one(
    partner, outsider, distributor, pumps, today
):
    goal = factories.goal_with_landmarks(
        distributor=distributor, product_line=pumps, status="active"
    )
    review = factories.LandmarkReviewFactory(landmark=goal.landmarks.order_by("date").first())

    def send(username):
        body = {
            "cause": "competition",
            "explanation": "A rival cut prices.",
            "actions": [{"what": "Call them", "owner": username, "due": "2026-07-31"}],
        }
        url = reverse("api:landmark-review-account", args=[review.pk])
        return api(partner).post(url, body, format="json")

    real = answer(send("outsider-test"), "outsider-test")
    made_up = answer(send("nobody-at-all"), "nobody-at-all")
    assert real == made_up
    assert real[0] == 400
    # Its own colleagues and the manufacturer's people are still owners it may name.
    assert send("partner-test").status_code == 200
