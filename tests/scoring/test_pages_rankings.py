"""The ranking page and its export: manager only, sorting, filters, movement, sparklines in a
constant number of queries."""

import csv
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scoring.models import Scorecard
from tests import factories
from tests.scoring.conftest import run_now

pytestmark = pytest.mark.django_db
URL = reverse("scoring:rankings")
EXPORT = reverse("scoring:rankings-export")


def codes(response):
    return [card.distributor.code for card in response.context["page"]]


def test_the_manager_sees_the_ranking_of_the_last_run(login, manager, scored):
    response = login(manager).get(URL)
    assert response.status_code == 200
    assert codes(response) == ["acme", "bolt", "zinc"]
    assert b'id="buckets-chart"' in response.content
    assert b"Acme Industrial Supply" in response.content


def test_without_a_run_the_page_says_so(login, manager, page_channel):
    response = login(manager).get(URL)
    assert response.status_code == 200
    assert b'id="no-run"' in response.content


@pytest.mark.parametrize("persona", ["partner", "colleague", "outsider", "nobody"])
def test_partners_and_users_without_a_role_get_403(login, scored, persona, request):
    user = request.getfixturevalue(persona)
    assert login(user).get(URL).status_code == 403
    assert login(user).get(EXPORT).status_code == 403


def test_sorting_by_name_score_and_change(login, manager, scored):
    client = login(manager)
    assert codes(client.get(URL, {"sort": "-name"})) == ["zinc", "bolt", "acme"]
    assert codes(client.get(URL, {"sort": "score"})) == ["zinc", "bolt", "acme"]
    assert codes(client.get(URL, {"sort": "-score"})) == ["acme", "bolt", "zinc"]
    assert codes(client.get(URL, {"sort": "tier_rank"})) == ["acme", "bolt", "zinc"]
    assert client.get(URL, {"sort": "change"}).status_code == 200


def test_filters_by_tier_region_and_account_manager(login, manager, scored):
    client = login(manager)
    other = factories.TierFactory(code="silver")
    assert codes(client.get(URL, {"tier": "gold"})) == ["acme", "bolt", "zinc"]
    assert codes(client.get(URL, {"tier": other.code})) == []
    assert codes(client.get(URL, {"region": "asia"})) == ["zinc"]
    assert codes(client.get(URL, {"manager": manager.username})) == ["acme", "zinc"]


def test_an_invalid_filter_lists_nothing_and_exports_nothing(login, manager, scored):
    client = login(manager)
    response = client.get(URL, {"tier": "nope"})
    assert codes(response) == [] and b'id="filter-errors"' in response.content
    assert client.get(EXPORT, {"tier": "nope", "format": "csv"}).status_code == 400


def test_movement_arrows_show_the_rank_change(login, manager, scored):
    run = run_now()
    Scorecard.objects.filter(run=run, distributor=scored["acme"]).update(rank_change=2)
    Scorecard.objects.filter(run=run, distributor=scored["bolt"]).update(rank_change=-1)
    content = login(manager).get(URL).content.decode()
    assert 'data-movement="up"' in content
    assert 'data-movement="down"' in content
    assert 'data-movement="same"' in content  # zinc kept its rank


def test_sparklines_come_from_the_last_runs(login, manager, scored):
    run_now()
    response = login(manager).get(URL)
    cards = list(response.context["page"])
    assert all(card.sparkline for card in cards)
    assert b"<polyline" in response.content


def test_the_query_count_does_not_grow_with_the_page(login, manager, scored):
    client = login(manager)
    run_now()
    client.get(URL)  # warm the session and the user's role
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    tier = scored["acme"].tier
    for number in range(20):
        factories.DistributorFactory(code=f"more-{number}", tier=tier)
    run_now()
    run_now()
    client.get(URL)  # the latest run, read again after the publication, is kept again
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)
    assert len(response.context["page"]) == 23
    assert len(many) == len(few)


def test_the_csv_export_is_the_filtered_ranking(login, manager, scored):
    response = login(manager).get(EXPORT, {"format": "csv", "region": "europe", "sort": "-rank"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["code"] for row in rows] == ["bolt", "acme"]
    acme = Scorecard.objects.get(run=scored["run"], distributor=scored["acme"])
    assert rows[1]["rank"] == "1" and rows[1]["score"] == str(float(acme.score))
    assert rows[1]["account_manager"] == manager.username


def test_the_xlsx_export_holds_the_same_rows(login, manager, scored):
    response = login(manager).get(EXPORT, {"format": "xlsx", "manager": manager.username})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("rank", "code", "name")
    assert [row[1] for row in rows[1:]] == ["acme", "zinc"]
