"""Shared bits of the funds tests: the clock, acme's account manager, a budget fund with acme's
allocation, and requests submitted, approved and claimed through the services."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from funds import services
from tests.funds import files
from tests.funds.factories import FundFactory

D = Decimal
START = datetime.date(2026, 7, 1)
END = datetime.date(2026, 7, 3)
AFTER = datetime.date(2026, 7, 10)  # the activity is over, the claim deadline (1 September) ahead


@pytest.fixture(autouse=True)
def _clock(today):
    """2026-06-15 12:00 UTC."""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.FUNDS_PROOF_SCAN = ""


@pytest.fixture
def travel(time_machine):
    """travel(day): the clock at noon UTC on `day`."""

    def move(day):
        time_machine.move_to(
            datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC), tick=False
        )
        assert timezone.localdate() == day

    return move


@pytest.fixture
def fund(db):
    return FundFactory(name="Co-op 2026", name_fr="Coop 2026")


@pytest.fixture
def allocation(fund, distributor, manager):
    """acme may draw 10,000 from the fund; the manager is its account manager."""
    distributor.account_manager = manager
    distributor.save()
    return services.allocation_set(
        fund=fund, distributor=distributor, amount=D("10000.00"), by=manager
    )


@pytest.fixture
def submit(allocation, partner):
    """submit(**over): a partner's request for a trade show in July (half of 4,000: 2,000)."""

    def make(**over):
        fields = {
            "by": partner,
            "fund": allocation.fund,
            "activity_type": "trade_show",
            "title": "Hanover fair stand",
            "description": "A stand at the fair with the new pump range.",
            "start": START,
            "end": END,
            "planned_cost": D("4000.00"),
            "expected_leads": 40,
            "expected_revenue": D("50000.00"),
        }
        fields.update(over)
        return services.request_submit(**fields)

    return make


@pytest.fixture
def approved(submit, manager):
    """approved(**over): a request submitted and approved in full."""

    def make(**over):
        return services.request_approve(request=submit(**over), by=manager)

    return make


@pytest.fixture
def claimed(approved, partner, travel):
    """claimed(actual_cost=…, **over): an approved request claimed once the activity is over
    (the clock moves to 10 July)."""

    def make(actual_cost="3600.00", files_=None, **over):
        request = approved(**over)
        travel(AFTER)
        return services.claim_submit(
            by=partner,
            request=request,
            actual_cost=actual_cost,
            results_leads=12,
            results_revenue=D("18000.00"),
            files=files_ if files_ is not None else [files.pdf()],
        )

    return make
