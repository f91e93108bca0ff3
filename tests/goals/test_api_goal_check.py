"""POST /api/v1/goals/check/: the SMART verdict for a draft, with its reasons; nothing is saved."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from goals.models import Goal, Landmark

pytestmark = pytest.mark.django_db

CHECK = reverse("api:goal-check")


def check(user, body):
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(CHECK, body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def refusals(verdict):
    return {(r["letter"], r["check"]) for r in verdict["reasons"] if r["severity"] == "refusal"}


def test_a_fine_goal_is_ok(partner, goal_body):
    verdict = check(partner, goal_body())
    assert verdict["verdict"] == "ok"
    assert all(r["severity"] == "note" for r in verdict["reasons"])
    for reason in verdict["reasons"]:
        assert set(reason) == {"letter", "check", "severity", "message"}


def test_vague_wording_is_refused_as_not_specific(partner, goal_body):
    verdict = check(partner, goal_body(subtitle="Be number one", description=""))
    assert verdict["verdict"] == "refused"
    assert ("specific", "vague_wording") in refusals(verdict)


def test_a_missing_target_is_refused_as_not_measurable(partner, goal_body):
    verdict = check(partner, goal_body(target=None))
    assert verdict["verdict"] == "refused"
    assert ("measurable", "measurable") in refusals(verdict)


def test_absurd_growth_is_refused_as_not_achievable(partner, goal_body):
    verdict = check(partner, goal_body(target="5000000"))
    assert verdict["verdict"] == "refused"
    assert ("achievable", "ambition") in refusals(verdict)


def test_a_due_date_after_the_contracts_end_is_refused_as_not_time_bound(partner, goal_body):
    # acme's contract ends on 2027-12-31.
    verdict = check(partner, goal_body(due="2028-06-30"))
    assert verdict["verdict"] == "refused"
    assert ("time_bound", "time_bound") in refusals(verdict)


def test_warnings_are_reported_not_refused(partner, distributor, goal_body):
    distributor.status = "onboarding"
    distributor.save()
    verdict = check(partner, goal_body())
    assert verdict["verdict"] == "warnings"
    assert any(
        r["letter"] == "realistic" and r["severity"] == "warning" for r in verdict["reasons"]
    )


def test_an_empty_draft_is_checked_not_rejected(manager):
    verdict = check(manager, {})
    assert verdict["verdict"] == "refused"
    letters = {letter for letter, _check in refusals(verdict)}
    assert {"specific", "measurable", "time_bound"} <= letters


def test_checking_saves_nothing(partner, manager, goal_body):
    landmarks = [{"date": "2026-06-30", "expected": "60000"}]
    check(partner, goal_body(landmarks=landmarks))
    check(manager, goal_body(subtitle="Be number one"))
    assert Goal.objects.count() == 0
    assert Landmark.objects.count() == 0


def test_shape_errors_are_400(partner, goal_body):
    client = APIClient()
    client.force_authenticate(partner)
    response = client.post(CHECK, goal_body(due="someday"), format="json")
    assert response.status_code == 400
    assert "due" in response.json()["error"]["fields"]


def test_a_partner_cannot_check_against_another_distributor(outsider, distributor, goal_body):
    client = APIClient()
    client.force_authenticate(outsider)
    response = client.post(CHECK, goal_body(), format="json")
    assert response.status_code == 400
    assert "distributor" in response.json()["error"]["fields"]


def test_user_without_role_cannot_check(nobody, goal_body):
    client = APIClient()
    client.force_authenticate(nobody)
    assert client.post(CHECK, goal_body(), format="json").status_code == 403
