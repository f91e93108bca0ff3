"""GET /api/v1/scorecards/ (JSON and CSV), /scorecards/{code}/ and /scorecards/{code}/history/:
the caller's scope, filters and ordering, the metrics with their explanations, conditional
requests, and a constant number of queries."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.http import http_date

from scoring import services
from scoring.metrics import metric_get, metric_list
from tests import factories
from tests.scoring.conftest import run_now

LIST = reverse("api:scorecard-list")
EARLIER = datetime.date(2026, 5, 31)


def detail(code):
    return reverse("api:scorecard-detail", args=[code])


def history(code):
    return reverse("api:scorecard-history", args=[code])


def codes(response):
    assert response.status_code == 200, response.content
    return [item["distributor"] for item in response.json()["results"]]


def csv_rows(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def run(channel):
    return run_now()


# --- scope -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_manager_sees_every_scorecard_of_the_latest_run_best_first(token_client, manager, run):
    response = token_client(manager).get(LIST)
    assert codes(response) == ["acme", "bolt", "core", "dormant"]
    acme = response.json()["results"][0]
    assert acme["name"] == "Acme Industrial Supply"
    assert acme["tier"] == "gold" and acme["region"] == "Europe"
    assert (acme["score"], acme["rank"], acme["rank_in_tier"], acme["rank_in_region"]) == (
        "87.50",
        1,
        1,
        1,
    )
    assert acme["percentile"] == "100.00"
    assert acme["rank_change"] is None and acme["score_change"] is None
    assert acme["as_of"] == "2026-06-15"
    assert acme["run"] == run.pk and acme["model_version"] == run.model.version
    dormant = response.json()["results"][-1]
    assert dormant["score"] is None and dormant["rank"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["partner", "colleague"])
def test_a_partner_sees_only_its_own_scorecard_and_no_peer_is_named(
    token_client, request, persona, run, channel
):
    response = token_client(request.getfixturevalue(persona)).get(LIST)
    assert codes(response) == ["acme"]
    assert response.json()["count"] == 1
    text = response.content.decode()
    for code in ("bolt", "core", "dormant"):
        assert f'"{code}"' not in text
        assert channel[code].name not in text
    # The peers are there only as the tier's median.
    revenue = next(
        m for m in response.json()["results"][0]["metrics"] if m["key"] == "revenue_t12m"
    )
    assert revenue["peer_median"] == "12000.0000"


@pytest.mark.django_db
def test_an_outsider_gets_nothing_of_acme(token_client, outsider, run):
    response = token_client(outsider).get(LIST)
    assert codes(response) == ["rival"]
    assert "acme" not in response.content.decode().lower()
    assert token_client(outsider).get(detail("acme")).status_code == 404
    assert token_client(outsider).get(history("acme")).status_code == 404
    rows = csv_rows(token_client(outsider).get(LIST, {"format": "csv"}))
    assert [row[0] for row in rows[1:]] == ["rival"]
    assert "acme" not in response.content.decode().lower()


@pytest.mark.django_db
def test_a_user_without_a_role_is_refused_and_the_anonymous_must_log_in(
    token_client, nobody, api_client, run
):
    assert token_client(nobody).get(LIST).status_code == 403
    assert api_client.get(LIST).status_code == 401
    assert api_client.get(history("acme")).status_code == 401


# --- metrics -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_scorecard_carries_every_metric_with_its_figures_and_explanation(
    token_client, manager, run
):
    acme = token_client(manager).get(detail("acme")).json()
    assert [m["key"] for m in acme["metrics"]] == [m.key for m in metric_list()]
    revenue = next(m for m in acme["metrics"] if m["key"] == "revenue_t12m")
    metric = metric_get("revenue_t12m")
    assert revenue == {
        "key": "revenue_t12m",
        "label": str(metric.label),
        "direction": "higher",
        "unit": "money",
        "raw": "12000.0000",
        "numerator": "12000.00",
        "denominator": None,
        "peer_median": "12000.0000",
        "normalised": "75.00",
        "weight": "2.00",
        "contribution": "37.50",
        "explanation": metric.explain(),
        "of": None,  # not a lead rate
        "shrunk": None,  # not a rate of counts: nothing to shrink
        "shrunk_low": None,
        "shrunk_high": None,
        "prior_mean": None,
        "missing_rates": None,
    }
    growth = next(m for m in acme["metrics"] if m["key"] == "revenue_growth")
    assert growth["numerator"] == "6000.00" and growth["denominator"] == "6000.00"
    goals = next(m for m in acme["metrics"] if m["key"] == "goal_attainment")
    assert goals["raw"] is None and goals["contribution"] is None  # no data: left out
    assert "200 %" in goals["explanation"]
    overdue = next(m for m in acme["metrics"] if m["key"] == "overdue_accountings")
    assert overdue["direction"] == "lower"
    assert "14 days" in overdue["explanation"] and "%(" not in overdue["explanation"]


@pytest.mark.django_db
def test_the_list_costs_the_same_queries_for_3_or_20_distributors(token_client, manager, channel):
    client = token_client(manager)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST)
        assert response.status_code == 200
        return len(captured), response.json()["count"]

    run_now()
    few = queries()
    tier = channel["acme"].tier
    line = factories.ProductLineFactory(code="valves")
    for index in range(17):
        factories.RevenueRecordFactory(
            distributor=factories.DistributorFactory(tier=tier, region="Europe"),
            product_line=line,
            month=datetime.date(2026, 2, 1),
            amount=1000 + index,
        )
    run_now()
    many = queries()
    assert (few[1], many[1]) == (4, 21)
    assert few[0] == many[0]


# --- filters and ordering ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_filters_by_tier_and_region(token_client, manager, outsider, run):
    client = token_client(manager)
    assert "rival" in codes(client.get(LIST))
    assert codes(client.get(LIST, {"tier": "gold"})) == ["acme", "bolt", "core", "dormant"]
    assert codes(client.get(LIST, {"region": "europe"})) == codes(client.get(LIST))
    assert codes(client.get(LIST, {"region": "Asia"})) == []
    refused = client.get(LIST, {"tier": "no-such-tier"})
    assert refused.status_code == 400 and "tier" in refused.json()["error"]["fields"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("rank", ["acme", "bolt", "core", "dormant"]),
        ("-rank", ["core", "bolt", "acme", "dormant"]),
        ("score", ["core", "bolt", "acme", "dormant"]),
        ("-score", ["acme", "bolt", "core", "dormant"]),
        ("rank_in_tier", ["acme", "bolt", "core", "dormant"]),
        ("distributor", ["acme", "bolt", "core", "dormant"]),
    ],
)
def test_the_list_orders_as_asked_with_the_unranked_last(
    token_client, manager, run, ordering, expected
):
    assert codes(token_client(manager).get(LIST, {"ordering": ordering})) == expected


@pytest.mark.django_db
def test_an_unknown_ordering_is_refused(token_client, manager, run):
    response = token_client(manager).get(LIST, {"ordering": "name"})
    assert response.status_code == 400
    assert "ordering" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_as_of_reads_the_last_published_run_of_that_date_and_an_unknown_date_is_a_404(
    token_client, manager, channel
):
    earlier = run_now(as_of=EARLIER)
    latest = run_now()
    client = token_client(manager)
    assert {item["run"] for item in client.get(LIST).json()["results"]} == {latest.pk}
    response = client.get(LIST, {"as_of": "2026-05-31"})
    assert {item["run"] for item in response.json()["results"]} == {earlier.pk}
    assert {item["as_of"] for item in response.json()["results"]} == {"2026-05-31"}
    missing = client.get(LIST, {"as_of": "2026-01-01"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get(LIST, {"as_of": "yesterday"}).status_code == 400


@pytest.mark.django_db
def test_before_any_run_is_published_the_list_is_empty(token_client, manager, channel):
    response = token_client(manager).get(LIST)
    assert response.status_code == 200 and response.json()["results"] == []
    assert "ETag" not in response
    assert token_client(manager).get(detail("acme")).status_code == 404


# --- one scorecard and the history -------------------------------------------------------------


@pytest.mark.django_db
def test_a_partner_reads_its_own_scorecard_but_not_a_peers(token_client, partner, run):
    client = token_client(partner)
    response = client.get(detail("acme"))
    assert response.status_code == 200 and response.json()["distributor"] == "acme"
    assert client.get(detail("bolt")).status_code == 404
    assert client.get(detail("nope")).status_code == 404


@pytest.mark.django_db
def test_the_history_lists_each_published_run_oldest_first(token_client, manager, channel):
    earlier = run_now(as_of=EARLIER)
    weights = services.scoring_model_current().weights
    services.scoring_model_publish(weights=weights, by=manager, rate_estimate="raw")
    latest = run_now()
    response = token_client(manager).get(history("bolt"))
    assert response.status_code == 200
    rows = response.json()
    assert [(row["as_of"], row["run"]) for row in rows] == [
        ("2026-05-31", earlier.pk),
        ("2026-06-15", latest.pk),
    ]
    assert set(rows[0]) == {
        "as_of",
        "run",
        "published_at",
        "model_version",
        "rate_estimate",
        "score",
        "rank",
        "rank_low",
        "rank_high",
        "percentile",
        "rank_change",
        "score_change",
    }
    # Which rates each run scored on: the model changed to raw rates between the two.
    assert [row["rate_estimate"] for row in rows] == ["shrunk", "raw"]
    assert rows[1]["model_version"] == rows[0]["model_version"] + 1
    assert rows[0]["rank_low"] <= rows[0]["rank"] <= rows[0]["rank_high"]


@pytest.mark.django_db
def test_a_partner_reads_only_its_own_history(token_client, partner, run):
    client = token_client(partner)
    assert [row["run"] for row in client.get(history("acme")).json()] == [run.pk]
    assert client.get(history("bolt")).status_code == 404
    assert client.get(history("nope")).status_code == 404


@pytest.mark.django_db
def test_a_distributor_without_runs_has_an_empty_history(token_client, manager, channel):
    response = token_client(manager).get(history("acme"))
    assert response.status_code == 200 and response.json() == []


# --- conditional requests ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", [LIST, detail("acme"), history("acme")])
def test_a_current_copy_gets_304_by_etag_or_by_date(token_client, partner, run, url):
    client = token_client(partner)
    first = client.get(url)
    assert first.status_code == 200
    etag, modified = first["ETag"], first["Last-Modified"]
    assert modified == http_date(int(run.published_at.timestamp()))
    by_etag = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert by_etag.status_code == 304 and by_etag["ETag"] == etag
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


@pytest.mark.django_db
def test_a_new_publication_changes_the_etag(token_client, manager, run):
    client = token_client(manager)
    first = client.get(LIST)
    run_now()
    second = client.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200 and second["ETag"] != first["ETag"]


@pytest.mark.django_db
def test_the_etag_differs_by_scope_query_and_format(token_client, manager, partner, run):
    tags = {
        token_client(manager).get(LIST)["ETag"],
        token_client(partner).get(LIST)["ETag"],
        token_client(manager).get(LIST, {"ordering": "score"})["ETag"],
        token_client(manager).get(LIST, HTTP_ACCEPT="text/csv")["ETag"],
    }
    assert len(tags) == 4


# --- CSV ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_ranking_downloads_as_csv_with_one_column_per_metric(token_client, manager, run):
    response = token_client(manager).get(LIST, {"format": "csv", "page_size": 1})
    rows = csv_rows(response)
    assert 'filename="scorecards-2026-06-15.csv"' in response["Content-Disposition"]
    assert rows[0] == [
        "distributor",
        "name",
        "tier",
        "region",
        "score",
        "rank",
        "rank_in_tier",
        "rank_in_region",
        "percentile",
        "rank_change",
        "rank_low",
        "rank_high",
        "top_quartile_probability",
        "bottom_quartile_probability",
        *(m.key for m in metric_list()),
        *(
            f"{m.key}_{column}"
            for m in metric_list()
            if m.counts
            for column in ("shrunk", "shrunk_low", "shrunk_high")
        ),
    ]
    # The whole ranking, not a page of it.
    assert [row[0] for row in rows[1:]] == ["acme", "bolt", "core", "dormant"]
    acme = dict(zip(rows[0], rows[1], strict=True))
    assert acme["name"] == "Acme Industrial Supply" and acme["score"] == "87.50"
    assert acme["rank"] == "1" and acme["rank_change"] == ""
    assert acme["revenue_t12m"] == "12000.0000" and acme["goal_attainment"] == ""


@pytest.mark.django_db
def test_the_csv_follows_the_filters_and_the_accept_header(token_client, manager, run):
    client = token_client(manager)
    rows = csv_rows(client.get(LIST, {"format": "csv", "ordering": "score"}))
    assert [row[0] for row in rows[1:]] == ["core", "bolt", "acme", "dormant"]
    assert len(csv_rows(client.get(LIST, HTTP_ACCEPT="text/csv"))) == 5


@pytest.mark.django_db
def test_a_partners_csv_holds_its_own_row_only(token_client, partner, run, channel):
    response = token_client(partner).get(LIST, {"format": "csv"})
    rows = csv_rows(response)
    assert [row[0] for row in rows[1:]] == ["acme"]
    cells = {cell for row in rows for cell in row}
    for code in ("bolt", "core", "dormant"):
        assert code not in cells and channel[code].name not in cells


@pytest.mark.django_db
def test_an_error_asked_for_as_csv_keeps_the_json_error_shape(token_client, manager, run):
    response = token_client(manager).get(LIST, {"format": "csv", "tier": "nope"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.django_db
def test_only_the_ranking_comes_as_csv(token_client, manager, run):
    assert token_client(manager).get(history("acme"), {"format": "csv"}).status_code == 404


# --- the rendered-answer cache -----------------------------------------------------------------


def _queries_and_body(client, url, **extra):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200, response.content
    return len(captured), response


@pytest.mark.django_db
@pytest.mark.parametrize("url", [LIST, LIST + "?format=csv", detail("acme"), history("acme")])
def test_a_second_identical_read_is_served_from_the_cache_byte_for_byte(
    token_client, manager, run, url
):
    client = token_client(manager)
    first_queries, first = _queries_and_body(client, url)
    second_queries, second = _queries_and_body(client, url)
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["ETag"] == first["ETag"]
    assert second.get("Content-Disposition") == first.get("Content-Disposition")
    # The scorecards and their metrics are not read again.
    assert second_queries < first_queries
    assert not any("scoring_metricvalue" in q["sql"] for q in _capture(client, url))


def _capture(client, url):
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return captured.captured_queries


@pytest.mark.django_db
def test_a_partner_never_gets_the_managers_cached_ranking(token_client, manager, partner, run):
    assert len(codes(token_client(manager).get(LIST))) > 1
    assert codes(token_client(partner).get(LIST)) == ["acme"]
    assert len(csv_rows(token_client(partner).get(LIST, {"format": "csv"}))) == 2


@pytest.mark.django_db
def test_a_new_publication_is_read_at_once_despite_the_cache(token_client, manager, run, channel):
    client = token_client(manager)
    before = client.get(LIST).json()
    factories.RevenueRecordFactory(
        distributor=factories.DistributorFactory(tier=channel["acme"].tier, region="Europe"),
        product_line=factories.ProductLineFactory(code="pumps-x"),
        month=datetime.date(2026, 2, 1),
        amount=5000,
    )
    run_now()
    after = client.get(LIST).json()
    assert after["count"] == before["count"] + 1
    assert after["results"][0]["run"] != before["results"][0]["run"]


@pytest.mark.django_db
def test_the_cache_can_be_turned_off(token_client, manager, run, settings):
    settings.SCORING_API_CACHE_SECONDS = 0
    client = token_client(manager)
    first = client.get(LIST)
    assert any("scoring_metricvalue" in q["sql"] for q in _capture(client, LIST))
    assert client.get(LIST).content == first.content


@pytest.mark.django_db
def test_a_kept_answer_is_served_gzipped_to_a_client_that_accepts_it(token_client, manager, run):
    import gzip

    client = token_client(manager)
    plain = client.get(LIST)  # made and kept
    zipped = client.get(LIST, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert zipped["ETag"] == "W/" + plain["ETag"]
    assert "Accept-Encoding" in zipped["Vary"]
    # Either representation's ETag gets the 304; a client that does not accept gzip gets JSON.
    assert client.get(LIST, HTTP_IF_NONE_MATCH=zipped["ETag"]).status_code == 304
    again = client.get(LIST, HTTP_ACCEPT_ENCODING="identity")
    assert "Content-Encoding" not in again and again.content == plain.content


@pytest.mark.django_db
def test_a_back_dated_publication_changes_neither_the_ranking_nor_its_cached_answer(
    token_client, manager, run
):
    client = token_client(manager)
    first = client.get(LIST)
    assert first.json()["results"][0]["as_of"] == "2026-06-15"
    back_dated = run_now(as_of=EARLIER)
    assert back_dated.status == "published"

    assert client.get(LIST, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    again = client.get(LIST)
    assert again["ETag"] == first["ETag"] and again.content == first.content
    # Served from the kept answer: the scorecards are not read again.
    assert not any("scoring_metricvalue" in q["sql"] for q in _capture(client, LIST))
    assert {item["run"] for item in again.json()["results"]} == {run.pk}
    # The back-dated run stays readable as history, by its date.
    dated = client.get(LIST, {"as_of": EARLIER.isoformat()}).json()["results"]
    assert {item["run"] for item in dated} == {back_dated.pk}


@pytest.mark.django_db
def test_a_figure_short_of_values_without_a_rate_says_so(token_client, manager, won_channel):
    run_now()
    client = token_client(manager)

    def won(code):
        card = client.get(detail(code)).json()
        return next(m for m in card["metrics"] if m["key"] == "won_from_leads")

    acme, bolt = won("acme"), won("bolt")
    assert (acme["raw"], acme["missing_rates"]) == ("2000.0000", 1)
    assert acme["peer_median"] == "2500.0000"
    assert acme["explanation"].endswith(
        "1 won lead is left out: its currency has no exchange rate for the month it was won in."
    )
    assert (bolt["raw"], bolt["missing_rates"]) == ("3000.0000", 0)
    assert "left out" not in bolt["explanation"]
    revenue = next(
        m for m in client.get(detail("acme")).json()["metrics"] if m["key"] == "revenue_t12m"
    )
    assert revenue["missing_rates"] is None
