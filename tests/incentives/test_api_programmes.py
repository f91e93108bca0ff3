"""/api/v1/programmes/: the scoped list and its filters, one programme with its tiers and
eligibility, creation, accrual, the quarterly advance and the true-up (the manufacturer's), and
each programme's standings with their outlook; every refusal names the field and changes
nothing."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from distributors.models import Region
from incentives import services
from incentives.models import Entry, Programme, Settlement, Standing, Step
from tests import factories
from tests.incentives.api import client_for, refused, results, route, unchanged

pytestmark = pytest.mark.django_db

D = Decimal
JAN, FEB = datetime.date(2026, 1, 1), datetime.date(2026, 2, 1)
LIST = route("programme-list")


def body(**over):
    fields = {
        "name": "Volume rebate 2026",
        "name_fr": "Remise sur volume 2026",
        "basis": "revenue",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "tiers": [{"threshold": "10000", "rate": "2"}, {"threshold": "0", "rate": "1"}],
    }
    fields.update(over)
    return {key: value for key, value in fields.items() if value is not None}


def ids(response):
    return [item["id"] for item in results(response)]


@pytest.fixture
def accrued(make_programme, revenue, distributor, other_distributor):
    """A programme open to every distributor: acme's 12,000 reach the 2 % tier (240), rival's
    5,000 the 1 % one (50)."""
    programme = make_programme()
    revenue(distributor, JAN, "8000")
    revenue(distributor, FEB, "4000")
    revenue(other_distributor, JAN, "5000")
    services.programme_accrue(programme=programme)
    return programme


# --- reading -----------------------------------------------------------------------------------


def test_a_manager_sees_every_programme_with_its_tiers_eligibility_and_figures(
    manager, accrued, make_programme, distributor, other_distributor
):
    gold = factories.TierFactory(code="gold")
    Region.objects.create(name="Europe")
    older = make_programme(
        name="Gold rebate 2025",
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        eligible_tiers=[gold],
        regions=list(Region.objects.all()),
    )
    named = make_programme(name="Named", distributors=[other_distributor, distributor])

    rows = results(client_for(manager).get(LIST))

    assert [row["id"] for row in rows] == [named.pk, accrued.pk, older.pk]
    named_row, row, older_row = rows
    assert row["tiers"] == [
        {"threshold": "0.00", "rate": "1.0000"},
        {"threshold": "10000.00", "rate": "2.0000"},
        {"threshold": "50000.00", "rate": "3.0000"},
    ]
    assert (row["participants"], row["earned"], row["paid"], row["due"]) == (
        2,
        "290.00",
        "0.00",
        "290.00",
    )
    assert (row["name"], row["name_fr"], row["currency"]) == (
        "Volume rebate 2026",
        "Remise sur volume 2026",
        "EUR",
    )
    assert row["running"] is True and row["accrued_at"] is not None
    assert (row["eligible_tiers"], row["regions"], row["distributors"]) == ([], [], [])
    assert (older_row["eligible_tiers"], older_row["regions"]) == (["gold"], ["Europe"])
    assert older_row["running"] is False and older_row["accrued_at"] is None
    assert named_row["distributors"] == ["acme", "rival"]
    assert named_row["created_by"] == "manager-test"
    french = client_for(manager).get(
        route("programme-detail", accrued.pk), HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert (french.json()["name"], french.json()["name_en"]) == (
        "Remise sur volume 2026",
        "Volume rebate 2026",
    )


def test_a_partner_sees_the_programmes_its_distributor_is_in_with_its_own_figures_only(
    partner, colleague, accrued, make_programme, distributor, other_distributor
):
    gold = factories.TierFactory(code="gold")  # acme is not gold
    gold_only = make_programme(name="Gold only", eligible_tiers=[gold])
    rivals = make_programme(name="Rival's", distributors=[other_distributor])
    both = make_programme(name="Both named", distributors=[distributor, other_distributor])

    for user in (partner, colleague):
        rows = results(client_for(user).get(LIST))
        assert [row["id"] for row in rows] == [both.pk, accrued.pk]
        assert rows[0]["distributors"] == ["acme"]
        assert (rows[1]["participants"], rows[1]["earned"], rows[1]["due"]) == (
            1,
            "240.00",
            "240.00",
        )
        detail = client_for(user).get(route("programme-detail", accrued.pk)).json()
        assert detail["earned"] == "240.00"
        for hidden in (gold_only, rivals):
            refused(client_for(user).get(route("programme-detail", hidden.pk)), 404)


def test_the_outsider_gets_nothing_of_a_programme_for_acme(outsider, make_programme, distributor):
    acmes = make_programme(name="Acme only", distributors=[distributor])
    client = client_for(outsider)

    assert ids(client.get(LIST)) == []
    refused(client.get(route("programme-detail", acmes.pk)), 404)
    refused(client.get(route("programme-standings", acmes.pk)), 404)


def test_an_anonymous_caller_is_asked_to_authenticate(api_client, accrued):
    for url in (LIST, route("programme-detail", accrued.pk)):
        refused(api_client.get(url), 401)
    refused(api_client.post(route("programme-accrue", accrued.pk)), 401)


def test_nobody_without_a_role_reads_programmes(nobody, accrued):
    refused(client_for(nobody).get(LIST), 403)
    refused(client_for(nobody).get(route("programme-detail", accrued.pk)), 403)
    refused(client_for(nobody).get(route("programme-standings", accrued.pk)), 403)


def test_programmes_filter_by_kind_basis_running_and_name(manager, make_programme, line):
    rebate = make_programme()
    spiff = make_programme(
        name="Pump SPIFF",
        kind="spiff",
        product_line=line,
        period_start=datetime.date(2026, 5, 1),
        period_end=datetime.date(2026, 6, 30),
        tiers=[("0", "5")],
    )
    units = make_programme(
        name="Units 2025",
        name_fr="Unités 2025",
        basis="units",
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
    )
    client = client_for(manager)

    assert ids(client.get(LIST, {"kind": "spiff"})) == [spiff.pk]
    assert ids(client.get(LIST, {"basis": "units"})) == [units.pk]
    assert set(ids(client.get(LIST, {"running": "true"}))) == {rebate.pk, spiff.pk}
    assert ids(client.get(LIST, {"running": "false"})) == [units.pk]
    assert ids(client.get(LIST, {"q": "unités"})) == [units.pk]
    assert ids(client.get(LIST, {"q": "SPIFF"})) == [spiff.pk]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [("kind", "grant"), ("kind", ""), ("basis", "margin"), ("running", "maybe")],
)
def test_a_malformed_filter_is_a_400_naming_it(manager, parameter, value):
    refused(client_for(manager).get(LIST, {parameter: value}), 400, parameter)


def test_the_list_query_count_does_not_grow_with_rows(
    manager, make_programme, distributor, other_distributor
):
    gold, silver = factories.TierFactory(code="gold"), factories.TierFactory(code="silver")
    europe = Region.objects.create(name="Europe")

    def programmes(count):
        for index in range(count):
            make_programme(name=f"Tiers {index}", eligible_tiers=[gold, silver], regions=[europe])
            make_programme(name=f"Named {index}", distributors=[distributor, other_distributor])

    client = client_for(manager)
    programmes(1)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        assert len(results(client.get(LIST))) == 2
    programmes(4)
    with CaptureQueriesContext(connection) as many:
        assert len(results(client.get(LIST))) == 10
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_list_is_paginated(manager, make_programme):
    for index in range(3):
        make_programme(name=f"Rebate {index}")
    page = client_for(manager).get(LIST, {"page_size": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]


# --- creating ----------------------------------------------------------------------------------


def test_a_manager_creates_a_programme_with_its_tiers_sorted(manager):
    response = client_for(manager).post(LIST, body(cap="5000"), format="json")

    assert response.status_code == 201, response.json()
    created = response.json()
    programme = Programme.objects.get(pk=created["id"])
    assert (programme.basis, programme.cap, programme.created_by) == ("revenue", D("5000"), manager)
    assert programme.steps() == [Step(D("0"), D("1")), Step(D("10000"), D("2"))]
    assert created["tiers"] == [
        {"threshold": "0.00", "rate": "1.0000"},
        {"threshold": "10000.00", "rate": "2.0000"},
    ]
    assert (created["kind"], created["method"], created["schedule"]) == (
        "rebate",
        "retroactive",
        "at_end",
    )
    assert (created["cap"], created["advance_percent"], created["advance_dates"]) == (
        "5000.00",
        "100.00",
        [],
    )
    assert (created["participants"], created["earned"]) == (0, "0.00")
    assert programme.history.get().history_user == manager


def test_a_quarterly_programme_for_some_tiers_and_regions(manager):
    factories.TierFactory(code="gold")
    Region.objects.create(name="Europe")

    response = client_for(manager).post(
        LIST,
        body(
            schedule="quarterly", advance_percent="80", eligible_tiers=["GOLD"], regions=["europe"]
        ),
        format="json",
    )

    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["eligible_tiers"], created["regions"]) == (["gold"], ["Europe"])
    assert created["advance_dates"] == ["2026-03-31", "2026-06-30", "2026-09-30"]
    assert created["advance_percent"] == "80.00"


def test_a_growth_programme_and_a_spiff_of_named_distributors(manager, line, distributor):
    client = client_for(manager)
    growth = client.post(
        LIST,
        body(
            basis="growth",
            baseline_start="2025-01-01",
            baseline_end="2025-12-31",
            tiers=[{"threshold": "5", "rate": "1"}],
        ),
        format="json",
    )
    spiff = client.post(
        LIST,
        body(
            kind="spiff",
            product_line="PUMPS",
            period_start="2026-07-01",
            period_end="2026-08-31",
            distributors=["ACME"],
            tiers=[{"threshold": "0", "rate": "12.5"}],
        ),
        format="json",
    )

    assert growth.status_code == 201, growth.json()
    assert (growth.json()["baseline_start"], growth.json()["baseline_end"]) == (
        "2025-01-01",
        "2025-12-31",
    )
    assert spiff.status_code == 201, spiff.json()
    assert (spiff.json()["product_line"], spiff.json()["distributors"]) == ("pumps", ["acme"])


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"kind": "bounty"}, "kind"),
        ({"basis": "margin"}, "basis"),
        ({"basis": None}, "basis"),
        ({"period_start": "soon"}, "period_start"),
        ({"period_end": "2025-12-31"}, "period_end"),
        ({"tiers": []}, "tiers"),
        ({"tiers": None}, "tiers"),
        ({"tiers": "0:1"}, "tiers"),
        ({"tiers": [["0", "1"]]}, "tiers[0]"),
        ({"tiers": [{"threshold": "0"}]}, "tiers[0].rate"),
        ({"tiers": [{"threshold": "lots", "rate": "1"}]}, "tiers[0].threshold"),
        ({"tiers": [{"threshold": "0", "rate": "1.00001"}]}, "tiers[0].rate"),
        ({"tiers": [{"threshold": "0", "rate": "1"}, {"threshold": "0.00", "rate": "2"}]}, "tiers"),
        ({"tiers": [{"threshold": "0", "rate": "101"}]}, "tiers"),
        ({"tiers": [{"threshold": "0", "rate": "-1"}]}, "tiers"),
        ({"tiers": [{"threshold": str(n), "rate": "1"} for n in range(11)]}, "tiers"),
        ({"basis": "growth"}, "baseline_start"),
        ({"baseline_start": "2025-01-01", "baseline_end": "2025-12-31"}, "baseline_start"),
        (
            {
                "basis": "growth",
                "method": "incremental",
                "baseline_start": "2025-01-01",
                "baseline_end": "2025-12-31",
            },
            "method",
        ),
        ({"kind": "spiff"}, "product_line"),
        ({"product_line": "valves"}, "product_line"),
        ({"product_line": ""}, "product_line"),
        ({"cap": "0"}, "cap"),
        ({"cap": "1.234"}, "cap"),
        ({"advance_percent": "0"}, "advance_percent"),
        ({"advance_percent": "100.5"}, "advance_percent"),
        ({"eligible_tiers": ["platinum"]}, "eligible_tiers"),
        ({"regions": ["Atlantis"]}, "regions"),
        ({"distributors": ["nope"]}, "distributors"),
    ],
)
def test_a_programme_that_does_not_hold_together_is_refused_naming_the_field(
    manager, line, over, field
):
    with unchanged():
        response = client_for(manager).post(LIST, body(**over), format="json")
    refused(response, 400, field)


def test_named_distributors_exclude_tiers_and_regions(manager, distributor):
    with unchanged():
        response = client_for(manager).post(
            LIST,
            body(distributors=["acme"], eligible_tiers=[distributor.tier.code]),
            format="json",
        )
    refused(response, 400, "distributors")


def test_partners_cannot_create_programmes(partner, colleague):
    for user in (partner, colleague):
        with unchanged():
            refused(client_for(user).post(LIST, body(), format="json"), 403)


# --- accrual -----------------------------------------------------------------------------------


def test_a_manager_accrues_a_programme_and_gets_the_counts(
    manager, make_programme, revenue, distributor, other_distributor
):
    programme = make_programme()
    revenue(distributor, JAN, "8000")
    revenue(other_distributor, JAN, "5000", currency="CHF")  # no CHF rate

    response = client_for(manager).post(route("programme-accrue", programme.pk))

    assert response.status_code == 200, response.json()
    assert response.json() == {"measured": 2, "changed": 1, "unpriced": 1}
    assert list(Entry.objects.values_list("distributor", "kind", "amount")) == [
        (distributor.pk, "accrual", D("80.00"))
    ]


def test_partners_cannot_accrue_and_an_unknown_programme_is_a_404(
    manager, partner, make_programme, revenue, distributor
):
    programme = make_programme()
    revenue(distributor, JAN, "8000")
    with unchanged():
        refused(client_for(partner).post(route("programme-accrue", programme.pk)), 403)
        refused(client_for(manager).post(route("programme-accrue", 999999)), 404)


# --- the quarterly advance ---------------------------------------------------------------------


@pytest.fixture
def quarterly(make_programme, revenue, distributor):
    """A quarterly programme advancing 80 %: acme's 20,000 of Q1 earn 400, 320 advanced."""
    programme = make_programme(schedule="quarterly", advance_percent="80")
    revenue(distributor, JAN, "20000")
    return programme


def advance(**over):
    fields = {"through": "2026-03-31", "reference": "ADV-Q1", "paid_on": "2026-04-10"}
    fields.update(over)
    return {key: value for key, value in fields.items() if value is not None}


def test_a_manager_pays_a_quarterly_advance_and_gets_the_settlement(
    manager, partner, quarterly, distributor
):
    response = client_for(manager).post(
        route("programme-advance", quarterly.pk), advance(), format="json"
    )

    assert response.status_code == 201, response.json()
    settlement = Settlement.objects.get()
    assert response.json() == {
        "id": settlement.pk,
        "programme": quarterly.pk,
        "kind": "advance",
        "through": "2026-03-31",
        "paid_on": "2026-04-10",
        "reference": "ADV-Q1",
        "total": "320.00",
        "entries": 1,
        "currency": "EUR",
        "created_by": "manager-test",
        "created_at": response.json()["created_at"],
    }
    [row] = results(client_for(partner).get(route("programme-standings", quarterly.pk)))
    assert (row["earned"], row["paid"], row["due"]) == ("400.00", "320.00", "80.00")


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"through": None}, "through"),
        ({"through": "March"}, "through"),
        ({"through": "2026-02-28"}, "through"),
        ({"through": "2026-06-30"}, "through"),  # the quarter is not over
        ({"paid_on": "2026-07-01"}, "paid_on"),  # a payment not made yet
        ({"paid_on": None}, "paid_on"),
        ({"reference": ""}, "reference"),
        ({"reference": "x" * 101}, "reference"),
    ],
)
def test_an_advance_that_breaks_the_rules_is_refused_naming_the_field(
    manager, quarterly, over, field
):
    with unchanged():
        response = client_for(manager).post(
            route("programme-advance", quarterly.pk), advance(**over), format="json"
        )
    refused(response, 400, field)


def test_an_advance_is_paid_once_per_quarter_and_only_on_a_quarterly_programme(
    manager, quarterly, make_programme
):
    client = client_for(manager)
    assert (
        client.post(route("programme-advance", quarterly.pk), advance(), format="json").status_code
        == 201
    )
    at_end = make_programme(name="Paid at the end")
    with unchanged():
        again = client.post(route("programme-advance", quarterly.pk), advance(), format="json")
        refused(again, 400, "through")
        other = client.post(route("programme-advance", at_end.pk), advance(), format="json")
        refused(other, 400, "through")


def test_partners_cannot_pay_advances(partner, colleague, quarterly):
    for user in (partner, colleague):
        with unchanged():
            response = client_for(user).post(
                route("programme-advance", quarterly.pk), advance(), format="json"
            )
            refused(response, 403)


# --- the true-up -------------------------------------------------------------------------------


@pytest.fixture
def ended(make_programme, revenue, distributor):
    """A first-quarter programme, over: acme's 20,000 of March earn 400."""
    programme = make_programme(name="Q1 push", period_end=datetime.date(2026, 3, 31))
    revenue(distributor, datetime.date(2026, 3, 1), "20000")
    return programme


def test_a_manager_settles_a_programme_once_its_period_is_over(manager, ended, distributor):
    url = route("programme-true-up", ended.pk)
    payment = {"reference": "TU-Q1", "paid_on": "2026-06-01"}

    response = client_for(manager).post(url, payment, format="json")

    assert response.status_code == 201, response.json()
    created = response.json()
    assert (created["kind"], created["through"], created["total"], created["entries"]) == (
        "true_up",
        "2026-03-31",
        "400.00",
        1,
    )
    assert list(Entry.objects.filter(kind="true_up").values_list("distributor", "amount")) == [
        (distributor.pk, D("400.00"))
    ]
    with unchanged():
        refused(client_for(manager).post(url, payment, format="json"), 400, "paid_on")


def test_a_running_programme_is_not_settled_and_partners_settle_nothing(
    manager, partner, accrued, ended
):
    payment = {"reference": "TU", "paid_on": "2026-06-01"}
    with unchanged():
        response = client_for(manager).post(
            route("programme-true-up", accrued.pk), payment, format="json"
        )
        refused(response, 400, "paid_on")
        response = client_for(partner).post(
            route("programme-true-up", ended.pk), payment, format="json"
        )
        refused(response, 403)
        response = client_for(manager).post(
            route("programme-true-up", ended.pk), {"paid_on": "2026-06-01"}, format="json"
        )
        refused(response, 400, "reference")


# --- standings ---------------------------------------------------------------------------------


def test_a_manager_reads_every_standing_with_its_outlook(manager, accrued, distributor):
    rows = results(client_for(manager).get(route("programme-standings", accrued.pk)))

    assert [row["distributor"] for row in rows] == ["acme", "rival"]
    acme = rows[0]
    standing = Standing.objects.get(programme=accrued, distributor=distributor)
    outlook = accrued.outlook(standing)
    assert acme == {
        "distributor": "acme",
        "distributor_name": "Acme Industrial Supply",
        "revenue": "12000.00",
        "units": "0.00",
        "baseline": None,
        "measure": "12000.00",
        "earned": "240.00",
        "paid": "0.00",
        "due": "240.00",
        "unpriced": 0,
        "through": "2026-02-01",
        "reached_threshold": "10000.00",
        "reached_rate": "2.0000",
        "next_threshold": "50000.00",
        "next_rate": "3.0000",
        "gap": "38000.00",
        "expected": f"{outlook.expected:.2f}",
        "currency": "EUR",
    }
    # Two months' pace over the year passes the 3 % tier.
    assert D(acme["expected"]) > D("2000")


def test_the_top_tier_has_no_next_one_and_growth_from_nothing_no_measure(
    manager, make_programme, revenue, distributor
):
    programme = make_programme(
        basis="growth",
        baseline_start=datetime.date(2025, 1, 1),
        baseline_end=datetime.date(2025, 12, 31),
        tiers=[("5", "1")],
    )
    revenue(distributor, JAN, "8000")  # no baseline revenue: growth cannot be measured
    services.programme_accrue(programme=programme)

    [row] = results(client_for(manager).get(route("programme-standings", programme.pk)))

    assert (row["measure"], row["reached_threshold"], row["next_threshold"]) == (
        None,
        None,
        "5.00",
    )
    assert (row["baseline"], row["gap"], row["earned"]) == ("0.00", None, "0.00")


def test_a_partner_reads_only_its_own_standing_and_the_outsider_only_its_own(
    partner, colleague, outsider, accrued
):
    url = route("programme-standings", accrued.pk)
    for user in (partner, colleague):
        assert [row["distributor"] for row in results(client_for(user).get(url))] == ["acme"]
    assert [row["distributor"] for row in results(client_for(outsider).get(url))] == ["rival"]
    assert results(client_for(outsider).get(url, {"q": "acme"})) == []


def test_standings_filter_by_distributor_and_what_is_due(manager, accrued, ended):
    client = client_for(manager)

    def found(programme, **query):
        url = route("programme-standings", programme.pk)
        return [row["distributor"] for row in results(client.get(url, query))]

    assert found(accrued, q="ACME") == ["acme"]
    assert found(accrued, q="rival trading") == ["rival"]
    assert found(accrued, due="true") == ["acme", "rival"]
    assert found(accrued, due="false") == []
    services.programme_true_up(
        programme=ended, by=manager, reference="TU", paid_on=datetime.date(2026, 6, 1)
    )
    assert found(ended, due="true") == []
    assert found(ended, due="false") == ["acme", "rival"]
    refused(client.get(route("programme-standings", accrued.pk), {"due": "maybe"}), 400, "due")


def test_the_standings_query_count_does_not_grow_with_rows(manager, make_programme, revenue):
    programme = make_programme()

    def standings(count):
        for _ in range(count):
            revenue(factories.DistributorFactory(), JAN, "12000")
        services.programme_accrue(programme=programme)

    client = client_for(manager)
    url = route("programme-standings", programme.pk)
    standings(2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert len(results(client.get(url))) == 2
    standings(8)
    with CaptureQueriesContext(connection) as many:
        assert len(results(client.get(url))) == 10
    assert len(many.captured_queries) == len(few.captured_queries)
