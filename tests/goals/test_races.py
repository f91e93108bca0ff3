"""Concurrent answers on Postgres: one side's answer wins, the other gets a domain error, and the
goal is never both agreed and countered; an amendment applies once."""

import datetime
from decimal import Decimal

import pytest

from goals import services
from goals.models import Amendment, Goal
from goals.services import Terms
from tests import factories
from tests.leads.test_races import race

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

D = Decimal


@pytest.fixture
def pumps(distributor):
    line = factories.ProductLineFactory(code="pumps", name="Pumps")
    distributor.product_lines.add(line)
    return line


def terms(distributor, pumps, target="120000"):
    return Terms(
        fields={
            "level": "distributor",
            "distributor": distributor,
            "subtitle": "The Bavarian pump plan",
            "metric": "revenue",
            "product_line": pumps,
            "baseline": D("100000"),
            "baseline_start": datetime.date(2025, 1, 1),
            "baseline_end": datetime.date(2025, 12, 31),
            "target": D(target),
            "start": datetime.date(2026, 1, 1),
            "due": datetime.date(2026, 12, 31),
        },
        reason="The order book of the spring says so.",
    )


@pytest.fixture
def second_manager(db):
    return factories.ManagerFactory(username="second-manager")


@pytest.fixture
def second_admin(distributor):
    return factories.MembershipFactory(
        user=factories.UserFactory(username="second-admin"), distributor=distributor, role="admin"
    ).user


def assert_consistent(goal):
    """Agreed and active goals carry both sides' acceptances; terms on the table only the
    proposer's."""
    goal.refresh_from_db()
    if goal.status in ("agreed", "active"):
        assert goal.partner_accepted_at and goal.manufacturer_accepted_at
    else:
        assert goal.status in ("proposed", "counter_proposed")
        accepted = {
            "partner": goal.partner_accepted_at,
            "manufacturer": goal.manufacturer_accepted_at,
        }
        assert accepted.pop(goal.proposed_by_side) is not None
        assert set(accepted.values()) == {None}
    statuses = list(
        Goal.history.filter(id=goal.pk)
        .order_by("history_date", "history_id")
        .values_list("status", flat=True)
    )
    # Never a counter-proposal after the agreement, nor an agreement after the counter.
    after_proposal = [s for s in statuses if s not in ("draft", "proposed")]
    assert after_proposal[:1] in (["counter_proposed"], ["active"])
    assert not ({"counter_proposed"} <= set(after_proposal) and "active" in after_proposal)
    return goal


@pytest.mark.parametrize("attempt", range(3))
def test_a_manager_accepting_while_another_counters_leaves_one_answer(
    today, distributor, pumps, partner, manager, second_manager, attempt
):
    goal = services.goal_create(by=partner, terms=terms(distributor, pumps))
    services.goal_propose(goal=goal, by=partner)
    outcomes = race(
        ("accept", lambda: services.goal_accept(goal=goal, by=manager)),
        (
            "counter",
            lambda: services.goal_counter(
                goal=goal, by=second_manager, terms=terms(distributor, pumps, "130000")
            ),
        ),
    )
    assert sorted(outcomes.values()) in (["NotAllowed", "done"], ["ValidationFailed", "done"])
    goal = assert_consistent(goal)
    if outcomes["accept"] == "done":
        assert outcomes["counter"] == "ValidationFailed"  # the goal is active by then
        assert (goal.status, goal.target) == ("active", D("120000.00"))
        assert goal.manufacturer_accepted_by == manager
    else:
        assert outcomes["accept"] == "NotAllowed"  # the counter waits for the partner now
        assert (goal.status, goal.target) == ("counter_proposed", D("130000.00"))
        assert goal.manufacturer_accepted_by == second_manager


@pytest.mark.parametrize("attempt", range(3))
def test_a_partner_admin_accepting_while_another_counters_leaves_one_answer(
    today, distributor, pumps, partner, second_admin, manager, attempt
):
    goal = services.goal_create(by=manager, terms=terms(distributor, pumps))
    services.goal_propose(goal=goal, by=manager)
    outcomes = race(
        ("accept", lambda: services.goal_accept(goal=goal, by=partner)),
        (
            "counter",
            lambda: services.goal_counter(
                goal=goal, by=second_admin, terms=terms(distributor, pumps, "110000")
            ),
        ),
    )
    assert list(outcomes.values()).count("done") == 1
    goal = assert_consistent(goal)
    if outcomes["accept"] == "done":
        assert (goal.status, goal.target, goal.partner_accepted_by) == (
            "active",
            D("120000.00"),
            partner,
        )
    else:
        assert (goal.status, goal.target, goal.partner_accepted_by) == (
            "counter_proposed",
            D("110000.00"),
            second_admin,
        )


@pytest.mark.parametrize("attempt", range(3))
def test_the_manufacturer_cannot_counter_a_proposal_the_partner_is_accepting(
    today, distributor, pumps, partner, manager, attempt
):
    goal = services.goal_create(by=manager, terms=terms(distributor, pumps))
    services.goal_propose(goal=goal, by=manager)
    outcomes = race(
        ("accept", lambda: services.goal_accept(goal=goal, by=partner)),
        (
            "counter",
            lambda: services.goal_counter(
                goal=goal, by=manager, terms=terms(distributor, pumps, "150000")
            ),
        ),
    )
    assert outcomes["accept"] == "done"
    assert outcomes["counter"] in ("NotAllowed", "ValidationFailed")
    goal = assert_consistent(goal)
    assert (goal.status, goal.target) == ("active", D("120000.00"))


@pytest.mark.parametrize("attempt", range(3))
def test_two_acceptances_of_one_amendment_apply_it_once(
    today, distributor, pumps, partner, second_admin, manager, attempt
):
    goal = services.goal_create(by=partner, terms=terms(distributor, pumps))
    services.goal_propose(goal=goal, by=partner)
    services.goal_accept(goal=goal, by=manager)
    amendment = services.amendment_propose(
        goal=goal,
        by=manager,
        fields={"target": D("110000")},
        landmarks=[
            (datetime.date(2026, 3, 31), D("25000")),
            (datetime.date(2026, 8, 31), D("70000")),
            (datetime.date(2026, 12, 31), D("110000")),
        ],
        reason="The pump range is delayed.",
    )
    outcomes = race(
        ("first", lambda: services.amendment_accept(amendment=amendment, by=partner)),
        ("second", lambda: services.amendment_accept(amendment=amendment, by=second_admin)),
    )
    assert sorted(outcomes.values()) == ["ValidationFailed", "done"]
    amendment.refresh_from_db()
    goal.refresh_from_db()
    winner = partner if outcomes["first"] == "done" else second_admin
    assert (amendment.status, amendment.decided_by) == ("accepted", winner)
    assert goal.target == D("110000.00")
    assert [lm.date.month for lm in goal.landmarks.all()] == [3, 8, 12]
    targets = [c for c in services.goal_history(goal) if c.field == "Target"]
    assert [(c.old, c.new) for c in targets if c.action == "changed"] == [("€120,000", "€110,000")]


@pytest.mark.parametrize("attempt", range(3))
def test_an_amendment_accepted_and_rejected_at_once_is_decided_once(
    today, distributor, pumps, partner, second_admin, manager, attempt
):
    goal = services.goal_create(by=partner, terms=terms(distributor, pumps))
    services.goal_propose(goal=goal, by=partner)
    services.goal_accept(goal=goal, by=manager)
    amendment = services.amendment_propose(
        goal=goal, by=manager, fields={"target": D("130000")}, reason="A strong market."
    )
    outcomes = race(
        ("accept", lambda: services.amendment_accept(amendment=amendment, by=partner)),
        ("reject", lambda: services.amendment_reject(amendment=amendment, by=second_admin)),
    )
    assert sorted(outcomes.values()) == ["ValidationFailed", "done"]
    amendment.refresh_from_db()
    goal.refresh_from_db()
    if outcomes["accept"] == "done":
        assert (amendment.status, goal.target) == ("accepted", D("130000.00"))
    else:
        assert (amendment.status, goal.target) == ("rejected", D("120000.00"))
    assert Amendment.objects.filter(goal=goal).count() == 1
