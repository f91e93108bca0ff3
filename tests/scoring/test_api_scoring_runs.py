"""/api/v1/scoring-runs/: the manufacturer lists, follows and starts runs (one at a time: 409);
partners and users without a role are refused."""

import pytest
from django.urls import reverse

from scoring import services
from scoring.models import ScoringRun
from tests.scoring.conftest import run_now

LIST = reverse("api:scoring-run-list")


def detail(pk):
    return reverse("api:scoring-run-detail", args=[pk])


@pytest.mark.django_db
def test_a_manager_starts_a_run_that_is_queued_and_answered_with_202(
    token_client, manager, channel
):
    response = token_client(manager).post(LIST, {"as_of": "2026-05-31"}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    run = ScoringRun.objects.get()
    assert body["id"] == run.pk and body["status"] == "queued"
    assert body["as_of"] == "2026-05-31" and body["triggered_by"] == "manager-test"
    assert body["model_version"] == run.model.version


@pytest.mark.django_db
def test_a_run_started_without_a_body_is_as_of_today(token_client, admin_user, channel):
    response = token_client(admin_user).post(LIST)
    assert response.status_code == 202, response.content
    assert response.json()["as_of"] == "2026-06-15"


@pytest.mark.django_db
def test_a_second_run_while_one_is_under_way_is_a_409_with_the_reason(
    token_client, manager, channel
):
    client = token_client(manager)
    assert client.post(LIST, {}, format="json").status_code == 202
    refused = client.post(LIST, {"as_of": "2026-05-31"}, format="json")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "conflict"
    assert "already under way" in error["message"] and "2026-06-15" in error["message"]
    assert ScoringRun.objects.count() == 1


@pytest.mark.django_db
def test_an_invalid_date_is_refused(token_client, manager, channel):
    response = token_client(manager).post(LIST, {"as_of": "15/06/2026"}, format="json")
    assert response.status_code == 400
    assert "as_of" in response.json()["error"]["fields"]
    assert not ScoringRun.objects.exists()


@pytest.mark.django_db
def test_a_manager_follows_a_run_from_queued_to_published(token_client, manager, channel):
    client = token_client(manager)
    pk = client.post(LIST, {}, format="json").json()["id"]
    assert client.get(detail(pk)).json()["status"] == "queued"
    services.scoring_run_execute(pk)
    body = client.get(detail(pk)).json()
    assert body["status"] == "published" and body["stage"] == ""
    assert body["counts"]["scorecards"] == 4 and body["counts"]["ranked"] == 3
    assert set(body["timings"]) == {"metrics", "normalise", "uncertainty", "write", "publish"}
    assert body["rate_estimate"] == "shrunk"
    assert body["published_at"] and body["started_at"] and body["finished_at"]


@pytest.mark.django_db
def test_a_manager_lists_the_runs_newest_first(token_client, manager, channel):
    first = run_now(by=manager)
    second = run_now()
    response = token_client(manager).get(LIST)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [run["id"] for run in results] == [second.pk, first.pk]
    assert results[1]["triggered_by"] == "manager-test" and results[0]["triggered_by"] is None
    assert results[0]["status"] == "published"


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["partner", "colleague", "outsider", "nobody"])
def test_partners_and_users_without_a_role_are_refused_on_runs(
    token_client, request, persona, channel
):
    run = run_now()
    client = token_client(request.getfixturevalue(persona))
    assert client.get(LIST).status_code == 403
    assert client.get(detail(run.pk)).status_code == 403
    assert client.post(LIST, {}, format="json").status_code == 403
    assert ScoringRun.objects.count() == 1


@pytest.mark.django_db
def test_the_anonymous_must_log_in(api_client, channel):
    assert api_client.get(LIST).status_code == 401
    assert api_client.post(LIST, {}, format="json").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize("as_of", ["1900-01-01", "0001-01-01", "2024-12-31", "2026-06-16"])
def test_a_run_as_of_a_day_outside_the_data_is_a_400_naming_as_of(
    token_client, manager, channel, as_of
):
    # The channel's data starts in 2025-01; today is 2026-06-15.
    response = token_client(manager).post(LIST, {"as_of": as_of}, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert list(error["fields"]) == ["as_of"] and "1 January 2025" in error["message"]
    assert not ScoringRun.objects.exists()


@pytest.mark.django_db
def test_a_back_dated_run_is_marked_as_such(token_client, manager, channel):
    current = run_now()
    client = token_client(manager)
    queued = client.post(LIST, {"as_of": "2026-05-31"}, format="json").json()
    assert queued["back_dated"] is True
    services.scoring_run_execute(queued["id"])
    results = {run["id"]: run["back_dated"] for run in client.get(LIST).json()["results"]}
    assert results == {queued["id"]: True, current.pk: False}
    assert client.get(detail(current.pk)).json()["back_dated"] is False
