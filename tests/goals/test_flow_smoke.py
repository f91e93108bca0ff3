import datetime
from decimal import Decimal

import pytest

from goals import services
from goals.models import Goal
from goals.services import Terms
from tests import factories


@pytest.fixture
def pumps(distributor):
    line = factories.ProductLineFactory(code="pumps", name="Pumps")
    distributor.product_lines.add(line)
    return line


def terms(distributor, pumps, **over):
    fields = {
        "level": "distributor",
        "distributor": distributor,
        "subtitle": "The Bavarian pump plan",
        "description": "Pumps through the Bavarian dealers.",
        "metric": "revenue",
        "product_line": pumps,
        "baseline": Decimal("100000"),
        "baseline_start": datetime.date(2025, 1, 1),
        "baseline_end": datetime.date(2025, 12, 31),
        "target": Decimal("120000"),
        "start": datetime.date(2026, 1, 1),
        "due": datetime.date(2026, 12, 31),
        "exciting": "We become the pump dealer of the region.",
    }
    fields.update(over)
    return Terms(fields=fields, bands=[(100, "fixed", 5000)], reason="Our order book says so.")


@pytest.mark.django_db
def test_partner_proposes_manager_counters_partner_accepts(
    today, distributor, pumps, partner, manager
):
    goal = services.goal_create(by=partner, terms=terms(distributor, pumps))
    assert goal.landmarks.count() == 4
    services.goal_propose(goal=goal, by=partner)
    services.goal_counter(
        goal=goal, by=manager, terms=terms(distributor, pumps, target=Decimal("125000"))
    )
    goal.refresh_from_db()
    assert goal.status == Goal.Status.COUNTER_PROPOSED
    services.goal_accept(goal=goal, by=partner)
    goal.refresh_from_db()
    assert goal.status == Goal.Status.ACTIVE
    assert goal.partner_accepted_by == partner and goal.manufacturer_accepted_by == manager
    history = services.goal_history(goal)
    assert any(c.field and "target" in c.field.lower() for c in history)


@pytest.mark.django_db
def test_daily_job_opens_reviews_flags_risk_and_settles(today, distributor, pumps, manager):
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2025, 1, 1), rate=1)
    for month in range(1, 6):
        factories.RevenueRecordFactory(
            distributor=distributor,
            product_line=pumps,
            month=datetime.date(2026, month, 1),
            amount=Decimal("5000"),
        )
    goal = factories.goal_with_landmarks(
        distributor=distributor, product_line=pumps, status="active"
    )
    factories.BonusBandFactory(goal=goal)
    result = services.goals_daily(today=today)
    assert result["reviews_opened"] == 1  # Q1 landmark (30,000 expected, 15,000 reached)
    review = goal.reviews.get(early=False)
    assert review.outcome == "missed" and review.actual == Decimal("15000.00")
    goal.refresh_from_db()
    assert goal.at_risk  # 25,000 by mid-June runs to ~25,200 by June 30 < 60,000
    assert goal.reviews.get(early=True).outcome == "at_risk"
    again = services.goals_daily(today=today)
    assert again["reviews_opened"] == 0
