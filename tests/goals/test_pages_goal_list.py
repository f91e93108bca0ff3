import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db
URL = reverse("goals:list")


@pytest.fixture
def goals(today, distributor, other_distributor):
    ours = factories.goal_with_landmarks(distributor=distributor, subtitle="Acme pumps 2026")
    theirs = factories.goal_with_landmarks(
        distributor=other_distributor, subtitle="Rival valves 2026"
    )
    return ours, theirs


def test_manager_sees_every_goal_with_its_figures_and_gap_in_words(login, manager, goals):
    response = login(manager).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Acme pumps 2026" in body and "Rival valves 2026" in body
    assert "behind by" in body or "no figures yet" in body


def test_manager_filters_by_distributor_code_and_status(login, manager, goals):
    goals[0].status = "active"
    goals[0].save()
    response = login(manager).get(URL, {"distributor": "acme", "status": "active"})
    body = response.content.decode()
    assert "Acme pumps 2026" in body and "Rival valves 2026" not in body
    response = login(manager).get(URL, {"status": "missed"})
    assert "Acme pumps 2026" not in response.content.decode()


def test_an_invalid_filter_lists_nothing(login, manager, goals):
    response = login(manager).get(URL, {"year": "nineteen"})
    assert "Acme pumps 2026" not in response.content.decode()
    assert "filter-errors" in response.content.decode()


def test_partner_and_rep_see_only_their_distributors_goals(login, partner, colleague, goals):
    for user in (partner, colleague):
        body = login(user).get(URL).content.decode()
        assert "Acme pumps 2026" in body
        assert "Rival valves 2026" not in body


def test_outsider_sees_nothing_of_acme(login, outsider, goals):
    body = login(outsider).get(URL, {"distributor": "acme"}).content.decode()
    assert "Acme pumps 2026" not in body


def test_nobody_gets_403(login, nobody, goals):
    assert login(nobody).get(URL).status_code == 403


def test_the_list_costs_the_same_queries_for_3_goals_as_for_30(login, manager, today):
    client = login(manager)
    distributors = [factories.DistributorFactory() for _ in range(3)]
    for index in range(3):
        factories.goal_with_landmarks(distributor=distributors[index % 3])
    client.get(URL)  # warm the session and the caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    for index in range(20):
        factories.goal_with_landmarks(distributor=distributors[index % 3])
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few)


def test_export_csv_is_scoped_to_the_partners_distributor(login, partner, goals):
    response = login(partner).get(reverse("goals:export"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # The title is written from the terms; the author's words are the subtitle beside it.
    assert rows[0][3:5] == ["title", "subtitle"]
    assert [row[3:5] for row in rows[1:]] == [["Revenue of 120 k EUR in 2026", "Acme pumps 2026"]]


def test_manager_exports_the_filtered_list_as_xlsx(login, manager, goals):
    response = login(manager).get(reverse("goals:export"), {"format": "xlsx", "q": "valves"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values == ["Rival valves 2026"]
