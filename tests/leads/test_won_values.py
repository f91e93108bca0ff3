"""Won values in the reporting currency: a lead valued without a currency takes its distributor's,
the rollups keep won values per currency, and every read prices them with the rate of the month
they were won in (the latest at or before it); a value without a rate is counted and left out, and
is priced as soon as its rate arrives. The rollups price to what the leads themselves give."""

import datetime
from decimal import Decimal as D

import pytest
import time_machine

from distributors import services as distributor_services
from drm.periods import MonthRange
from leads import pricing, rollups
from leads.models import LeadRollup
from tests import factories

pytestmark = pytest.mark.django_db

MARCH, APRIL = datetime.date(2026, 3, 1), datetime.date(2026, 4, 1)
MONTHS = MonthRange(first=datetime.date(2026, 1, 1), last=datetime.date(2026, 6, 1))


def at(day):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10), datetime.UTC))


@pytest.fixture
def won_leads(criteria, new_lead, advance, distributor, partner, other_distributor, outsider):
    """acme (USD) wins in March 1,000 EUR, 2,000 USD, 500 without a currency (so USD) and
    3,000 PLN; in April 1,000 USD. rival (EUR) wins 4,000 without a currency in March.
    Rates: USD 0.5 from January; none for PLN."""
    distributor.currency = "USD"
    distributor.save(update_fields=["currency"])
    factories.ExchangeRateFactory(currency="USD", month=datetime.date(2026, 1, 1), rate="0.5")
    made = {}
    with at(datetime.date(2026, 3, 10)):
        for name, currency, value in (
            ("eur", "EUR", "1000"),
            ("usd", "USD", "2000"),
            ("blank", "", "500"),
            ("pln", "PLN", "3000"),
        ):
            lead = new_lead(currency=currency)
            made[name] = advance(lead, "won", distributor=distributor, by=partner, value=value)
        made["rival"] = advance(new_lead(), "won", distributor=other_distributor, by=outsider,
                                value="4000")  # fmt: skip
    with at(datetime.date(2026, 4, 10)):
        made["april"] = advance(new_lead(currency="USD"), "won", distributor=distributor,
                                by=partner, value="1000")  # fmt: skip
    return made


def direct(distributor_id):
    """(value, leads, unpriced) of one distributor straight from its won leads."""
    rows = pricing.won_lead_values(
        first=MONTHS.first, end=MONTHS.end, distributor_ids=[distributor_id]
    )
    return (
        sum((won.value for *_key, won in rows), D(0)),
        sum(won.leads for *_key, won in rows),
        sum(won.unpriced for *_key, won in rows),
    )


def test_a_lead_valued_without_a_currency_takes_its_distributors(
    won_leads, distributor, other_distributor
):
    assert won_leads["blank"].currency == "USD"
    assert won_leads["rival"].currency == "EUR"
    assert won_leads["eur"].currency == "EUR" and won_leads["pln"].currency == "PLN"
    history = won_leads["blank"].history.order_by("history_date", "history_id")
    currencies = [record.currency for record in history]
    assert currencies[0] == "" and currencies[-1] == "USD"  # the change history says it too


def test_the_rollups_keep_won_values_per_currency_and_month(won_leads, distributor):
    rows = {
        (row.month, row.currency): (row.count, row.total)
        for row in LeadRollup.objects.filter(
            grain=LeadRollup.Grain.DISTRIBUTOR, distributor=distributor, stage="won"
        )
    }
    assert rows == {
        (MARCH, "EUR"): (1, D("1000")),
        (MARCH, "USD"): (2, D("2500")),
        (MARCH, "PLN"): (1, D("3000")),
        (APRIL, "USD"): (1, D("1000")),
    }


def test_mixed_currencies_are_priced_and_a_value_without_a_rate_is_counted_not_summed(
    won_leads, distributor, other_distributor
):
    figures = pricing.won_values(months=MONTHS)
    # 1,000 EUR + (2,000 + 500 + 1,000) USD × 0.5; the 3,000 PLN have no rate.
    assert figures[distributor.pk] == pricing.WonValue(D("2750"), 5, 1)
    assert figures[other_distributor.pk] == pricing.WonValue(D("4000"), 1, 0)
    # The rollups price to what the leads themselves give.
    assert direct(distributor.pk) == (D("2750"), 5, 1)
    assert direct(other_distributor.pk) == (D("4000"), 1, 0)


def test_a_rate_that_arrives_or_changes_later_reprices_the_won_values(
    won_leads, manager, distributor
):
    distributor_services.exchange_rate_set(
        currency="PLN", month=datetime.date(2026, 2, 1), rate="0.25", by=manager
    )
    assert pricing.won_values(months=MONTHS)[distributor.pk] == pricing.WonValue(D("3500"), 5, 0)
    # April's USD rate: the April win only.
    distributor_services.exchange_rate_set(currency="USD", month=APRIL, rate="0.8", by=manager)
    assert pricing.won_values(months=MONTHS)[distributor.pk].value == D("3800")
    assert direct(distributor.pk) == (D("3800"), 5, 0)


def test_a_won_lead_without_any_currency_is_left_out_and_counted(won_leads, distributor):
    # Made outside the services (the lead once kept no currency): no rate can price it.
    factories.LeadFactory(
        distributor=distributor,
        status="won",
        won_value=D("700"),
        closed_at=datetime.datetime(2026, 3, 12, 10, tzinfo=datetime.UTC),
    )
    assert direct(distributor.pk) == (D("2750"), 6, 2)


def won_snapshot():
    return sorted(
        LeadRollup.objects.filter(stage="won").values_list(
            "grain", "distributor_id", "month", "source_id", "currency", "count", "total"
        ),
        key=lambda row: tuple(-1 if value is None else value for value in row),
    )


def test_the_kept_won_rollups_equal_a_recount(won_leads):
    kept = won_snapshot()
    rollups.rollups_rebuild()
    assert won_snapshot() == kept


def test_the_migration_gives_valued_leads_a_currency_and_splits_won_rollups_by_currency(
    won_leads, distributor
):
    """leads/0008 on data as the code before it left them: a lead won without a currency and
    one won total per month whatever the currencies. Backwards, then forwards again."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    def won_rows():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT month, count, total FROM leads_leadrollup WHERE grain = 1 "
                "AND stage = 'won' AND distributor_id = %s ORDER BY month",
                [distributor.pk],
            )
            return cursor.fetchall()

    kept = won_snapshot()
    with connection.cursor() as cursor:
        # The rows the fixture wrote are checked now, not at a commit the test never makes.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    before, after = (
        ("leads", "0007_free_text_limits"),
        ("leads", "0008_rollup_won_currency"),
    )
    MigrationExecutor(connection).migrate([before])
    assert won_rows() == [(MARCH, 4, D("6500.00")), (APRIL, 1, D("1000.00"))]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE leads_lead SET currency = '' WHERE id = %s", [won_leads["blank"].pk])
    MigrationExecutor(connection).migrate([after])

    won_leads["blank"].refresh_from_db()
    assert won_leads["blank"].currency == "USD"
    assert won_snapshot() == kept
