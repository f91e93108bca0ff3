"""The rules of one row: the database refuses a fund, an allocation, a request or a claim that
does not hold together; which status may follow which; the manufacturer's share of a cost; who
a fund is for (the Python rule and its queryset twin agree); where a proof file goes."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from distributors.models import Region
from funds.models import Allocation, Claim, Fund, FundRequest, ProofFile, proof_upload_to
from tests import factories
from tests.funds.factories import AccrualFundFactory, AllocationFactory, FundFactory

pytestmark = pytest.mark.django_db

D = Decimal


def breaks_a_constraint(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


@pytest.mark.parametrize(
    "fields",
    [
        {"period_end": datetime.date(2025, 12, 31)},
        {"expires_on": datetime.date(2026, 12, 30)},
        {"kind": "accrual", "accrual_percent": None},
        {"kind": "budget", "accrual_percent": D("3")},
        {"kind": "accrual", "accrual_percent": D("0")},
        {"kind": "accrual", "accrual_percent": D("100.01")},
        {"cost_share_percent": D("0")},
        {"cost_share_percent": D("100.01")},
    ],
)
def test_the_database_refuses_a_fund_that_does_not_hold_together(fields):
    breaks_a_constraint(lambda: FundFactory(**fields))


def test_a_fund_may_expire_the_day_its_period_ends_and_pay_the_whole_cost():
    FundFactory(
        period_end=datetime.date(2026, 12, 31),
        expires_on=datetime.date(2026, 12, 31),
        cost_share_percent=D("100"),
    )


def test_one_allocation_per_fund_and_distributor_never_negative(distributor):
    allocation = AllocationFactory(distributor=distributor)

    breaks_a_constraint(lambda: AllocationFactory(fund=allocation.fund, distributor=distributor))
    breaks_a_constraint(lambda: AllocationFactory(amount=D("-0.01")))


def request_row(allocation, user, **fields):
    values = {
        "allocation": allocation,
        "activity_type": "event",
        "title": "Open house",
        "start": datetime.date(2026, 7, 1),
        "end": datetime.date(2026, 7, 1),
        "planned_cost": D("100"),
        "requested_amount": D("50"),
        "submitted_by": user,
        "claim_deadline": datetime.date(2026, 8, 30),
    }
    values.update(fields)
    return FundRequest.objects.create(**values)


@pytest.mark.parametrize(
    "fields",
    [
        {"end": datetime.date(2026, 6, 30)},
        {"planned_cost": D("-1")},
        {"status": "approved"},  # approved without an amount
        {"status": "submitted", "approved_amount": D("10")},
        {"status": "approved", "approved_amount": D("50.01")},
        {"status": "approved", "approved_amount": D("0")},
    ],
)
def test_the_database_refuses_a_request_that_does_not_hold_together(partner, fields):
    allocation = AllocationFactory()

    breaks_a_constraint(lambda: request_row(allocation, partner, **fields))


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "approved"},
        {"status": "approved", "approved_amount": D("40.01")},
        {"status": "paid", "approved_amount": D("40"), "paid_on": datetime.date(2026, 7, 9)},
        {"status": "paid", "approved_amount": D("40"), "payment_reference": "SEPA-1"},
        {"actual_cost": D("-1")},
    ],
)
def test_the_database_refuses_a_claim_that_does_not_hold_together(partner, fields):
    request = request_row(AllocationFactory(), partner, status="claimed", approved_amount=D("50"))
    values = {
        "request": request,
        "actual_cost": D("80"),
        "claimed_amount": D("40"),
        "submitted_by": partner,
        **fields,
    }

    breaks_a_constraint(lambda: Claim.objects.create(**values))


def test_final_statuses_lead_nowhere_and_every_status_has_its_transitions():
    for model, final in (
        (FundRequest, {"rejected", "cancelled", "expired", "closed"}),
        (Claim, {"rejected", "paid"}),
    ):
        assert set(model.TRANSITIONS) == set(model.Status.values)
        assert {status for status, nexts in model.TRANSITIONS.items() if not nexts} == final
        for nexts in model.TRANSITIONS.values():
            assert nexts <= set(model.Status.values)


def test_a_request_moves_only_as_its_transitions_say():
    request = FundRequest(status="submitted")
    assert request.can_move_to("approved") and not request.can_move_to("claimed")
    request.status = "claimed"
    assert request.can_move_to("closed") and not request.can_move_to("cancelled")


@pytest.mark.parametrize(
    ("share", "cost", "expected"),
    [
        ("50", "0.01", "0.01"),  # half a cent rounds up
        ("50", "1234.57", "617.29"),
        ("33.33", "1000.05", "333.32"),
        ("100", "999.99", "999.99"),
        ("12.5", "0.04", "0.01"),
        ("12.5", "0.03", "0.00"),
    ],
)
def test_the_share_of_a_cost_is_rounded_to_the_cent_half_up(share, cost, expected):
    assert Fund(cost_share_percent=D(share)).share_of(D(cost)) == D(expected)


def test_an_accrual_is_rounded_to_the_cent():
    assert AccrualFundFactory.build(accrual_percent=D("3")).accrued_on(D("13345.67")) == D("400.37")


def test_a_fund_expires_after_its_last_day():
    fund = FundFactory.build(expires_on=datetime.date(2027, 3, 31))

    assert not fund.is_expired(datetime.date(2027, 3, 31))
    assert fund.is_expired(datetime.date(2027, 4, 1))


@pytest.fixture
def channel():
    """Distributors of two tiers in two regions, one terminated."""
    silver, gold = factories.TierFactory(code="silver"), factories.TierFactory(code="gold")
    Region.objects.create(name="Europe", name_fr="Europe")
    Region.objects.create(name="Asia", name_fr="Asie")
    return {
        "silver-eu": factories.DistributorFactory(code="silver-eu", tier=silver, region="Europe"),
        "gold-eu": factories.DistributorFactory(code="gold-eu", tier=gold, region="europe"),
        "gold-asia": factories.DistributorFactory(code="gold-asia", tier=gold, region="Asia"),
        "gold-none": factories.DistributorFactory(code="gold-none", tier=gold, region=""),
        "gold-gone": factories.DistributorFactory(
            code="gold-gone", tier=gold, region="Europe", status="terminated"
        ),
    }


@pytest.mark.parametrize(
    ("tiers", "regions", "expected"),
    [
        ((), (), {"silver-eu", "gold-eu", "gold-asia", "gold-none"}),
        (("gold",), (), {"gold-eu", "gold-asia", "gold-none"}),
        ((), ("Europe",), {"silver-eu", "gold-eu"}),
        (("gold",), ("Europe", "Asia"), {"gold-eu", "gold-asia"}),
        (("silver",), ("Asia",), set()),
    ],
)
def test_who_a_fund_is_for_reads_the_same_from_either_side(channel, tiers, regions, expected):
    fund = FundFactory()
    fund.tiers.set(factories.TierFactory(code=code) for code in tiers)
    fund.regions.set(Region.objects.filter(name__in=regions))

    assert set(fund.eligible_distributors().values_list("code", flat=True)) == expected
    from_each = {
        code
        for code, distributor in channel.items()
        if Fund.objects.eligible_for(distributor).filter(pk=fund.pk).exists()
    }
    assert from_each == expected
    assert all(fund.is_eligible(channel[code]) for code in expected)


def test_a_proof_goes_under_its_distributor_with_a_random_name(partner):
    allocation = AllocationFactory()
    request = request_row(allocation, partner, status="claimed", approved_amount=D("50"))
    claim = Claim(request=request)
    proof = ProofFile(claim=claim)

    first = proof_upload_to(proof, "Facture Salon Hanovre.PDF")
    second = proof_upload_to(proof, "Facture Salon Hanovre.PDF")

    assert first != second
    assert re.fullmatch(rf"funds/proofs/{allocation.distributor_id}/[0-9a-f]{{32}}\.pdf", first)


def test_changes_of_a_fund_an_allocation_a_request_and_a_claim_are_kept():
    for model in (Fund, Allocation, FundRequest, Claim):
        assert hasattr(model, "history"), model
    assert not hasattr(ProofFile, "history")
