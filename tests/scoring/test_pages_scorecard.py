"""A distributor's scorecard: any for a manager, its own only for a partner, with peers kept
anonymous; the partner's /scoring/my/ shortcut."""

import pytest
from django.urls import reverse

from scoring.metrics import metric_list
from tests.scoring.conftest import run_now

pytestmark = pytest.mark.django_db


def url(code):
    return reverse("scoring:scorecard", args=[code])


def test_the_manager_sees_any_scorecard_with_its_metrics_and_charts(login, manager, scored):
    response = login(manager).get(url("bolt"))
    assert response.status_code == 200
    content = response.content.decode()
    for canvas in ("radar-chart", "score-chart", "rank-chart"):
        assert f'id="{canvas}"' in content
    rows = response.context["rows"]
    assert [row["metric"].key for row in rows] == [m.key for m in metric_list()]
    assert str(metric_list()[0].explanation) in content
    assert response.context["card"].rank == 2


def test_the_radar_sets_the_metrics_against_the_peer_median_position(login, manager, scored):
    radar = login(manager).get(url("acme")).context["radar_chart"]
    own, peers = radar["datasets"]
    assert own["label"] == "acme"
    assert len(own["data"]) == len(peers["data"]) == len(metric_list())
    # Revenue: acme and bolt 75, core 0 → the tier's median position is 75.
    index = [m.key for m in metric_list()].index("revenue_t12m")
    assert own["data"][index] == 75.0 and peers["data"][index] == 75.0


def test_score_and_rank_over_time_come_from_the_published_runs(login, manager, scored):
    run_now()
    response = login(manager).get(url("acme"))
    assert len(response.context["score_chart"]["labels"]) == 2
    assert response.context["rank_chart"]["datasets"][0]["data"] == [1, 1]


def test_a_partner_sees_its_own_scorecard_and_no_other_distributor(login, partner, scored):
    response = login(partner).get(url("acme"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Acme Industrial Supply" in content
    for other in ("bolt", "Bolt Traders", "zinc", "Zinc Wholesale"):
        assert other not in content
    assert "Peer median" in content
    assert response.context["radar_chart"]["datasets"][0]["label"] == "You"


@pytest.mark.parametrize("persona", ["partner", "colleague"])
def test_a_partner_gets_404_for_another_distributors_scorecard(login, scored, persona, request):
    user = request.getfixturevalue(persona)
    assert login(user).get(url("bolt")).status_code == 404
    assert login(user).get(url("no-such-code")).status_code == 404


def test_an_outsider_gets_nothing_of_acme(login, outsider, scored):
    assert login(outsider).get(url("acme")).status_code == 404


def test_a_user_without_a_role_gets_403(login, nobody, scored):
    assert login(nobody).get(url("acme")).status_code == 403


def test_before_any_run_the_page_says_there_is_no_scorecard(login, partner, page_channel):
    response = login(partner).get(url("acme"))
    assert response.status_code == 200
    assert b'id="no-scorecard"' in response.content


def test_my_scorecard_sends_a_partner_to_its_own(login, colleague, scored):
    response = login(colleague).get(reverse("scoring:mine"))
    assert response.status_code == 302 and response["Location"] == url("acme")


def test_a_manager_has_no_my_scorecard(login, manager, scored):
    assert login(manager).get(reverse("scoring:mine")).status_code == 403


def test_the_scorecard_says_what_a_figure_left_out_for_want_of_a_rate(login, manager, won_channel):
    run_now()
    client = login(manager)
    page = client.get(url("acme")).content.decode()
    row = page.split('data-metric="won_from_leads"')[1].split("</tr>")[0]
    assert "1 won lead is left out" in row
    client.cookies["django_language"] = "fr"
    page = client.get(url("acme"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    row = page.split('data-metric="won_from_leads"')[1].split("</tr>")[0]
    assert "1 affaire gagnée est laissée de côté" in row
