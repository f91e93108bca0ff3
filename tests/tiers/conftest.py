"""A ladder of three tiers (gold above silver above bronze) and two distributors in silver."""

import datetime
from decimal import Decimal

import pytest

from distributors.models import Tier
from partnership import services as partnership_services
from tests import factories
from tiers import services


@pytest.fixture
def tiers(db, manager):
    gold = Tier.objects.create(code="gold", name="Gold", name_fr="Or", rank=1)
    silver = Tier.objects.create(code="silver", name="Silver", name_fr="Argent", rank=2)
    bronze = Tier.objects.create(code="bronze", name="Bronze", rank=3)
    services.requirement_save(by=manager, tier=gold, key="revenue_12m", threshold="100000")
    services.requirement_save(by=manager, tier=gold, key="certified_reps", threshold="2")
    services.requirement_save(by=manager, tier=silver, key="revenue_12m", threshold="20000")
    return {"gold": gold, "silver": silver, "bronze": bronze}


@pytest.fixture
def distributor(db, tiers):
    return factories.DistributorFactory(
        code="acme", name="Acme Industrial Supply", tier=tiers["silver"]
    )


@pytest.fixture
def other_distributor(db, tiers):
    return factories.DistributorFactory(code="rival", name="Rival Trading", tier=tiers["silver"])


@pytest.fixture
def line(db):
    return factories.ProductLineFactory(code="pumps", name="Pumps")


@pytest.fixture
def revenue(line):
    """revenue(distributor, total): `total` EUR spread over the last 12 complete months."""

    def make(distributor, total, months=12, today=datetime.date(2026, 6, 15)):
        from drm.periods import complete_months

        window = complete_months(12, on=today).months[-months:]
        each = (Decimal(total) / len(window)).quantize(Decimal("0.01"))
        for month in window:
            factories.RevenueRecordFactory(
                distributor=distributor, product_line=line, month=month, amount=each
            )

    return make


@pytest.fixture
def certify(db, manager):
    """certify(distributor, count): so many people of it certified a month ago."""
    state = {}

    def make(distributor, count, today=datetime.date(2026, 6, 15)):
        if "course" not in state:
            certification = partnership_services.certification_save(
                by=manager, code="installer", name="Certified installer", validity_months=24
            )
            state["course"] = partnership_services.course_save(
                by=manager,
                code="pumps-101",
                title="Pump installation",
                language="en",
                duration_minutes=90,
                url="https://lms.example.test/pumps-101",
                certification=certification,
            )
        for _ in range(count):
            user = factories.MembershipFactory(distributor=distributor, role="rep").user
            partnership_services.completion_record(
                user=user,
                course=state["course"],
                completed_on=today - datetime.timedelta(days=30),
                by=manager,
                today=today,
            )

    return make


@pytest.fixture
def proposed(today, tiers, distributor, other_distributor, revenue, certify):
    """acme earns gold (an upgrade proposed); rival has no revenue (short of silver, no
    proposal yet: in its grace period)."""
    revenue(distributor, 120000)
    certify(distributor, 2)
    services.tiers_requalify(as_of=today)
    from tiers.models import TierReview

    return TierReview.objects.get(distributor=distributor, status="proposed")
