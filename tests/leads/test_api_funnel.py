"""/api/v1/funnel/: funnel figures equal to a case counted by hand, a partner held to its own
distributor, its peers anonymous."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

URL = reverse("api:funnel")
OTHERS = ("rival", "Rival Trading", "peer-one", "peer-two", "peer-three", "Handel")


def steps(body):
    return [(step["key"], step["count"], step["rate"]) for step in body["steps"]]


def test_a_partners_funnel_equals_the_case_counted_by_hand(token_client, partner, funnel_case):
    response = token_client(partner).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert (body["distributor"], body["from"], body["to"]) == ("acme", "2025-07", "2026-06")
    assert steps(body) == [
        ("assigned", 10, None),
        ("accepted", 6, 0.6),
        ("dql", 3, 0.5),
        ("opportunity", 2, 0.6667),
        ("won", 1, 0.5),
    ]
    assert body["steps"][0]["label"] == "Handed over"
    # Each step names the rate that leads to it and its denominator.
    assert [(s["rate_key"], s["of"]) for s in body["steps"]] == [
        (None, ""),
        ("acceptance", "of handed over"),
        ("qualification", "of accepted"),
        ("conversion", "of DQL"),
        ("win", "of opportunities"),
    ]
    assert body["rates"] == {
        "handover": None,  # a distributor's funnel counts no MQL of its own
        "acceptance": 0.6,
        "qualification": 0.5,
        "conversion": 0.6667,
        "win": 0.5,
        "dql_conversion": 0.3,
        "overall": 0.1,
        "late": 0.2,
        "on_time": 0.8,
        "rejection": 0.2,
    }
    assert body["rate_definitions"]["acceptance"] == {
        "label": "Accepted",
        "numerator": "accepted",
        "denominator": "assigned",
        "complement": False,
        "of": "of handed over",
    }
    assert body["median_accept_hours"] == 3.0
    counts = body["counts"]
    assert {key: counts.get(key) for key in ("assigned", "rejected", "expired", "escalated")} == {
        "assigned": 10,
        "rejected": 2,
        "expired": 2,
        "escalated": 2,
    }
    june = body["months"][-1]
    assert june == {
        "month": "2026-06",
        "first": 10,
        "accepted": 6,
        "dql": 3,
        "opportunity": 2,
        "won": 1,
        "acceptance": 0.6,
        "late": 0.2,
    }
    assert all(month["first"] == 0 for month in body["months"][:-1])
    assert body["reasons"] == [
        {"reason": "no_budget", "count": 1, "share": 0.5},
        {"reason": "not_in_territory", "count": 1, "share": 0.5},
    ]
    assert body["sources"] == [
        {
            "source": "web",
            "assigned": 10,
            "accepted": 6,
            "rejected": 2,
            "dql": 3,
            "won": 1,
            "dql_yield": 0.3,
            "rejection_rate": 0.2,
            "top_reason": "no_budget",
        }
    ]


def test_the_partner_is_held_to_its_own_distributor(token_client, partner, funnel_case):
    client = token_client(partner)
    own = client.get(URL).json()
    named = client.get(URL, {"distributor": "acme"})
    assert named.status_code == 200
    assert named.json() == own


def test_a_partner_naming_another_distributor_reads_like_an_unknown_code(
    token_client, partner, funnel_case
):
    client = token_client(partner)
    rival = client.get(URL, {"distributor": "rival"})
    unknown = client.get(URL, {"distributor": "zzzzz"})
    assert rival.status_code == unknown.status_code == 400
    assert list(rival.json()["error"]["fields"]) == ["distributor"]
    assert str(rival.json()).replace("rival", "CODE") == str(unknown.json()).replace(
        "zzzzz", "CODE"
    )


def test_the_peers_are_anonymous(token_client, partner, peers):
    response = token_client(partner).get(URL)
    body = response.json()
    acceptance = next(row for row in body["peers"] if row["measure"] == "acceptance")
    # acme 60 %; its peers 25 %, 100 %, 50 %: median 55 %, at least as good as 3 of 4.
    assert acceptance == {
        "measure": "acceptance",
        "value": 0.6,
        "peer_median": 0.55,
        "percentile": 75.0,
        "peers": 4,
    }
    assert {key for row in body["peers"] for key in row} == {
        "measure",
        "value",
        "peer_median",
        "percentile",
        "peers",
    }
    text = response.content.decode()
    assert [name for name in OTHERS if name.lower() in text.lower()] == []


def test_with_fewer_than_three_peers_the_comparison_is_withheld(token_client, partner, funnel_case):
    body = token_client(partner).get(URL).json()
    acceptance = next(row for row in body["peers"] if row["measure"] == "acceptance")
    assert acceptance["value"] == 0.6
    assert (acceptance["peer_median"], acceptance["percentile"]) == (None, None)


def test_the_outsider_gets_its_own_figures_never_acmes(token_client, outsider, funnel_case):
    response = token_client(outsider).get(URL)
    body = response.json()
    assert body["distributor"] == "rival"
    assert steps(body)[:2] == [("assigned", 5, None), ("accepted", 5, 1.0)]
    assert body["reasons"] == []
    assert "acme" not in response.content.decode()
    assert token_client(outsider).get(URL, {"distributor": "acme"}).status_code == 400


def test_a_manager_gets_the_channel_without_peers(token_client, manager, funnel_case):
    body = token_client(manager).get(URL).json()
    assert body["distributor"] is None
    assert body["peers"] is None
    assert body["steps"][0]["label"] == "MQL"
    assert steps(body) == [
        ("mql", 15, None),
        ("assigned", 15, 1.0),
        ("accepted", 11, 0.7333),
        ("dql", 3, 0.2727),
        ("opportunity", 2, 0.6667),
        ("won", 1, 0.5),
    ]


def test_a_manager_looks_at_one_distributor(token_client, manager, peers):
    body = token_client(manager).get(URL, {"distributor": "acme"}).json()
    assert body["distributor"] == "acme"
    assert steps(body)[1] == ("accepted", 6, 0.6)
    assert body["peers"] is not None


def test_the_period_narrows_the_figures(token_client, partner, funnel_case):
    body = token_client(partner).get(URL, {"from": "2026-07", "to": "2026-12"}).json()
    assert (body["from"], body["to"]) == ("2026-07", "2026-12")
    assert [step["count"] for step in body["steps"]] == [0, 0, 0, 0, 0]
    assert body["rates"]["acceptance"] is None  # nothing to divide: no data, not zero
    assert len(body["months"]) == 6


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-13"}, "from"),
        ({"from": "June"}, "from"),
        ({"to": "2026/06"}, "to"),
        ({"source": "nope"}, "source"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(token_client, partner, funnel_case, params, field):
    response = token_client(partner).get(URL, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert list(error["fields"]) == [field]
    assert error["message"].startswith(f"{field}:")


def test_a_user_without_a_role_gets_nothing(token_client, nobody, funnel_case):
    assert token_client(nobody).get(URL).status_code == 403


def test_anonymous_gets_401(funnel_case):
    assert APIClient().get(URL).status_code == 401
