"""Fair rates and ranks on the pages: the scorecard shows each rate raw, shrunk toward the peers
and its 90 % interval (in English and in French), the rank's interval and quartile chances; the
ranking says when the data cannot tell two distributors apart; the dashboard's bottom quartile
lists only those the data put there surely enough, and says so; the exports carry the figures."""

import csv
import html
import io

import openpyxl
import pytest
from django.urls import reverse

from scoring.models import MetricValue, Scorecard
from tests.scoring.conftest import run_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def fair(lead_channel):
    lead_channel["run"] = run_now()
    return lead_channel


def acceptance(fair, code):
    return MetricValue.objects.get(
        run=fair["run"], distributor=fair[code], metric="acceptance_rate"
    )


def row_of(page, metric):
    start = page.index(f'data-metric="{metric}"')
    return page[start : page.index("</tr>", start)]


def test_the_scorecard_shows_a_rate_raw_shrunk_and_its_interval(login, manager, fair):
    page = html.unescape(
        login(manager).get(reverse("scoring:scorecard", args=["acme"])).content.decode()
    )
    figures = acceptance(fair, "acme")
    row = row_of(page, "acceptance_rate")
    assert "100%" in row.replace("\u202f", "").replace(" ", "")  # the raw rate, 2 of 2
    assert f"{figures.shrunk:.1f} %" in row
    assert f"{figures.shrunk_low:.1f}–{figures.shrunk_high:.1f} %" in row
    assert f"peers {figures.prior_mean:.1f} %" in row
    assert "Shrunk estimate" in page and "90 % interval" in page
    assert "This run ranked on: Rates shrunk toward the peers." in page
    # Revenue is not a rate of counts: no estimate.
    assert 'class="text-end shrunk">—' in row_of(page, "revenue_t12m")


def test_the_scorecard_gives_the_ranks_interval_and_quartile_chances(login, manager, fair):
    card = Scorecard.objects.get(run=fair["run"], distributor=fair["acme"])
    page = html.unescape(
        login(manager).get(reverse("scoring:scorecard", args=["acme"])).content.decode()
    )
    assert f"90 % interval: {card.rank_low}–{card.rank_high}" in page
    assert 'id="quartile-chances"' in page
    assert f"{round(card.top_quartile_probability * 100)} %" in page


def test_the_scorecard_says_when_the_data_cannot_tell_the_rank_apart(login, manager, fair):
    Scorecard.objects.filter(run=fair["run"], distributor=fair["core"]).update(
        rank_low=1, rank_high=3, bottom_quartile_probability="0.600", percentile=0
    )
    page = html.unescape(
        login(manager).get(reverse("scoring:scorecard", args=["core"])).content.decode()
    )
    assert "The data cannot tell this distributor apart from those ranked 1 to 3" in page
    assert "with a probability of 60 % only, below the 80 %" in page
    assert "it is not flagged" in page


def test_a_french_reader_sees_the_rates_raw_shrunk_and_interval_in_french(client, manager, fair):
    client.force_login(manager)
    client.cookies["django_language"] = "fr"
    page = html.unescape(
        client.get(
            reverse("scoring:scorecard", args=["acme"]), HTTP_ACCEPT_LANGUAGE="fr"
        ).content.decode()
    )
    figures = acceptance(fair, "acme")
    row = row_of(page, "acceptance_rate")
    french = f"{figures.shrunk:.1f}".replace(".", ",")
    low, high = (f"{v:.1f}".replace(".", ",") for v in (figures.shrunk_low, figures.shrunk_high))
    assert f"{french} %" in row and f"{low}–{high} %" in row
    assert "Estimation rapprochée des pairs" in page
    assert "Intervalle à 90 %" in page
    assert "Taux rapprochés des pairs" in page


def test_the_ranking_shows_rank_intervals_and_says_when_they_overlap(login, manager, fair):
    Scorecard.objects.filter(run=fair["run"], rank__isnull=False).update(rank_low=1, rank_high=3)
    page = html.unescape(login(manager).get(reverse("scoring:rankings")).content.decode())
    assert "Rank, 90 % interval" in page
    assert page.count('class="badge text-bg-light border overlap"') == 2  # rows 2 and 3
    assert "the data cannot tell them apart" in page


def test_the_ranking_marks_no_overlap_when_the_intervals_are_apart(login, manager, fair):
    for rank, code in ((1, "acme"), (2, "bolt"), (3, "core")):
        Scorecard.objects.filter(run=fair["run"], distributor=fair[code]).update(
            rank=rank, rank_low=rank, rank_high=rank
        )
    page = login(manager).get(reverse("scoring:rankings")).content.decode()
    assert 'border overlap"' not in page


def test_the_bottom_quartile_lists_only_who_the_data_put_there_surely(
    login, manager, fair, settings
):
    Scorecard.objects.filter(run=fair["run"], distributor=fair["core"]).update(
        percentile=0, bottom_quartile_probability="0.700"
    )
    Scorecard.objects.filter(run=fair["run"], distributor=fair["bolt"]).update(
        percentile=20, bottom_quartile_probability="0.950"
    )
    Scorecard.objects.filter(run=fair["run"], distributor=fair["acme"]).update(
        percentile=100, bottom_quartile_probability="0.000"
    )
    settings.SCORING_BOTTOM_QUARTILE_PROBABILITY = 0.8
    response = login(manager).get(reverse("scoring:dashboard"))
    assert [card.distributor.code for card in response.context["bottom"]] == ["bolt"]
    page = html.unescape(response.content.decode())
    assert "with a probability of at least 80 %" in page
    assert "1 more ranks there, but the data cannot tell it apart from its peers." in page
    assert "95 % sure" in page
    # A lower bar lists core too.
    settings.SCORING_BOTTOM_QUARTILE_PROBABILITY = 0.6
    response = login(manager).get(reverse("scoring:dashboard"))
    assert [card.distributor.code for card in response.context["bottom"]] == ["bolt", "core"]


def test_the_ranking_export_carries_the_rank_interval_and_every_rates_estimates(
    login, manager, fair
):
    client = login(manager)
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(reverse("scoring:rankings-export"), {"format": "csv"}).content.decode()
            )
        )
    )
    acme = next(row for row in rows if row["code"] == "acme")
    card = Scorecard.objects.get(run=fair["run"], distributor=fair["acme"])
    figures = acceptance(fair, "acme")
    assert acme["rank_low"] == str(card.rank_low) and acme["rank_high"] == str(card.rank_high)
    assert float(acme["bottom_quartile_probability"]) == float(card.bottom_quartile_probability)
    assert float(acme["acceptance_rate"]) == 100.0
    assert float(acme["acceptance_rate_shrunk"]) == float(figures.shrunk)
    assert float(acme["acceptance_rate_shrunk_low"]) == float(figures.shrunk_low)
    assert float(acme["acceptance_rate_shrunk_high"]) == float(figures.shrunk_high)
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("scoring:rankings-export"), {"format": "xlsx"}).content)
    )
    headers = [cell.value for cell in next(book.active.iter_rows(max_row=1))]
    assert {"rank_low", "acceptance_rate_shrunk", "landmark_hit_rate_shrunk_high"} <= set(headers)


def test_the_weights_page_chooses_raw_or_shrunk_rates(login, manager, fair):
    from scoring import services
    from scoring.metrics import metric_list

    current = services.scoring_model_current()
    data = {m.key: str(current.weights[m.key]) for m in metric_list()}
    data["rate_estimate"] = "raw"
    response = login(manager).post(reverse("scoring:weights"), data, follow=True)
    assert services.scoring_model_current().rate_estimate == "raw"
    assert "Raw rates" in response.content.decode()
