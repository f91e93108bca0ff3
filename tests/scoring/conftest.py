"""Shared scoring data: a small channel with hand-computable figures, and a run computed now."""

import datetime

import pytest

from scoring import services
from tests import factories

AS_OF = datetime.date(2026, 6, 15)  # window: 2025-06 .. 2026-05


@pytest.fixture
def channel(today, distributor):
    """Three distributors of one tier: acme (the `distributor` persona fixture) sells 12,000 in
    the window (6,000 the year before), bolt 12,000 (12,000 before), core 3,000 (none before);
    dormant has no figures at all."""
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2024, 1, 1), rate=1)
    tier = factories.TierFactory(code="gold")
    line = factories.ProductLineFactory(code="pumps")
    distributor.tier = tier
    distributor.region = "Europe"
    distributor.save(update_fields=["tier", "region"])
    made = {}
    for code, now, before in (("acme", 12000, 6000), ("bolt", 12000, 12000), ("core", 3000, 0)):
        made[code] = (
            distributor
            if code == "acme"
            else factories.DistributorFactory(code=code, tier=tier, region="Europe")
        )
        factories.RevenueRecordFactory(
            distributor=made[code],
            product_line=line,
            month=datetime.date(2026, 1, 1),
            amount=now,
        )
        if before:
            factories.RevenueRecordFactory(
                distributor=made[code],
                product_line=line,
                month=datetime.date(2025, 1, 1),
                amount=before,
            )
    made["dormant"] = factories.DistributorFactory(code="dormant", tier=tier, region="Europe")
    return made


def run_now(as_of=AS_OF, by=None):
    """Trigger and compute a run at once (what the worker does after commit)."""
    run = services.scoring_run_trigger(as_of=as_of, by=by)
    services.scoring_run_execute(run.pk)
    run.refresh_from_db()
    return run
