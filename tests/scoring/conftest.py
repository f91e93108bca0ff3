"""Shared scoring data: a small channel with hand-computable figures, and a run computed now."""

import datetime

import pytest
from django.db.models import F

from leads.models import LeadRollup
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


@pytest.fixture
def page_channel(today, distributor, manager):
    """For the page tests: acme sells 12,000 in the window (6,000 the year before), bolt
    12,000 (12,000 before), zinc 3,000 (none before); acme (invested 4,000) and bolt (invested
    8,000) have investments. acme and zinc are managed by `manager`; zinc is in another region."""
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
def scored(page_channel):
    """The channel with one published run."""
    page_channel["run"] = run_now()
    return page_channel


def won_rollup(distributor, month, currency, count, total):
    """`count` leads handed to `distributor` and won in `month` for `total` in `currency`."""
    key = {"grain": LeadRollup.Grain.DISTRIBUTOR, "distributor": distributor, "month": month}
    LeadRollup.objects.create(**key, stage="won", currency=currency, count=count, total=total)
    handed, _ = LeadRollup.objects.get_or_create(**key, stage="assigned")
    LeadRollup.objects.filter(pk=handed.pk).update(count=F("count") + count)


@pytest.fixture
def won_channel(channel):
    """acme won 1,000 EUR, 2,000 USD and 5,000 PLN (no PLN rate); bolt 6,000 USD; core 300
    in no currency at all (no rate can price it). USD is worth 0.5 from 2026-01."""
    february = datetime.date(2026, 2, 1)
    factories.ExchangeRateFactory(currency="USD", month=datetime.date(2026, 1, 1), rate="0.5")
    won_rollup(channel["acme"], february, "EUR", 1, "1000")
    won_rollup(channel["acme"], february, "USD", 2, "2000")
    won_rollup(channel["acme"], february, "PLN", 1, "5000")
    won_rollup(channel["bolt"], february, "USD", 1, "6000")
    won_rollup(channel["core"], february, "", 1, "300")
    return channel


def handed_and_accepted(distributor, handed, accepted, month=datetime.date(2026, 1, 1)):
    """Lead rollups of `distributor` in the window: `handed` leads handed over, `accepted` of
    them accepted."""
    key = {"grain": LeadRollup.Grain.DISTRIBUTOR, "distributor": distributor, "month": month}
    LeadRollup.objects.create(**key, stage="assigned", count=handed)
    LeadRollup.objects.create(**key, stage="accepted", count=accepted)


@pytest.fixture
def lead_channel(channel, settings):
    """The channel with acceptance counts: acme accepted its 2 leads (100 % of very few), bolt
    160 of 200 (80 %), core 60 of 200 (30 %); shrunk toward the tier from 2 peers up."""
    settings.SCORING_SHRINKAGE_MIN_PEERS = 2
    for code, handed, accepted in (("acme", 2, 2), ("bolt", 200, 160), ("core", 200, 60)):
        handed_and_accepted(channel[code], handed, accepted)
    return channel
