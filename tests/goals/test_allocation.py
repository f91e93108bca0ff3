"""The allocation of a team goal's plan between distributors (goals.allocation): a blend of
potential, own history and peers' penetration, reconciled to the cent at every level."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drm.errors import ValidationFailed
from goals.allocation import (
    PeerPenetrationBasis,
    Unit,
    allocate,
    goal_allocation,
    largest_remainder,
    median,
)
from tests import factories

D = Decimal
ZERO = D(0)

amounts = st.one_of(st.just(ZERO), st.integers(0, 10**9).map(lambda cents: D(cents) / 100))
unit_lists = st.lists(
    st.builds(
        Unit,
        key=st.integers(1, 10**6),
        region=st.sampled_from(["", "Europe", "Asia", "Americas"]),
        tier=st.sampled_from(["1", "2", "3"]),
        potential=amounts,
        history=amounts,
        lines=st.dictionaries(st.sampled_from([1, 2, 3]), amounts, max_size=3),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda u: u.key,
)
plans = st.integers(0, 10**11).map(lambda cents: D(cents) / 100)


def carried(units):
    return any(u.potential > 0 or u.history > 0 for u in units)


@settings(max_examples=300, deadline=None)
@given(plan=plans, units=unit_lists)
def test_allocations_add_up_exactly_at_every_level_with_no_negative_share(plan, units):
    if plan and not carried(units):
        with pytest.raises(ValidationFailed):
            allocate(plan, units)
        return
    result = allocate(plan, units)
    assert sum(result.regions.values(), ZERO) == plan
    for region, amount in result.regions.items():
        members = [u.key for u in units if u.region == region]
        assert sum((result.shares[key] for key in members), ZERO) == amount
    for key, lines in result.lines.items():
        assert sum(lines.values(), ZERO) == result.shares[key]
        assert all(value >= 0 for value in lines.values())
    assert all(value >= 0 for value in result.shares.values())
    assert all(value == value.quantize(D("0.01")) for value in result.shares.values())


@settings(max_examples=200, deadline=None)
@given(plan=plans, units=unit_lists)
def test_a_distributor_with_no_potential_and_no_history_gets_nothing(plan, units):
    idle = Unit(key=0, region="Europe", tier="1")
    if not carried(units):
        units = [*units, Unit(key=-1, region="Asia", tier="2", potential=D(1))]
    result = allocate(plan, [*units, idle])
    assert result.shares[0] == ZERO


@given(
    total=plans,
    weights=st.dictionaries(st.integers(0, 50), amounts, min_size=1, max_size=20),
)
def test_largest_remainder_sums_exactly_and_never_moves_more_than_a_cent(total, weights):
    shares = largest_remainder(total, weights)
    weight_sum = sum(weights.values(), ZERO)
    if weight_sum == 0:
        assert all(value == 0 for value in shares.values())
        return
    assert sum(shares.values(), ZERO) == total
    for key, weight in weights.items():
        assert abs(shares[key] - total * weight / weight_sum) < D("0.01")


def test_the_blend_weighs_potential_history_and_peers_as_documented():
    units = [
        Unit(key=1, region="Europe", tier="1", potential=D(300), history=D(100)),
        Unit(key=2, region="Europe", tier="1", potential=D(100), history=D(100)),
    ]
    # peers: each one's penetration is the other's (1/3 and 1): 300·1 = 300, 100·⅓ ≈ 33.33
    result = allocate(D("1000.00"), units)
    potential = D("0.4") * (D(300) / 400)
    history = D("0.4") * D("0.5")
    peers = D("0.2") * (D(300) / (D(300) + D(100) / 3))
    assert result.shares[1] == (D(1000) * (potential + history + peers)).quantize(D("0.01"))
    assert result.shares[1] + result.shares[2] == D("1000.00")


def test_a_basis_that_is_zero_for_everyone_gives_its_weight_to_the_others():
    units = [
        Unit(key=1, potential=D(300)),
        Unit(key=2, potential=D(100)),
    ]
    result = allocate(D("100.00"), units)  # no history anywhere, no peer penetration
    assert result.shares == {1: D("75.00"), 2: D("25.00")}


def test_penetration_is_read_from_the_same_tier_then_the_region_then_everyone():
    me = Unit(key=1, region="Europe", tier="1", potential=D(100))
    tier_mates = [
        Unit(key=k, region="Asia", tier="1", potential=D(100), history=D(k * 10)) for k in (2, 3, 4)
    ]
    assert PeerPenetrationBasis.penetration(me, [me, *tier_mates]) == D("0.3")
    region_mates = [
        Unit(key=k, region="Europe", tier="2", potential=D(100), history=D(k)) for k in (5, 6, 7)
    ]
    assert PeerPenetrationBasis.penetration(me, [me, *tier_mates[:1], *region_mates]) == D("0.06")
    assert median([D(1), D(3)]) == D(2)


def test_a_plan_nobody_can_carry_is_refused():
    with pytest.raises(ValidationFailed):
        allocate(D("100.00"), [Unit(key=1), Unit(key=2)])


@pytest.mark.django_db
def test_a_team_goals_plan_is_shared_between_the_distributors_carrying_its_line(today):
    pumps = factories.ProductLineFactory(code="pumps", name="Pumps")
    valves = factories.ProductLineFactory(code="valves", name="Valves")
    big = factories.DistributorFactory(market_potential=D("3000000"), region="Europe")
    small = factories.DistributorFactory(market_potential=D("1000000"), region="Asia")
    elsewhere = factories.DistributorFactory(market_potential=D("5000000"))
    big.product_lines.add(pumps)
    small.product_lines.add(pumps)
    elsewhere.product_lines.add(valves)
    for month in (1, 2, 3):
        factories.RevenueRecordFactory(
            distributor=big,
            product_line=pumps,
            month=datetime.date(2026, month, 1),
            amount=D("30000"),
        )
        factories.RevenueRecordFactory(
            distributor=small,
            product_line=pumps,
            month=datetime.date(2026, month, 1),
            amount=D("10000"),
        )
    team = factories.GoalFactory(
        level="team",
        distributor=None,
        team_basis="aligned",
        product_line=pumps,
        target=D("1000000.01"),
        start=datetime.date(2026, 7, 1),
        due=datetime.date(2027, 6, 30),
    )
    distributors, result = goal_allocation(team)
    assert [d.pk for d in distributors] == [small.pk, big.pk]  # by region, then name
    assert sum(result.shares.values()) == D("1000000.01")
    assert result.shares[big.pk] > result.shares[small.pk] > 0
    assert elsewhere.pk not in result.shares


@pytest.mark.django_db
def test_a_plan_without_a_line_splits_each_share_between_the_lines_exactly(today):
    pumps = factories.ProductLineFactory(code="pumps", name="Pumps")
    valves = factories.ProductLineFactory(code="valves", name="Valves")
    acme = factories.DistributorFactory(region="Europe")
    for line, amount in ((pumps, "20000"), (valves, "10000")):
        factories.RevenueRecordFactory(
            distributor=acme, product_line=line, month=datetime.date(2026, 2, 1), amount=D(amount)
        )
    team = factories.GoalFactory(
        level="team",
        distributor=None,
        team_basis="aligned",
        target=D("100000.00"),
        start=datetime.date(2026, 7, 1),
        due=datetime.date(2027, 6, 30),
    )
    _distributors, result = goal_allocation(team)
    lines = result.lines[acme.pk]
    assert sum(lines.values()) == result.shares[acme.pk]
    assert abs(lines[pumps.pk] - 2 * lines[valves.pk]) <= D("0.02")  # by their revenue
