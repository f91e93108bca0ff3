"""Concurrent acts on Postgres: two approvals that together exceed the balance never both
pass, and an allocation lowered during an approval never ends below what it holds."""

from decimal import Decimal

import pytest

from funds import services
from funds.models import FundRequest
from funds.selectors import allocation_balance
from tests import factories
from tests.leads.test_races import race

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

D = Decimal


@pytest.mark.parametrize("attempt", range(4))
def test_two_approvals_that_together_exceed_the_balance_let_exactly_one_through(
    submit, manager, attempt
):
    second_manager = factories.ManagerFactory(username="second-manager")
    first = submit(planned_cost=D("12000"), title="Spring fair")  # 6,000 of 10,000
    second = submit(planned_cost=D("10000"), title="Autumn fair")  # 5,000

    outcomes = race(
        ("first", lambda: services.request_approve(request=first, by=manager)),
        ("second", lambda: services.request_approve(request=second, by=second_manager)),
    )

    assert sorted(outcomes.values()) == ["ValidationFailed", "done"]
    winner = first if outcomes["first"] == "done" else second
    statuses = dict(FundRequest.objects.values_list("pk", "status"))
    assert statuses == {
        first.pk: "approved" if winner == first else "submitted",
        second.pk: "approved" if winner == second else "submitted",
    }
    balance = allocation_balance(first.allocation)
    assert balance.reserved == winner.requested_amount
    assert balance.available == D("10000.00") - winner.requested_amount


@pytest.mark.parametrize("attempt", range(3))
def test_lowering_an_allocation_while_a_request_is_approved_never_overdraws_it(
    submit, manager, attempt
):
    request = submit(planned_cost=D("12000"))  # 6,000
    allocation = request.allocation

    outcomes = race(
        ("approve", lambda: services.request_approve(request=request, by=manager)),
        (
            "lower",
            lambda: services.allocation_set(
                fund=allocation.fund,
                distributor=allocation.distributor,
                amount=D("5000"),
                by=manager,
            ),
        ),
    )

    assert sorted(outcomes.values()) == ["ValidationFailed", "done"]
    balance = allocation_balance(allocation)
    assert balance.available >= 0
    assert balance.allocated == balance.reserved + balance.available
