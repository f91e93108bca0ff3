"""The balance of an allocation, one definition: allocated = reserved + claimed + paid + expired
+ available, figure by figure as the selector's docstring defines them, in one query whatever
the number of rows, and never across distributors; whatever the services are asked, in any
order, available never goes below zero."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from drm.errors import DomainError
from funds import selectors, services
from funds.models import Claim, FundRequest
from identity.access import is_manufacturer
from tests import factories
from tests.funds import files
from tests.funds.conftest import AFTER, END, START
from tests.funds.factories import AllocationFactory, FundFactory

pytestmark = pytest.mark.django_db

D = Decimal
FIGURES = ("allocated", "reserved", "claimed", "paid", "expired", "available")


def figures(row):
    return {name: getattr(row, name) for name in FIGURES}


def balance_of(allocation, user, today=None):
    [row] = selectors.balances(visible_to=user, fund=allocation.fund, today=today)
    return figures(row)


@pytest.fixture
def every_state(submit, manager, partner, travel):
    """One request in each state that counts (and some that do not), on acme's 10,000."""
    kept = submit(
        title="Autumn fair", start=datetime.date(2026, 12, 1), end=datetime.date(2026, 12, 5)
    )
    waiting_claim = submit(planned_cost=D("2000"), title="Waits for its claim's decision")
    part_claimed = submit(planned_cost=D("3000"), title="Claim approved in part")
    paid = submit(planned_cost=D("1000"), title="Paid")
    rejected = submit(planned_cost=D("600"), title="Rejected after approval")
    submit(planned_cost=D("20000"), title="Not decided")
    to_expire = submit(planned_cost=D("800"), title="Never claimed")
    cancelled = submit(planned_cost=D("400"), title="Cancelled")
    for request in (kept, waiting_claim, part_claimed, paid, rejected, to_expire, cancelled):
        services.request_approve(request=request, by=manager)
    services.request_reject(request=rejected, by=manager, reason="The show was called off.")
    services.request_cancel(request=cancelled, by=partner)
    travel(AFTER)

    def claim(request, cost):
        return services.claim_submit(
            by=partner, request=request, actual_cost=cost, files=[files.pdf()]
        )

    claim(waiting_claim, D("2000"))  # 1,000 claimed, waiting
    partial = claim(part_claimed, D("2000"))  # 1,000 claimed of 1,500 approved
    services.claim_approve(claim=partial, by=manager, amount="800", reason="No receipt for 200.")
    settled = claim(paid, D("1000"))
    services.claim_approve(claim=settled, by=manager)
    services.claim_pay(claim=settled, by=manager, reference="SEPA-7", paid_on=AFTER)
    travel(datetime.date(2026, 9, 5))  # "Never claimed" is past its deadline (1 September)
    services.requests_expire()
    return kept.allocation


def test_each_figure_is_what_its_definition_says(every_state, manager):
    assert balance_of(every_state, manager) == {
        "allocated": D("10000.00"),
        "reserved": D("3000.00"),  # approved 2,000 unclaimed + 1,000 whose claim waits
        "claimed": D("800.00"),  # approved in part, not paid
        "paid": D("500.00"),
        "expired": D("0.00"),  # the expired request's 400 is available again
        "available": D("5700.00"),
    }
    assert FundRequest.objects.filter(status="expired").count() == 1


def test_once_the_fund_expires_its_unused_remainder_expires_and_nothing_is_available(
    every_state, manager, travel
):
    travel(datetime.date(2027, 4, 1))
    assert balance_of(every_state, manager) == {
        "allocated": D("10000.00"),
        "reserved": D("3000.00"),  # still honoured until their claim deadlines
        "claimed": D("800.00"),
        "paid": D("500.00"),
        "expired": D("5700.00"),
        "available": D("0.00"),
    }
    services.requests_expire()  # the December request was never claimed either
    assert balance_of(every_state, manager)["expired"] == D("7700.00")
    assert balance_of(every_state, manager, today=datetime.date(2027, 3, 31))["expired"] == 0


def test_figures_add_up_to_the_allocation(every_state, manager):
    row = balance_of(every_state, manager)
    assert row["allocated"] == sum(row[name] for name in FIGURES[1:])


def test_balances_take_one_query_whatever_the_number_of_allocations(manager, fund):
    def count():
        with CaptureQueriesContext(connection) as queries:
            rows = list(selectors.balances(visible_to=manager, fund=fund))
        return len(queries), len(rows)

    is_manufacturer(manager)  # the role is read once per request, not per list
    AllocationFactory(fund=fund)
    few = count()
    for _ in range(8):
        AllocationFactory(fund=fund)
    many = count()

    assert few == (1, 1) and many == (1, 9)


def test_a_partner_sees_only_its_own_distributors_balances(
    every_state, partner, outsider, other_distributor, nobody
):
    AllocationFactory(fund=every_state.fund, distributor=other_distributor, amount=D("999"))

    assert [row.distributor_id for row in selectors.balances(visible_to=partner)] == [
        every_state.distributor_id
    ]
    assert [row.allocated for row in selectors.balances(visible_to=outsider)] == [D("999.00")]
    assert not selectors.balances(visible_to=outsider, distributor=every_state.distributor)
    assert not selectors.balances(visible_to=nobody)


def test_a_partner_sees_only_its_own_distributors_requests_and_claims(
    every_state, partner, colleague, outsider, manager
):
    assert selectors.request_list(visible_to=partner).count() == 8
    assert selectors.request_list(visible_to=colleague).count() == 8
    assert selectors.claim_list(visible_to=partner).count() == 3
    assert not selectors.request_list(visible_to=outsider).exists()
    assert not selectors.claim_list(visible_to=outsider).exists()
    assert not selectors.request_list(visible_to=outsider, distributor=every_state.distributor)
    assert selectors.claim_list(visible_to=manager, status="paid").count() == 1


def test_a_partner_sees_the_funds_it_is_allocated_in_or_may_draw_on(
    fund, allocation, partner, outsider, distributor, manager
):
    for_its_tier = FundFactory(name="For acme's tier")
    for_its_tier.tiers.add(distributor.tier)
    for_another_tier = FundFactory(name="For gold")
    for_another_tier.tiers.add(factories.TierFactory(code="gold"))

    assert set(selectors.fund_list(visible_to=partner)) == {fund, for_its_tier}
    assert set(selectors.fund_list(visible_to=outsider)) == {fund}  # every distributor's
    assert set(selectors.fund_list(visible_to=manager)) == {fund, for_its_tier, for_another_tier}


def test_a_claims_leads_are_its_sources_leads_of_the_distributor_during_the_activity(
    claimed, distributor, other_distributor, time_machine
):
    fair = factories.LeadSourceFactory(code="hanover-2026")
    claim = claimed()
    claim.lead_source = fair
    claim.save()

    def lead(day, source=fair, owner=distributor):
        time_machine.move_to(datetime.datetime.combine(day, datetime.time(10), tzinfo=datetime.UTC))
        return factories.LeadFactory(source=source, distributor=owner, status="assigned")

    brought = [lead(START), lead(END)]
    lead(START - datetime.timedelta(days=1))
    lead(END + datetime.timedelta(days=1))
    lead(START, owner=other_distributor)
    lead(START, source=factories.LeadSourceFactory(code="web"))

    assert set(selectors.claim_leads(claim)) == set(brought)
    claim.lead_source = None
    assert not selectors.claim_leads(claim).exists()


# --- any sequence of acts keeps the books balanced ---------------------------------------------

INDEX = st.integers(0, 30)
PERCENT = st.integers(1, 100)
COST = st.integers(1, 9000)


def part(amount, percent):
    """`percent` of `amount`, at least a cent: a partial decision (or a whole one at 100)."""
    return max(D("0.01"), (amount * percent / 100).quantize(D("0.01")))


def expected_figures(allocation, today):
    """The figures re-derived in Python from the rows, for the SQL to agree with."""
    allocated = type(allocation).objects.get(pk=allocation.pk).amount
    reserved = claimed = paid = D(0)
    for request in FundRequest.objects.filter(allocation=allocation):
        claim = Claim.objects.filter(request=request).first()
        waiting = request.status == "claimed" and claim.status == "submitted"
        if request.status == "approved" or waiting:
            reserved += request.approved_amount
        if claim and claim.status == "approved":
            claimed += claim.approved_amount
        if claim and claim.status == "paid":
            paid += claim.approved_amount
    used = reserved + claimed + paid
    expired = max(allocated - used, D(0)) if today > allocation.fund.expires_on else D(0)
    return {
        "allocated": allocated,
        "reserved": reserved,
        "claimed": claimed,
        "paid": paid,
        "expired": expired,
        "available": allocated - used - expired,
    }


class Books(RuleBasedStateMachine):
    """Plays the services in any order on acme's allocation, as its partner and its manager:
    a rule names a row by its place among those it applies to (`INDEX`); the amounts, the
    partial decisions and the clock are random. Each run is rolled back."""

    allocation = partner = manager = travel = None  # set by the test

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.travel(datetime.date(2026, 6, 15))

    def teardown(self):
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def rows(self, model, *statuses):
        where = "allocation" if model is FundRequest else "request__allocation"
        found = model.objects.filter(status__in=statuses, **{where: self.allocation})
        return list(found.order_by("pk"))

    def pick(self, model, index, *statuses):
        rows = self.rows(model, *statuses)
        return rows[index % len(rows)]

    @staticmethod
    def attempt(name, act):
        try:
            act()
            event(f"{name} done")
        except DomainError:
            event(f"{name} refused")  # the books must balance all the same

    @initialize(costs=st.lists(COST, min_size=2, max_size=4))
    def first_requests(self, costs):
        """A few requests from the start, so that every run has something to move along."""
        for cost in costs:
            self.submit((cost, 0))

    # Hypothesis draws rules with fewer arguments, then earlier names, more often: every rule
    # takes one argument, and the one that moves requests along comes first by name.
    @rule(planned=st.tuples(COST, st.integers(0, 4)))
    def submit(self, planned):
        cost, days = planned
        start = timezone.localdate() + datetime.timedelta(days=1)
        self.attempt(
            "submit",
            lambda: services.request_submit(
                by=self.partner,
                fund=self.allocation.fund,
                activity_type="event",
                title="Event",
                start=start,
                end=start + datetime.timedelta(days=days),
                planned_cost=D(cost),
            ),
        )

    # What may come next for a request, by its status (and its claim's): moving forward
    # comes up more often than ending it.
    NEXT = {
        "submitted": ("approve", "approve", "reject", "cancel"),
        "approved": ("claim", "claim", "cancel", "reject"),
        "claim submitted": ("approve_claim", "approve_claim", "reject_claim"),
        "claim approved": ("pay",),
    }

    @precondition(lambda self: self.rows(FundRequest, "submitted", "approved", "claimed"))
    @rule(move=st.tuples(INDEX, st.integers(0, 11), PERCENT, COST))
    def advance(self, move):
        """The next act on an open request: a decision, a claim, a claim's decision, payment;
        a partial decision below 100 %."""
        index, choice, percent, cost = move
        request = self.pick(FundRequest, index, "submitted", "approved", "claimed")
        claim = Claim.objects.filter(request=request).first()
        state = f"claim {claim.status}" if claim else request.status
        name = self.NEXT[state][choice % len(self.NEXT[state])]
        getattr(self, name)(request, claim, percent=percent, cost=cost)

    def approve(self, request, claim, *, percent, cost):
        amount = part(request.requested_amount, percent)
        self.attempt(
            "approve",
            lambda: services.request_approve(
                request=request, by=self.manager, amount=amount, reason="In part."
            ),
        )

    def reject(self, request, claim, *, percent, cost):
        self.attempt(
            "reject",
            lambda: services.request_reject(request=request, by=self.manager, reason="No."),
        )

    def cancel(self, request, claim, *, percent, cost):
        self.attempt("cancel", lambda: services.request_cancel(request=request, by=self.partner))

    def claim(self, request, claim, *, percent, cost):
        if timezone.localdate() < request.end:
            self.travel(request.end)  # a claim comes once the activity is over
        self.attempt(
            "claim",
            lambda: services.claim_submit(
                by=self.partner, request=request, actual_cost=D(cost), files=[files.pdf()]
            ),
        )

    def approve_claim(self, request, claim, *, percent, cost):
        amount = part(claim.claimed_amount, percent)
        self.attempt(
            "approve_claim",
            lambda: services.claim_approve(
                claim=claim, by=self.manager, amount=amount, reason="In part."
            ),
        )

    def reject_claim(self, request, claim, *, percent, cost):
        self.attempt(
            "reject_claim",
            lambda: services.claim_reject(claim=claim, by=self.manager, reason="No."),
        )

    def pay(self, request, claim, *, percent, cost):
        self.attempt(
            "pay",
            lambda: services.claim_pay(
                claim=claim, by=self.manager, reference="SEPA", paid_on=timezone.localdate()
            ),
        )

    # The simplest value first: what Hypothesis draws most is a workable allocation, not 0.
    @rule(amount=st.sampled_from([10000, 15000, 6000, 2500, 0]))
    def allocate(self, amount):
        allocation = self.allocation
        self.attempt(
            "allocate",
            lambda: services.allocation_set(
                fund=allocation.fund,
                distributor=allocation.distributor,
                amount=D(amount),
                by=self.manager,
            ),
        )

    @rule(days=st.sampled_from([7, 30, 90, 1]))
    def wait(self, days):
        """Days pass; the daily job expires what was not claimed in time."""
        self.travel(timezone.localdate() + datetime.timedelta(days=days))
        self.attempt("expire", services.requests_expire)

    @invariant()
    def balanced(self):
        today = timezone.localdate()
        [row] = selectors.balances(visible_to=self.manager, fund=self.allocation.fund, today=today)
        got = figures(row)
        assert got == expected_figures(self.allocation, today)
        assert got["available"] >= 0
        assert got["allocated"] == sum(got[name] for name in FIGURES[1:])


def test_any_sequence_of_acts_keeps_the_balance_whole_and_never_negative(
    allocation, partner, manager, travel
):
    machine = type(
        "AcmeBooks",
        (Books,),
        {
            "allocation": allocation,
            "partner": partner,
            "manager": manager,
            "travel": staticmethod(travel),
        },
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=40,
            stateful_step_count=30,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
