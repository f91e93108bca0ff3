"""A scored channel for the page tests: acme (the persona fixture's distributor), bolt and zinc in
one tier, with revenue, investments and one published run."""

import datetime

import pytest

from scoring import services
from tests import factories

AS_OF = datetime.date(2026, 6, 15)


def run_now(as_of=AS_OF, by=None):
    run = services.scoring_run_trigger(as_of=as_of, by=by)
    services.scoring_run_execute(run.pk)
    run.refresh_from_db()
    return run


@pytest.fixture
def channel(today, distributor, manager):
    """acme sells 12,000 in the window (6,000 the year before), bolt 12,000 (12,000 before), zinc
    3,000 (none before); acme (invested 4,000) and bolt (invested 8,000) have investments.
    acme and zinc are managed by `manager`; zinc is in another region."""
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2024, 1, 1), rate=1)
    tier = factories.TierFactory(code="gold", name="Gold")
    line = factories.ProductLineFactory(code="pumps")
    distributor.tier = tier
    distributor.account_manager = manager
    distributor.save()
    made = {
        "acme": distributor,
        "bolt": factories.DistributorFactory(code="bolt", name="Bolt Traders", tier=tier),
        "zinc": factories.DistributorFactory(
            code="zinc", name="Zinc Wholesale", tier=tier, region="Asia", account_manager=manager
        ),
    }
    for code, now, before in (("acme", 12000, 6000), ("bolt", 12000, 12000), ("zinc", 3000, 0)):
        factories.RevenueRecordFactory(
            distributor=made[code], product_line=line, month=datetime.date(2026, 1, 1), amount=now
        )
        if before:
            factories.RevenueRecordFactory(
                distributor=made[code],
                product_line=line,
                month=datetime.date(2025, 1, 1),
                amount=before,
            )
    factories.InvestmentFactory(distributor=made["acme"], amount=4000, value=4000)
    factories.InvestmentFactory(distributor=made["bolt"], amount=8000, value=8000)
    return made


@pytest.fixture
def scored(channel):
    """The channel with one published run."""
    channel["run"] = run_now()
    return channel
