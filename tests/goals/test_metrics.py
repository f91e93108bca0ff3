"""The metric registry on small hand-computed cases, and the figures built on it."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from goals import metrics
from goals.metrics import Facts, actuals_for, attainment, expected_at, projection
from goals.models import Goal
from leads.models import LeadRollup
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def lines(distributor):
    pumps = factories.ProductLineFactory(code="pumps", name="Pumps")
    valves = factories.ProductLineFactory(code="valves", name="Valves")
    distributor.product_lines.add(pumps, valves)
    return pumps, valves


@pytest.fixture
def categories():
    return (
        factories.CustomerCategoryFactory(code="oem", name="OEM"),
        factories.CustomerCategoryFactory(code="retail", name="Retail"),
    )


@pytest.fixture
def revenue(today, distributor, other_distributor, lines, categories):
    """Acme's 2026 so far: pumps/OEM 1,000 in January, pumps/retail 2,000 in February,
    valves/OEM 4,000 in March; pumps 8,000 in December 2025 (before the goal) and pumps 500
    in January 2025 (a year earlier); rival sells 16,000 in January 2026. One CHF figure has no
    rate and must be left out."""
    pumps, valves = lines
    oem, retail = categories
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2024, 1, 1), rate=1)
    rows = [
        (distributor, datetime.date(2026, 1, 1), pumps, oem, 1000, 10, 300),
        (distributor, datetime.date(2026, 2, 1), pumps, retail, 2000, 20, 500),
        (distributor, datetime.date(2026, 3, 1), valves, oem, 4000, 40, 1200),
        (distributor, datetime.date(2025, 12, 1), pumps, oem, 8000, 80, 0),
        (distributor, datetime.date(2025, 1, 1), pumps, oem, 500, 5, 0),
        (distributor, datetime.date(2025, 3, 1), valves, oem, 3500, 35, 0),
        (other_distributor, datetime.date(2026, 1, 1), pumps, oem, 16000, 160, 4000),
    ]
    for who, month, line, category, amount, units, margin in rows:
        factories.RevenueRecordFactory(
            distributor=who,
            month=month,
            product_line=line,
            customer_category=category,
            amount=D(amount),
            units=units,
            margin=D(margin),
        )
    unpriced = factories.RevenueRecordFactory(
        distributor=distributor,
        month=datetime.date(2026, 4, 1),
        product_line=pumps,
        customer_category=oem,
        currency="CHF",
        amount=D("99999"),
        units=999,
        margin=D("999"),
    )
    assert unpriced.reporting_amount is None
    return rows


def measure(goal, today):
    return actuals_for([goal], as_of=today)[goal.pk]


def goal(distributor, metric, **fields):
    return factories.GoalFactory(distributor=distributor, metric=metric, **fields)


def test_revenue_sums_the_goals_months_in_the_reporting_currency(revenue, distributor, today):
    actual = measure(goal(distributor, "revenue"), today)
    assert actual.value == D("7000.00")  # 1,000 + 2,000 + 4,000; CHF, 2025 and rival left out


def test_revenue_is_scoped_by_product_line(revenue, distributor, lines, today):
    actual = measure(goal(distributor, "revenue", product_line=lines[0]), today)
    assert actual.value == D("3000.00")


def test_revenue_is_scoped_by_customer_category(revenue, distributor, categories, today):
    actual = measure(goal(distributor, "revenue", customer_category=categories[0]), today)
    assert actual.value == D("5000.00")


def test_revenue_is_scoped_by_product_line_and_category_together(
    revenue, distributor, lines, categories, today
):
    actual = measure(
        goal(distributor, "revenue", product_line=lines[0], customer_category=categories[0]),
        today,
    )
    assert actual.value == D("1000.00")


def test_revenue_without_an_exchange_rate_is_left_out(revenue, distributor, today):
    # The CHF figure of April (99,999) has no rate: neither a zero nor its raw amount counts.
    actual = measure(goal(distributor, "revenue", start=datetime.date(2026, 4, 1)), today)
    assert actual.value == D("0.00")


def test_revenue_how_names_the_period_and_the_figures(revenue, distributor, lines, today):
    actual = measure(goal(distributor, "revenue", product_line=lines[0]), today)
    assert "January 2026 – June 2026" in actual.how
    assert "3,000.00 EUR" in actual.how
    assert "Acme Industrial Supply" in actual.how and "Pumps" in actual.how
    assert "2 monthly figures" in actual.how


def test_units_sum_the_units_reported(revenue, distributor, lines, today):
    assert measure(goal(distributor, "units"), today).value == D("70.00")
    assert measure(goal(distributor, "units", product_line=lines[1]), today).value == D("40.00")


def test_margin_percent_is_margin_over_revenue(revenue, distributor, today):
    actual = measure(goal(distributor, "margin_pct", target=D("30")), today)
    # (300 + 500 + 1,200) / 7,000 = 28.571…
    assert actual.value == D("28.57")
    assert (actual.numerator, actual.denominator) == (D("2000.00"), D("7000.00"))
    assert "2,000.00 EUR" in actual.how and "7,000.00 EUR" in actual.how


def test_margin_percent_prices_the_margin_at_the_records_rate(today, distributor, lines):
    factories.ExchangeRateFactory(currency="USD", month=datetime.date(2026, 1, 1), rate=D("0.5"))
    factories.RevenueRecordFactory(
        distributor=distributor,
        month=datetime.date(2026, 2, 1),
        product_line=lines[0],
        currency="USD",
        amount=D("1000"),
        margin=D("400"),
    )
    actual = measure(goal(distributor, "margin_pct", target=D("30")), today)
    assert (actual.numerator, actual.denominator, actual.value) == (
        D("200.00"),
        D("500.00"),
        D("40.00"),
    )


def test_growth_compares_with_the_same_months_a_year_earlier(revenue, distributor, today):
    actual = measure(goal(distributor, "growth_pct", target=D("10")), today)
    # January–June 2026: 7,000; January–June 2025: 500 + 3,500 = 4,000 → +75 %
    assert actual.value == D("75.00")
    assert actual.denominator == D("4000.00")
    assert "January 2025 – June 2025" in actual.how and "January 2026 – June 2026" in actual.how


def test_growth_without_last_years_figures_has_no_value(revenue, distributor, lines, today):
    pumps_since_february = goal(
        distributor,
        "growth_pct",
        target=D("10"),
        product_line=lines[0],
        start=datetime.date(2026, 2, 1),
    )
    assert measure(pumps_since_february, today).value is None  # no pumps Feb–Jun 2025


def test_product_line_share_is_the_lines_part_of_all_revenue(revenue, distributor, lines, today):
    actual = measure(goal(distributor, "line_share", product_line=lines[1], target=D("60")), today)
    assert actual.value == D("57.14")  # 4,000 / 7,000
    assert (actual.numerator, actual.denominator) == (D("4000.00"), D("7000.00"))


def test_new_product_line_revenue_counts_that_line_only(revenue, distributor, lines, today):
    actual = measure(goal(distributor, "new_line_revenue", product_line=lines[1]), today)
    assert actual.value == D("4000.00")


def test_customer_category_revenue_counts_that_category_only(
    revenue, distributor, categories, today
):
    actual = measure(goal(distributor, "category_revenue", customer_category=categories[1]), today)
    assert actual.value == D("2000.00")


def test_a_team_goal_sums_the_whole_channel(revenue, today):
    team = factories.GoalFactory(level="team", distributor=None, metric="revenue")
    actual = measure(team, today)
    assert actual.value == D("23000.00")  # acme's 7,000 + rival's 16,000
    assert "the whole channel" in actual.how


@pytest.mark.django_db(transaction=True)
def test_a_team_goals_channel_revenue_follows_every_revenue_write(
    revenue, today, manager, distributor
):
    """The channel's figures are cached; a push, a deletion or a re-pricing is seen at once."""
    from distributors import services as distributor_services
    from distributors.models import RevenueRecord

    team = factories.GoalFactory(level="team", distributor=None, metric="revenue")
    assert measure(team, today).value == D("23000.00")
    distributor_services.revenue_push(
        user=manager,
        rows=[
            {"distributor": "acme", "month": "2026-04", "product_line": "pumps", "amount": "500"}
        ],
    )
    assert measure(team, today).value == D("23500.00")
    pushed = RevenueRecord.objects.get(
        distributor=distributor, month=datetime.date(2026, 4, 1), customer_category=None
    )
    distributor_services.revenue_delete(record=pushed, by=manager)
    assert measure(team, today).value == D("23000.00")


def won(distributor, country, region, value, closed, status="won", currency=None):
    """A won lead; its value in `currency`, else (as lead_win gives it) its distributor's."""
    return factories.LeadFactory(
        distributor=distributor,
        status=status,
        country=country,
        region=region,
        currency=currency or distributor.currency,
        won_value=D(value),
        closed_at=datetime.datetime.combine(closed, datetime.time(10), tzinfo=datetime.UTC),
    )


def test_territory_revenue_sums_leads_won_in_the_territorys_country_and_region(
    today, distributor, other_distributor
):
    brittany = factories.TerritoryFactory(country="FR", region="Bretagne", name="Brittany")
    distributor.territories.add(brittany)
    won(distributor, "FR", "Bretagne", 5000, datetime.date(2026, 3, 3))
    won(distributor, "FR", "Bretagne", 2500, datetime.date(2026, 6, 1))
    won(distributor, "FR", "Normandie", 7000, datetime.date(2026, 3, 3))  # other region
    won(distributor, "DE", "Bretagne", 7000, datetime.date(2026, 3, 3))  # other country
    won(distributor, "FR", "Bretagne", 7000, datetime.date(2025, 12, 20))  # before the goal
    won(distributor, "FR", "Bretagne", 7000, datetime.date(2026, 3, 3), status="lost")
    won(other_distributor, "FR", "Bretagne", 7000, datetime.date(2026, 3, 3))
    actual = measure(goal(distributor, "territory_revenue", territory=brittany), today)
    assert actual.value == D("7500.00")
    assert "Brittany" in actual.how and "7,500.00 EUR" in actual.how


def test_territory_revenue_of_a_whole_country_counts_every_region(today, distributor):
    france = factories.TerritoryFactory(country="FR", region="", name="France")
    won(distributor, "FR", "Bretagne", 5000, datetime.date(2026, 3, 3))
    won(distributor, "FR", "Normandie", 7000, datetime.date(2026, 3, 3))
    won(distributor, "BE", "", 1000, datetime.date(2026, 3, 3))
    actual = measure(goal(distributor, "territory_revenue", territory=france), today)
    assert actual.value == D("12000.00")


def test_territory_revenue_prices_each_won_lead_with_its_currencys_rate_and_flags_the_rest(
    today, distributor
):
    france = factories.TerritoryFactory(country="FR", region="", name="France")
    factories.ExchangeRateFactory(currency="USD", month=datetime.date(2026, 1, 1), rate="0.5")
    factories.ExchangeRateFactory(currency="USD", month=datetime.date(2026, 4, 1), rate="0.8")
    won(distributor, "FR", "Bretagne", 5000, datetime.date(2026, 3, 3))  # EUR: 5,000
    won(distributor, "FR", "Bretagne", 1000, datetime.date(2026, 3, 3), currency="USD")  # 500
    won(distributor, "FR", "Bretagne", 1000, datetime.date(2026, 5, 3), currency="USD")  # 800
    won(distributor, "FR", "Bretagne", 9999, datetime.date(2026, 3, 3), currency="PLN")  # no rate
    actual = measure(goal(distributor, "territory_revenue", territory=france), today)
    assert actual.value == D("6300.00")
    assert "6,300.00 EUR" in actual.how and "1 won lead is left out" in actual.how


def rollup(distributor, month, stage, count, grain=LeadRollup.Grain.DISTRIBUTOR):
    LeadRollup.objects.create(
        grain=grain, distributor=distributor, month=month, stage=stage, count=count
    )


@pytest.fixture
def lead_rollups(today, distributor, other_distributor):
    feb, may = datetime.date(2026, 2, 1), datetime.date(2026, 5, 1)
    rollup(distributor, feb, "assigned", 6)
    rollup(distributor, may, "assigned", 4)
    rollup(distributor, feb, "dql", 1)
    rollup(distributor, may, "dql", 3)
    rollup(distributor, may, "late", 3)
    rollup(distributor, datetime.date(2025, 11, 1), "assigned", 100)  # before the goal
    rollup(distributor, feb, "assigned", 50, grain=LeadRollup.Grain.DISTRIBUTOR_SOURCE)
    rollup(other_distributor, feb, "assigned", 40)
    rollup(other_distributor, feb, "dql", 40)
    # The channel's own grain (per source, whole channel), as the lifecycle services keep it.
    for month, stage, count in [(feb, "assigned", 46), (may, "assigned", 4), (feb, "dql", 41)]:
        rollup(None, month, stage, count, grain=LeadRollup.Grain.CHANNEL_SOURCE)
    rollup(None, may, "dql", 3, grain=LeadRollup.Grain.CHANNEL_SOURCE)


def test_dql_conversion_is_dql_over_leads_handed_over(lead_rollups, distributor, today):
    actual = measure(goal(distributor, "dql_conversion", target=D("50")), today)
    assert actual.value == D("40.00")  # (1 + 3) / (6 + 4)
    assert (actual.numerator, actual.denominator) == (D(4), D(10))
    assert "4 / 10" in actual.how


def test_leads_on_time_is_the_share_handed_over_not_answered_late(lead_rollups, distributor, today):
    actual = measure(goal(distributor, "leads_on_time", target=D("90")), today)
    assert actual.value == D("70.00")  # (10 - 3) / 10


def test_a_team_lead_ratio_reads_the_channels_rollups(lead_rollups, today):
    team = factories.GoalFactory(
        level="team", distributor=None, metric="dql_conversion", target=D("50")
    )
    assert measure(team, today).value == D("88.00")  # (4 + 40) / (10 + 40)


def test_a_lead_ratio_without_leads_has_no_value(today, distributor):
    assert measure(goal(distributor, "dql_conversion", target=D("50")), today).value is None


@pytest.fixture
def activities(today, manager, distributor, other_distributor):
    colleague_manager = factories.ManagerFactory(username="second-manager")
    for kind, who, where, day in [
        ("training", manager, distributor, datetime.date(2026, 2, 10)),
        ("training", colleague_manager, distributor, datetime.date(2026, 3, 10)),
        ("training", manager, other_distributor, datetime.date(2026, 3, 11)),
        ("training", manager, distributor, datetime.date(2025, 12, 10)),  # before the goal
        ("visit", manager, distributor, datetime.date(2026, 4, 1)),
        ("visit", manager, None, datetime.date(2026, 4, 2)),
        ("one_to_one", manager, distributor, datetime.date(2026, 5, 5)),
        ("one_to_one", manager, other_distributor, datetime.date(2026, 5, 6)),
        ("one_to_one", colleague_manager, distributor, datetime.date(2026, 5, 7)),
    ]:
        factories.ActivityFactory(kind=kind, manager=who, distributor=where, date=day)
    return colleague_manager


def test_a_distributor_training_goal_counts_courses_passed_not_the_managers_log(
    activities, distributor, today
):
    # Its people's completions (the partnership app's, tests/partnership/test_metric.py), not the
    # trainings a channel manager logged holding with it.
    actual = measure(goal(distributor, "trainings", target=D("4"), unit="times"), today)
    assert actual.value == D(0)
    assert "January 2026 – June 2026" in actual.how and ": 0." in actual.how


def test_a_support_training_goal_counts_the_trainings_its_owner_held(activities, manager, today):
    support = factories.GoalFactory(
        level="support", distributor=None, owner=manager, metric="trainings", target=D("12")
    )
    assert measure(support, today).value == D(2)  # with acme and with rival, in 2026


def test_visits_of_a_distributor_goal_leave_out_visits_elsewhere(activities, distributor, today):
    assert measure(goal(distributor, "visits", target=D("4")), today).value == D(1)


def test_a_support_goal_counts_its_owners_activities(activities, manager, today):
    support = factories.GoalFactory(
        level="support", distributor=None, owner=manager, metric="one_to_ones", target=D("12")
    )
    actual = measure(support, today)
    assert actual.value == D(2)  # the manager's two, with any distributor; not the colleague's
    assert manager.get_username() in actual.how


def test_a_support_visit_goal_counts_visits_with_no_distributor_too(activities, manager, today):
    support = factories.GoalFactory(
        level="support", distributor=None, owner=manager, metric="visits", target=D("12")
    )
    assert measure(support, today).value == D(2)


def test_a_goal_not_started_has_no_value(revenue, distributor, today):
    later = goal(distributor, "revenue", start=datetime.date(2026, 7, 1))
    assert measure(later, today).value is None


def test_every_registered_metric_is_covered_here():
    covered = {
        "revenue",
        "units",
        "margin_pct",
        "growth_pct",
        "line_share",
        "new_line_revenue",
        "category_revenue",
        "territory_revenue",
        "dql_conversion",
        "leads_on_time",
        "trainings",
        "visits",
        "one_to_ones",
    }
    assert {m.key for m in metrics.metric_list()} == covered


# --- attainment, expected value, projection, words ----------------------------------------------


def test_attainment_is_the_actual_as_a_percent_of_the_target():
    assert attainment(D("90"), D("120")) == D("75.00")
    assert attainment(D("130"), D("100")) == D("130.00")
    assert attainment(None, D("100")) is None
    assert attainment(D("5"), D("0")) is None


def unsaved_goal(metric="revenue", **fields):
    values = {
        "level": "distributor",
        "metric": metric,
        "start": datetime.date(2026, 1, 1),
        "due": datetime.date(2026, 12, 31),
        "target": D("120000"),
        "baseline": D("100000"),
    }
    values.update(fields)
    return Goal(**values)


class Mark:
    def __init__(self, day, expected):
        self.date, self.expected = day, D(expected)


def test_expected_value_is_interpolated_between_landmarks():
    g = unsaved_goal()
    landmarks = [
        Mark(datetime.date(2026, 3, 31), 30000),
        Mark(datetime.date(2026, 6, 30), 60000),
    ]
    # 0 at Jan 1, 30,000 at Mar 31 (89 days): Feb 14 is 44 days in.
    assert expected_at(g, landmarks, datetime.date(2026, 2, 14)) == D("14831.46")
    # Mar 31 → Jun 30 is 91 days; May 15 is 45 days in: 30,000 + 30,000 × 45 / 91
    assert expected_at(g, landmarks, datetime.date(2026, 5, 15)) == D("44835.16")
    assert expected_at(g, landmarks, datetime.date(2026, 6, 30)) == D("60000")
    # After the last landmark, towards the target at the due date: 46 of 184 days.
    assert expected_at(g, landmarks, datetime.date(2026, 8, 15)) == D("75000.00")
    assert expected_at(g, landmarks, datetime.date(2026, 1, 1)) == D(0)
    assert expected_at(g, landmarks, datetime.date(2027, 3, 1)) == D("120000")


def test_expected_value_of_a_level_starts_from_the_baseline():
    g = unsaved_goal("margin_pct", baseline=D("20"), target=D("30"))
    # 364 days from start to due; July 2 is 182 days in: halfway from 20 to 30.
    assert expected_at(g, [], datetime.date(2026, 7, 2)) == D("25.00")
    assert expected_at(g, [], datetime.date(2026, 1, 1)) == D("20")


def test_projection_of_a_sum_runs_at_its_rate_so_far():
    g = unsaved_goal()
    # June 15 is day 166 of the goal; December 31 day 365.
    assert projection(
        g, D("16600"), as_of=datetime.date(2026, 6, 15), to=datetime.date(2026, 12, 31)
    ) == D("36500.00")
    assert projection(
        g, D("16600"), as_of=datetime.date(2026, 6, 15), to=datetime.date(2026, 6, 15)
    ) == D("16600.00")
    assert (
        projection(g, None, as_of=datetime.date(2026, 6, 15), to=datetime.date(2026, 12, 31))
        is None
    )


def test_projection_of_a_level_stays_where_it_is():
    g = unsaved_goal("margin_pct", baseline=D("20"), target=D("30"))
    assert projection(
        g, D("23.5"), as_of=datetime.date(2026, 3, 1), to=datetime.date(2026, 12, 31)
    ) == D("23.5")


# --- query counts ------------------------------------------------------------------------------


def goals_of_every_kind(count, manager):
    """`count` goals over as many distributors, mixing the metrics' data sources."""
    kinds = ["revenue", "dql_conversion", "territory_revenue", "trainings", "margin_pct"]
    created = []
    for index in range(count):
        metric = kinds[index % len(kinds)]
        distributor = factories.DistributorFactory()
        extra = {}
        if metric == "territory_revenue":
            extra["territory"] = factories.TerritoryFactory(country="FR")
        created.append(
            factories.GoalFactory(distributor=distributor, metric=metric, target=D("50"), **extra)
        )
    created.append(
        factories.GoalFactory(
            level="support", distributor=None, owner=manager, metric="visits", target=D("5")
        )
    )
    for g in created:
        if g.distributor_id:
            factories.RevenueRecordFactory(
                distributor=g.distributor, month=datetime.date(2026, 2, 1)
            )
            factories.ActivityFactory(kind="training", manager=manager, distributor=g.distributor)
    return [g.pk for g in created]


def queries_for(ids, today):
    goals = Goal.objects.filter(pk__in=ids)  # no select_related: actuals_for must cope
    with CaptureQueriesContext(connection) as queries:
        actuals = actuals_for(goals, as_of=today)
        hows = [a.how for a in actuals.values()]
    assert len(hows) == len(ids)
    return len(queries.captured_queries)


def test_actuals_for_many_goals_costs_the_same_queries_as_for_a_few(today, manager):
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2024, 1, 1), rate=1)
    few = goals_of_every_kind(5, manager)
    assert queries_for(few, today) == queries_for(few + goals_of_every_kind(20, manager), today)


def test_facts_for_no_goals_load_nothing(today):
    facts = Facts.for_goals([], as_of=today)
    with CaptureQueriesContext(connection) as queries:
        assert actuals_for([], as_of=today, facts=facts) == {}
    assert not queries.captured_queries
