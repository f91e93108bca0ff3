"""The runs page: the list, triggering a run (and the refusal while one is under way), and the
progress box htmx polls until the run is published or failed."""

import pytest
from django.urls import reverse

from scoring import services
from scoring.models import ScoringRun

pytestmark = pytest.mark.django_db
URL = reverse("scoring:runs")
TRIGGER = reverse("scoring:run-trigger")


def test_the_manager_sees_the_runs_with_stage_timings_and_counts(login, manager, scored):
    response = login(manager).get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert f'data-run="{scored["run"].pk}"' in content
    assert "Published" in content and "metrics" in content and "scorecards 3" in content


@pytest.mark.parametrize("persona", ["partner", "outsider", "nobody"])
def test_others_get_403(login, scored, persona, request):
    client = login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.post(TRIGGER).status_code == 403
    assert client.get(reverse("scoring:run-progress", args=[scored["run"].pk])).status_code == 403
    assert ScoringRun.objects.count() == 1


def test_triggering_queues_a_run_and_a_second_trigger_is_refused(login, manager, page_channel):
    client = login(manager)
    response = client.post(TRIGGER, follow=True)
    run = ScoringRun.objects.get()
    assert run.status == ScoringRun.Status.QUEUED and run.triggered_by == manager
    assert "Scoring run started" in response.content.decode()
    # The queued run's progress box polls.
    assert 'hx-trigger="every 2s"' in response.content.decode()
    response = client.post(TRIGGER, follow=True)
    assert "already under way" in response.content.decode()
    assert ScoringRun.objects.count() == 1


def test_the_trigger_only_answers_post(login, manager, page_channel):
    assert login(manager).get(TRIGGER).status_code == 405


def test_progress_stops_polling_once_the_run_is_published(login, manager, page_channel):
    run = services.scoring_run_trigger(by=manager)
    client = login(manager)
    progress = reverse("scoring:run-progress", args=[run.pk])
    assert b"hx-get" in client.get(progress).content
    services.scoring_run_execute(run.pk)
    response = client.get(progress, HTTP_HX_REQUEST="true")
    assert b'data-status="published"' in response.content
    assert b"hx-get" not in response.content


def test_a_run_as_of_a_day_before_the_data_is_refused_and_nothing_starts(
    login, manager, page_channel
):
    response = login(manager).post(TRIGGER, {"as_of": "1900-01-01"}, follow=True)
    assert "1 January 2025" in response.content.decode()
    assert not ScoringRun.objects.exists()
    response = login(manager).post(TRIGGER, {"as_of": "not a day"}, follow=True)
    assert "as_of" in response.content.decode()
    assert not ScoringRun.objects.exists()


def test_a_back_dated_run_starts_from_the_page_and_is_marked_as_history(login, manager, scored):
    client = login(manager)
    client.post(TRIGGER, {"as_of": "2026-05-31"})
    run = ScoringRun.objects.get(status="queued")
    assert str(run.as_of) == "2026-05-31" and run.triggered_by == manager
    services.scoring_run_execute(run.pk)
    content = client.get(URL).content.decode()
    row = content.split(f'data-run="{run.pk}"')[1].split("</tr>")[0]
    assert "back-dated" in row
    current = content.split(f'data-run="{scored["run"].pk}"')[1].split("</tr>")[0]
    assert "back-dated" not in current
    assert services.latest_run() == scored["run"]
    client.cookies["django_language"] = "fr"
    french = client.get(URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "rétroactif" in french.split(f'data-run="{run.pk}"')[1].split("</tr>")[0]
