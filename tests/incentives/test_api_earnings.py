"""/api/v1/earnings/ (the ledger), /api/v1/earnings/statement/ (one distributor's programmes and
goal bonuses, totals by currency) and /api/v1/bonus-payments/ (the manufacturer records a
bonus paid). A partner sees its own distributor's entries and statement, nothing of another's."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from goals.models import Goal
from incentives import selectors, services
from incentives.models import Entry
from tests import factories
from tests.incentives.api import client_for, refused, results, route, unchanged

pytestmark = pytest.mark.django_db

D = Decimal
JAN = datetime.date(2026, 1, 1)
PAID_ON = datetime.date(2026, 6, 1)
LEDGER = route("earning-list")
STATEMENT = route("earning-statement")
PAY = route("bonus-payment-list")


def achieved(distributor, payout="2500.00", **over):
    return factories.GoalFactory(
        distributor=distributor, status=Goal.Status.ACHIEVED, payout=D(payout), **over
    )


@pytest.fixture
def earnings(make_programme, revenue, manager, distributor, other_distributor):
    """A programme where acme earned 240 and rival 50; acme's bonus of 2,500 EUR paid, its
    bonus of 1,000 USD not yet."""
    programme = make_programme()
    revenue(distributor, JAN, "12000")
    revenue(other_distributor, JAN, "5000")
    services.programme_accrue(programme=programme)
    paid = achieved(distributor)
    services.bonus_pay(goal=paid, by=manager, reference="BON-1", paid_on=PAID_ON)
    waiting = achieved(distributor, payout="1000.00", payout_currency="USD")
    return {"programme": programme, "paid": paid, "waiting": waiting}


# --- the ledger --------------------------------------------------------------------------------


def test_a_manager_reads_every_entry_of_the_ledger(manager, earnings):
    rows = results(client_for(manager).get(LEDGER))

    assert sorted((row["distributor"], row["kind"], row["amount"]) for row in rows) == [
        ("acme", "accrual", "240.00"),
        ("acme", "bonus_payment", "2500.00"),
        ("rival", "accrual", "50.00"),
    ]
    assert [row["date"] for row in rows] == ["2026-06-15", "2026-06-15", "2026-06-01"]
    bonus = rows[-1]
    assert bonus == {
        "id": Entry.objects.get(kind="bonus_payment").pk,
        "distributor": "acme",
        "distributor_name": "Acme Industrial Supply",
        "programme": None,
        "programme_name": None,
        "goal": earnings["paid"].pk,
        "settlement": None,
        "kind": "bonus_payment",
        "amount": "2500.00",
        "currency": "EUR",
        "date": "2026-06-01",
        "reference": "BON-1",
        "created_at": bonus["created_at"],
    }
    accrual = next(row for row in rows if row["distributor"] == "rival")
    assert (accrual["programme"], accrual["programme_name"], accrual["reference"]) == (
        earnings["programme"].pk,
        "Volume rebate 2026",
        "",
    )


def test_a_partner_reads_its_own_entries_and_the_outsider_none_of_acmes(
    partner, colleague, outsider, earnings
):
    for user in (partner, colleague):
        rows = results(client_for(user).get(LEDGER))
        assert {row["distributor"] for row in rows} == {"acme"} and len(rows) == 2
        refused(client_for(user).get(LEDGER, {"distributor": "rival"}), 400, "distributor")
    rows = results(client_for(outsider).get(LEDGER))
    assert [(row["distributor"], row["amount"]) for row in rows] == [("rival", "50.00")]
    refused(client_for(outsider).get(LEDGER, {"distributor": "acme"}), 400, "distributor")


def test_a_programme_the_partner_cannot_see_is_an_unknown_filter(
    outsider, make_programme, distributor
):
    acmes = make_programme(name="Acme only", distributors=[distributor])
    refused(client_for(outsider).get(LEDGER, {"programme": acmes.pk}), 400, "programme")


def test_nobody_without_a_role_reads_the_ledger_or_a_statement(nobody, earnings):
    refused(client_for(nobody).get(LEDGER), 403)
    refused(client_for(nobody).get(STATEMENT, {"distributor": "acme"}), 403)


def test_the_ledger_filters_by_distributor_programme_kind_and_dates(
    manager, earnings, make_programme
):
    other = make_programme(name="Other")
    client = client_for(manager)

    def found(**query):
        return sorted(
            (row["distributor"], row["kind"]) for row in results(client.get(LEDGER, query))
        )

    assert found(distributor="ACME") == [("acme", "accrual"), ("acme", "bonus_payment")]
    assert found(programme=earnings["programme"].pk) == [("acme", "accrual"), ("rival", "accrual")]
    assert found(programme=other.pk) == []
    assert found(kind="bonus_payment") == [("acme", "bonus_payment")]
    assert found(date_to="2026-06-10") == [("acme", "bonus_payment")]
    assert found(date_from="2026-06-10", distributor="rival") == [("rival", "accrual")]


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("kind", "grant"),
        ("kind", ""),
        ("date_from", "May"),
        ("date_to", "2026-13-01"),
        ("programme", "first"),
        ("programme", "999999"),
        ("programme", "9" * 40),
        ("distributor", "nope"),
    ],
)
def test_a_malformed_ledger_filter_is_a_400_naming_it(manager, parameter, value):
    refused(client_for(manager).get(LEDGER, {parameter: value}), 400, parameter)


def test_the_ledger_query_count_does_not_grow_with_rows(manager, make_programme, revenue):
    programme = make_programme()

    def entries(count):
        for _ in range(count):
            distributor = factories.DistributorFactory()
            revenue(distributor, JAN, "1000")
            goal = achieved(distributor, payout="100.00")
            services.bonus_pay(goal=goal, by=manager, reference="B", paid_on=PAID_ON)
        services.programme_accrue(programme=programme)

    client = client_for(manager)
    entries(1)
    client.get(LEDGER)
    with CaptureQueriesContext(connection) as few:
        assert len(results(client.get(LEDGER))) == 2
    entries(4)
    with CaptureQueriesContext(connection) as many:
        assert len(results(client.get(LEDGER))) == 10
    assert len(many.captured_queries) == len(few.captured_queries)


# --- the statement -----------------------------------------------------------------------------


def test_a_partners_statement_is_its_own_by_default(partner, colleague, earnings):
    programme = earnings["programme"]
    for user in (partner, colleague):
        response = client_for(user).get(STATEMENT)
        assert response.status_code == 200, response.json()
        body = response.json()
        assert (body["distributor"], body["distributor_name"]) == ("acme", "Acme Industrial Supply")
        assert body["totals"] == {
            "EUR": {"earned": "2740.00", "paid": "2500.00", "due": "240.00"},
            "USD": {"earned": "1000.00", "paid": "0.00", "due": "1000.00"},
        }
        [line] = body["programmes"]
        assert {key: line[key] for key in ("programme", "programme_name", "kind")} == {
            "programme": programme.pk,
            "programme_name": "Volume rebate 2026",
            "kind": "rebate",
        }
        assert (line["earned"], line["paid"], line["due"], line["currency"]) == (
            "240.00",
            "0.00",
            "240.00",
            "EUR",
        )
        assert (line["next_threshold"], line["next_rate"], line["gap"]) == (
            "50000.00",
            "3.0000",
            "38000.00",
        )
        assert body["bonuses"] == [
            {
                "goal": earnings["paid"].pk,
                "payout": "2500.00",
                "currency": "EUR",
                "paid": "2500.00",
                "due": "0.00",
                "reference": "BON-1",
                "paid_on": "2026-06-01",
            },
            {
                "goal": earnings["waiting"].pk,
                "payout": "1000.00",
                "currency": "USD",
                "paid": "0.00",
                "due": "1000.00",
                "reference": None,
                "paid_on": None,
            },
        ]
        assert client_for(user).get(STATEMENT, {"distributor": "ACME"}).json() == body


def test_a_bi_tool_reads_the_statement_with_its_token(token_client, partner, earnings):
    response = token_client(partner).get(STATEMENT)
    assert response.status_code == 200, response.json()
    assert response.json()["totals"]["EUR"] == {
        "earned": "2740.00",
        "paid": "2500.00",
        "due": "240.00",
    }


def test_the_statement_is_the_selectors_line_for_line(manager, partner, earnings, distributor):
    statement = selectors.statement(distributor=distributor, visible_to=manager)
    body = client_for(manager).get(STATEMENT, {"distributor": "acme"}).json()

    assert [line["programme"] for line in body["programmes"]] == [
        line.programme.pk for line in statement.programmes
    ]
    assert [line["expected"] for line in body["programmes"]] == [
        f"{line.outlook.expected:.2f}" for line in statement.programmes
    ]
    assert body["totals"] == {
        currency: {name: f"{value:.2f}" for name, value in figures.items()}
        for currency, figures in statement.totals.items()
    }
    assert client_for(partner).get(STATEMENT).json() == body


def test_the_manager_names_the_distributor(manager, earnings):
    refused(client_for(manager).get(STATEMENT), 400, "distributor")
    refused(client_for(manager).get(STATEMENT, {"distributor": ""}), 400, "distributor")
    refused(client_for(manager).get(STATEMENT, {"distributor": "nope"}), 400, "distributor")
    body = client_for(manager).get(STATEMENT, {"distributor": "rival"}).json()
    assert body["totals"] == {"EUR": {"earned": "50.00", "paid": "0.00", "due": "50.00"}}
    assert body["bonuses"] == []


def test_a_partner_never_reads_another_distributors_statement(outsider, partner, earnings):
    refused(client_for(outsider).get(STATEMENT, {"distributor": "acme"}), 400, "distributor")
    refused(client_for(partner).get(STATEMENT, {"distributor": "rival"}), 400, "distributor")
    body = client_for(outsider).get(STATEMENT).json()
    assert body["distributor"] == "rival"
    assert [line["earned"] for line in body["programmes"]] == ["50.00"]
    assert body["bonuses"] == []


def test_a_distributor_with_nothing_earned_has_an_empty_statement(manager, distributor):
    body = client_for(manager).get(STATEMENT, {"distributor": "acme"}).json()
    assert body == {
        "distributor": "acme",
        "distributor_name": "Acme Industrial Supply",
        "totals": {},
        "programmes": [],
        "bonuses": [],
    }


def test_the_statement_query_count_does_not_grow_with_its_lines(
    partner, manager, make_programme, revenue, distributor
):
    revenue(distributor, JAN, "1000")

    def lines(count):
        for index in range(count):
            services.programme_accrue(programme=make_programme(name=f"Rebate {index}"))
            goal = achieved(distributor, payout="100.00")
            services.bonus_pay(goal=goal, by=manager, reference="B", paid_on=PAID_ON)

    client = client_for(partner)
    lines(1)
    client.get(STATEMENT)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(STATEMENT).json()["bonuses"]) == 1
    lines(4)
    with CaptureQueriesContext(connection) as many:
        body = client.get(STATEMENT).json()
    assert (len(body["programmes"]), len(body["bonuses"])) == (5, 5)
    assert len(many.captured_queries) == len(few.captured_queries)


# --- bonus payments ----------------------------------------------------------------------------


def payment(of, **over):
    fields = {"goal": of.pk, "reference": "BON-7", "paid_on": "2026-06-10"}
    fields.update(over)
    return {key: value for key, value in fields.items() if value is not None}


def test_a_manager_records_a_bonus_paid_into_the_ledger(manager, partner, distributor):
    goal = achieved(distributor, payout="1200.00")

    response = client_for(manager).post(PAY, payment(goal), format="json")

    assert response.status_code == 201, response.json()
    entry = Entry.objects.get()
    assert response.json()["id"] == entry.pk
    assert (entry.kind, entry.amount, entry.currency, entry.created_by) == (
        "bonus_payment",
        D("1200.00"),
        "EUR",
        manager,
    )
    [bonus] = client_for(partner).get(STATEMENT).json()["bonuses"]
    assert (bonus["paid"], bonus["due"], bonus["reference"]) == ("1200.00", "0.00", "BON-7")


def test_a_bonus_is_paid_once_and_only_for_an_achieved_goal(manager, distributor):
    goal = achieved(distributor)
    missed = factories.GoalFactory(distributor=distributor, status=Goal.Status.MISSED)
    client = client_for(manager)
    assert client.post(PAY, payment(goal), format="json").status_code == 201
    with unchanged():
        refused(client.post(PAY, payment(goal), format="json"), 400, "goal")
        refused(client.post(PAY, payment(missed), format="json"), 400, "goal")


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"goal": None}, "goal"),
        ({"goal": "first"}, "goal"),
        ({"goal": 0}, "goal"),
        ({"reference": ""}, "reference"),
        ({"reference": "x" * 101}, "reference"),
        ({"paid_on": "2026-06-16"}, "paid_on"),  # not paid yet
        ({"paid_on": None}, "paid_on"),
    ],
)
def test_a_payment_that_breaks_the_rules_is_refused_naming_the_field(
    manager, distributor, over, field
):
    goal = achieved(distributor)
    with unchanged():
        response = client_for(manager).post(PAY, payment(goal, **over), format="json")
    refused(response, 400, field)


def test_a_goal_that_does_not_exist_is_a_404(manager):
    with unchanged():
        response = client_for(manager).post(
            PAY, {"goal": 999999, "reference": "B", "paid_on": "2026-06-10"}, format="json"
        )
    refused(response, 404)


def test_partners_record_no_payment(partner, colleague, outsider, nobody, distributor):
    goal = achieved(distributor)
    for user in (partner, colleague, outsider, nobody):
        with unchanged():
            refused(client_for(user).post(PAY, payment(goal), format="json"), 403)
