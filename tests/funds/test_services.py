"""Every act on funds and its refusals (each refusal names the input at fault and changes
nothing): funds, allocations set and accrued, requests, claims, payment, the daily job, and
the notices each act sends and settles."""

import datetime
from decimal import Decimal

import pytest

from distributors.models import DataChange, Distributor, Investment, Region
from drm.errors import NotAllowed, ValidationFailed
from funds import services
from funds.models import Allocation, Claim, Fund, FundRequest
from funds.selectors import allocation_balance
from notifications.models import Notification
from tests import factories
from tests.funds import files
from tests.funds.conftest import AFTER, END, START
from tests.funds.factories import AccrualFundFactory, FundFactory
from tests.funds.state import refused

pytestmark = pytest.mark.django_db

D = Decimal


def notices(user, kind=None):
    found = Notification.objects.filter(recipient=user)
    return list(found.filter(kind=kind) if kind else found)


def available(allocation):
    return allocation_balance(allocation).available


# --- fund_create -------------------------------------------------------------------------------


def fund_fields(**over):
    fields = {
        "name": "Co-op 2026",
        "name_fr": "Coop 2026",
        "kind": "budget",
        "period_start": datetime.date(2026, 1, 1),
        "period_end": datetime.date(2026, 12, 31),
        "expires_on": datetime.date(2027, 3, 31),
    }
    fields.update(over)
    return fields


def test_a_manager_creates_a_fund_for_some_tiers_and_regions_and_history_names_him(manager):
    gold = factories.TierFactory(code="gold")
    europe = Region.objects.create(name="Europe", name_fr="Europe")

    fund = services.fund_create(
        by=manager, cost_share_percent="40", tiers=[gold], regions=[europe], **fund_fields()
    )

    assert (fund.kind, fund.cost_share_percent, fund.accrual_percent) == ("budget", D("40"), None)
    assert list(fund.tiers.all()) == [gold] and list(fund.regions.all()) == [europe]
    assert fund.created_by == manager
    assert fund.history.get().history_user == manager


def test_an_accrual_fund_keeps_its_accrual_rate(manager):
    fund = services.fund_create(by=manager, **fund_fields(kind="accrual", accrual_percent="3"))

    assert fund.accrual_percent == D("3.00")


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"name": "  "}, "name"),
        ({"kind": "grant"}, "kind"),
        ({"period_end": datetime.date(2025, 12, 31)}, "period_end"),
        ({"expires_on": datetime.date(2026, 12, 30)}, "expires_on"),
        ({"period_start": "2026-01-01"}, "period_start"),
        ({"kind": "accrual"}, "accrual_percent"),
        ({"kind": "accrual", "accrual_percent": "0"}, "accrual_percent"),
        ({"kind": "accrual", "accrual_percent": "100.5"}, "accrual_percent"),
        ({"accrual_percent": "3"}, "accrual_percent"),
        ({"cost_share_percent": "0"}, "cost_share_percent"),
        ({"cost_share_percent": "100.01"}, "cost_share_percent"),
        ({"cost_share_percent": "half"}, "cost_share_percent"),
        ({"cost_share_percent": "33.333"}, "cost_share_percent"),
        ({"name": "x" * 121}, "name"),
        ({"tiers": ["gold"]}, "tiers"),
    ],
)
def test_a_fund_that_does_not_hold_together_is_refused_naming_the_field(manager, over, field):
    with refused(ValidationFailed, field=field):
        services.fund_create(by=manager, **fund_fields(**over))


def test_a_fund_may_pay_the_whole_cost(manager):
    fund = services.fund_create(by=manager, cost_share_percent=D("100"), **fund_fields())

    assert fund.share_of(D("1234.56")) == D("1234.56")


def test_a_partner_cannot_create_a_fund(partner):
    with refused(NotAllowed):
        services.fund_create(by=partner, **fund_fields())


# --- allocation_set ----------------------------------------------------------------------------


def test_a_manager_sets_and_changes_an_allocation_and_history_keeps_both(
    fund, distributor, manager
):
    first = services.allocation_set(fund=fund, distributor=distributor, amount="5000", by=manager)
    second = services.allocation_set(
        fund=fund, distributor=distributor, amount=D("7500.50"), by=manager
    )

    assert first.pk == second.pk
    assert Allocation.objects.get().amount == D("7500.50")
    amounts = list(
        Allocation.history.order_by("history_date").values_list("amount", "history_user")
    )
    assert amounts == [(D("5000.00"), manager.pk), (D("7500.50"), manager.pk)]


def test_an_allocation_cannot_fall_below_what_requests_and_claims_hold(approved, manager):
    request = approved()  # 2,000 reserved
    allocation = request.allocation

    with refused(ValidationFailed, field="amount", match="already hold"):
        services.allocation_set(
            fund=allocation.fund, distributor=allocation.distributor, amount="1999.99", by=manager
        )
    services.allocation_set(
        fund=allocation.fund, distributor=allocation.distributor, amount="2000", by=manager
    )

    assert available(allocation) == 0


def test_an_accrual_funds_allocation_is_not_set_by_hand(distributor, manager):
    fund = AccrualFundFactory()

    with refused(ValidationFailed, field="fund"):
        services.allocation_set(fund=fund, distributor=distributor, amount="100", by=manager)


def test_a_distributor_outside_the_funds_tiers_or_regions_gets_no_allocation(distributor, manager):
    gold_only = FundFactory()
    gold_only.tiers.add(factories.TierFactory(code="gold"))
    asia_only = FundFactory()
    asia_only.regions.add(Region.objects.create(name="Asia"))
    terminated = factories.DistributorFactory(tier=distributor.tier, status="terminated")

    for fund, whom in ((gold_only, distributor), (asia_only, distributor), (gold_only, terminated)):
        with refused(ValidationFailed, field="distributor"):
            services.allocation_set(fund=fund, distributor=whom, amount="100", by=manager)


def test_a_region_of_the_fund_matches_the_distributors_region_in_any_case(manager):
    fund = FundFactory()
    fund.regions.add(Region.objects.create(name="Europe"))
    shouting = factories.DistributorFactory(region="EUROPE")

    services.allocation_set(fund=fund, distributor=shouting, amount="100", by=manager)


@pytest.mark.parametrize("amount", ["-1", "abc", "10.001", None])
def test_an_allocation_must_be_an_amount_of_zero_or_more(fund, distributor, manager, amount):
    with refused(ValidationFailed, field="amount"):
        services.allocation_set(fund=fund, distributor=distributor, amount=amount, by=manager)


def test_a_partner_cannot_set_an_allocation(fund, distributor, partner):
    with refused(NotAllowed):
        services.allocation_set(fund=fund, distributor=distributor, amount="100", by=partner)


def test_an_expired_fund_takes_no_new_allocation(distributor, manager):
    fund = FundFactory(
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 12, 31),
        expires_on=datetime.date(2026, 3, 31),
    )

    with refused(ValidationFailed, field="fund", match="expired"):
        services.allocation_set(fund=fund, distributor=distributor, amount="100", by=manager)


# --- fund_accrue -------------------------------------------------------------------------------


@pytest.fixture
def accrual(manager):
    """3 % of the first quarter of 2026, with acme (EUR) and rival (USD at 0.90) reporting."""
    return AccrualFundFactory()


def revenue(distributor, month, amount, line="pumps", currency=None):
    return factories.RevenueRecordFactory(
        distributor=distributor,
        month=month,
        product_line=factories.ProductLineFactory(code=line),
        amount=D(amount),
        currency=currency or distributor.currency,
    )


def test_accrual_sets_each_eligible_distributors_allocation_to_its_share_of_revenue(
    accrual, distributor, other_distributor, manager
):
    other_distributor.currency = "USD"
    other_distributor.save()
    factories.ExchangeRateFactory(currency="USD", month=datetime.date(2025, 12, 1), rate=D("0.9"))
    revenue(distributor, datetime.date(2026, 1, 1), "10000.00")
    revenue(distributor, datetime.date(2026, 2, 1), "2345.67", line="valves")
    revenue(distributor, datetime.date(2026, 3, 1), "1000.00")
    revenue(distributor, datetime.date(2025, 12, 1), "99999.00")  # before the period
    revenue(distributor, datetime.date(2026, 4, 1), "99999.00")  # after it
    revenue(other_distributor, datetime.date(2026, 1, 1), "1000.00")  # 900.00 EUR
    silent = factories.DistributorFactory(code="silent")
    gone = factories.DistributorFactory(code="gone", status="terminated")
    revenue(gone, datetime.date(2026, 1, 1), "5000.00")

    touched = services.fund_accrue(fund=accrual, by=manager)

    allocations = dict(
        Allocation.objects.filter(fund=accrual).values_list("distributor__code", "amount")
    )
    # acme: 3 % of 13,345.67 = 400.3701; rival: 3 % of 900.00; silent reported nothing.
    assert allocations == {"acme": D("400.37"), "rival": D("27.00"), "silent": D("0.00")}
    assert touched == 3
    assert {row.history_type for row in Allocation.history.all()} == {"+"}
    assert {row.history_user for row in Allocation.history.all()} == {manager}
    assert silent.pk in set(Allocation.objects.values_list("distributor", flat=True))


def test_accrual_again_takes_the_revenue_reported_since_and_records_only_what_changed(
    accrual, distributor, other_distributor, manager
):
    revenue(distributor, datetime.date(2026, 1, 1), "10000.00")
    revenue(other_distributor, datetime.date(2026, 1, 1), "2000.00")
    services.fund_accrue(fund=accrual, by=manager)
    revenue(distributor, datetime.date(2026, 2, 1), "5000.00")

    assert services.fund_accrue(fund=accrual, by=manager) == 1
    assert services.fund_accrue(fund=accrual, by=manager) == 0

    acme = Allocation.objects.get(fund=accrual, distributor=distributor)
    assert acme.amount == D("450.00")
    assert list(acme.history.order_by("history_date").values_list("history_type", "amount")) == [
        ("+", D("300.00")),
        ("~", D("450.00")),
    ]


def test_accrual_for_some_tiers_leaves_the_other_distributors_out(
    accrual, distributor, other_distributor, manager
):
    accrual.tiers.add(distributor.tier)
    revenue(distributor, datetime.date(2026, 1, 1), "100.00")
    revenue(other_distributor, datetime.date(2026, 1, 1), "100.00")

    services.fund_accrue(fund=accrual, by=manager)

    assert list(Allocation.objects.values_list("distributor", "amount")) == [
        (distributor.pk, D("3.00"))
    ]


def test_accrual_never_lowers_an_allocation_below_what_it_holds(
    accrual, distributor, partner, manager, time_machine
):
    distributor.account_manager = manager
    distributor.save()
    accrual.period_end = datetime.date(2026, 12, 31)
    accrual.save()
    record = revenue(distributor, datetime.date(2026, 1, 1), "100000.00")
    services.fund_accrue(fund=accrual, by=manager)  # 3,000
    request = services.request_submit(
        by=partner,
        fund=accrual,
        activity_type="event",
        title="Open house",
        start=START,
        end=END,
        planned_cost=D("5000"),
    )
    services.request_approve(request=request, by=manager)  # 2,500 reserved
    record.amount = D("10000.00")  # corrected: 300 would be earned
    record.reporting_amount = D("10000.00")
    record.save()

    services.fund_accrue(fund=accrual, by=manager)

    allocation = Allocation.objects.get()
    assert allocation.amount == D("2500.00")
    assert available(allocation) == 0


def test_accrual_is_refused_while_revenue_of_the_period_has_no_rate(accrual, distributor, manager):
    revenue(distributor, datetime.date(2026, 1, 1), "100.00")
    revenue(distributor, datetime.date(2026, 2, 1), "100.00", currency="CHF")

    with refused(ValidationFailed, field="fund", match="CHF"):
        services.fund_accrue(fund=accrual, by=manager)


def test_a_budget_fund_does_not_accrue_and_a_partner_cannot_accrue(fund, accrual, manager, partner):
    with refused(ValidationFailed, field="fund"):
        services.fund_accrue(fund=fund, by=manager)
    with refused(NotAllowed):
        services.fund_accrue(fund=accrual, by=partner)


# --- request_submit ----------------------------------------------------------------------------


def test_a_partner_asks_for_the_funds_share_of_the_planned_cost(submit, partner, manager):
    request = submit()

    assert request.status == "submitted"
    assert request.requested_amount == D("2000.00")
    assert request.approved_amount is None
    assert request.claim_deadline == END + datetime.timedelta(days=60)
    assert request.history.get().history_user == partner
    [notice] = notices(manager, "fund_request_submitted")
    assert "Hanover fair stand" in notice.subject
    assert notice.pending_acts == [f"fundrequest:{request.pk}:decide"]


def test_the_share_of_a_cost_is_rounded_to_the_cent(allocation, partner, settings):
    fund = allocation.fund
    fund.cost_share_percent = D("33.33")
    fund.save()
    settings.FUNDS_CLAIM_DAYS = 30

    request = services.request_submit(
        by=partner,
        fund=fund,
        activity_type="digital",
        title="Search ads",
        start=START,
        end=END,
        planned_cost="1000.05",
    )

    assert request.requested_amount == D("333.32")  # 333.316665
    assert request.claim_deadline == datetime.date(2026, 8, 2)


def test_a_partner_rep_may_ask_too_and_list_the_materials_used(allocation, colleague):
    brochure = factories.MaterialFactory()

    request = services.request_submit(
        by=colleague,
        fund=allocation.fund,
        activity_type="print",
        title="Mailing",
        start=START,
        end=END,
        planned_cost="100",
        materials=[brochure],
    )

    assert list(request.materials.all()) == [brochure]


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"planned_cost": D("20000.02")}, "planned_cost"),  # 10,000.01 > 10,000 available
        ({"planned_cost": D("0")}, "planned_cost"),
        ({"end": datetime.date(2026, 6, 30)}, "end"),
        ({"start": datetime.date(2025, 12, 31)}, "start"),
        ({"end": datetime.date(2027, 1, 1)}, "end"),
        ({"start": datetime.date(2026, 6, 14), "end": datetime.date(2026, 6, 20)}, "start"),
        ({"activity_type": "party"}, "activity_type"),
        ({"title": " "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"expected_leads": -1}, "expected_leads"),
        ({"expected_revenue": "-5"}, "expected_revenue"),
        ({"materials": [999999]}, "materials"),
    ],
)
def test_a_request_that_does_not_hold_together_is_refused_naming_the_field(submit, over, field):
    with refused(ValidationFailed, field=field):
        submit(**over)


def test_a_share_that_rounds_to_nothing_is_refused(allocation, partner):
    fund = allocation.fund
    fund.cost_share_percent = D("10")
    fund.save()

    with refused(ValidationFailed, field="planned_cost", match="nothing"):
        services.request_submit(
            by=partner,
            fund=fund,
            activity_type="other",
            title="Coffee",
            start=START,
            end=END,
            planned_cost="0.04",
        )


def test_an_inactive_material_cannot_be_listed(submit):
    retired = factories.MaterialFactory(is_active=False)

    with refused(ValidationFailed, field="materials"):
        submit(materials=[retired])


def test_a_request_may_ask_for_all_that_is_available(submit):
    assert submit(planned_cost=D("20000.00")).requested_amount == D("10000.00")


def test_only_a_partner_of_an_allocated_distributor_asks(submit, manager, outsider):
    with refused(NotAllowed):
        submit(by=manager)
    with refused(ValidationFailed, field="fund", match="no allocation"):
        submit(by=outsider)


def test_a_terminated_distributor_cannot_ask(submit, distributor):
    Distributor.objects.filter(pk=distributor.pk).update(status="terminated")

    with refused(NotAllowed):
        submit()


def test_submitted_requests_reserve_nothing_until_approved(submit, allocation):
    submit(planned_cost=D("12000"))
    submit(planned_cost=D("12000"))

    assert available(allocation) == D("10000.00")


# --- request_approve ---------------------------------------------------------------------------


def test_a_manager_approves_in_full_and_the_partner_hears_of_it(
    submit, manager, partner, colleague
):
    request = submit(by=colleague)

    approved = services.request_approve(request=request, by=manager)

    assert (approved.status, approved.approved_amount) == ("approved", D("2000.00"))
    assert (approved.decided_by, approved.decision_reason) == (manager, "")
    assert approved.history.latest().history_user == manager
    assert Notification.objects.get(kind="fund_request_submitted").is_done
    for user in (partner, colleague):  # the admin, and the rep who asked
        [notice] = notices(user, "fund_request_decided")
        assert notice.subject == "Your fund request was approved: Hanover fair stand"
        assert "€2,000.00 is approved" in notice.body
        assert "1 September 2026" in notice.body  # 3 July + 60 days
    assert available(request.allocation) == D("8000.00")


def test_a_partial_approval_needs_a_reason(submit, manager, partner):
    request = submit()

    with refused(ValidationFailed, field="reason"):
        services.request_approve(request=request, by=manager, amount="1500")
    approved = services.request_approve(
        request=request, by=manager, amount="1500", reason="Half the stand is another brand's."
    )

    assert approved.approved_amount == D("1500.00") and approved.is_partial
    [notice] = notices(partner, "fund_request_decided")
    assert "approved in part" in notice.subject
    assert "another brand" in notice.body


@pytest.mark.parametrize("amount", ["2000.01", "0", "-10", "abc"])
def test_an_approval_outside_what_was_asked_is_refused(submit, manager, amount):
    request = submit()

    with refused(ValidationFailed, field="amount"):
        services.request_approve(request=request, by=manager, amount=amount, reason="Because.")


def test_an_approval_past_the_balance_is_refused(submit, manager):
    first = submit(planned_cost=D("12000"))  # 6,000
    second = submit(planned_cost=D("10000"))  # 5,000
    services.request_approve(request=first, by=manager)

    with refused(ValidationFailed, field="amount", match="available"):
        services.request_approve(request=second, by=manager)
    services.request_approve(request=second, by=manager, amount="4000", reason="What is left.")

    assert available(first.allocation) == 0


def test_a_partner_cannot_approve_its_own_request(submit, partner):
    request = submit()

    with refused(NotAllowed):
        services.request_approve(request=request, by=partner)


def test_a_request_is_decided_once(approved, manager):
    request = approved()

    with refused(ValidationFailed, field="status"):
        services.request_approve(request=request, by=manager)


def test_nothing_is_approved_from_an_expired_fund(submit, manager, travel):
    request = submit()
    travel(datetime.date(2027, 4, 1))

    with refused(ValidationFailed, field="fund", match="expired"):
        services.request_approve(request=request, by=manager)


# --- request_reject and request_cancel ---------------------------------------------------------


def test_a_rejection_needs_a_reason_and_closes_the_managers_notice(submit, manager, partner):
    request = submit()

    with refused(ValidationFailed, field="reason"):
        services.request_reject(request=request, by=manager, reason="  ")
    rejected = services.request_reject(request=request, by=manager, reason="Not our market.")

    assert (rejected.status, rejected.decision_reason) == ("rejected", "Not our market.")
    assert Notification.objects.get(kind="fund_request_submitted").is_done
    [notice] = notices(partner, "fund_request_decided")
    assert notice.subject == "Your fund request was rejected: Hanover fair stand"
    assert notice.body == "Why: Not our market."


def test_rejecting_an_approved_request_gives_its_reservation_back(approved, manager):
    request = approved()

    services.request_reject(request=request, by=manager, reason="The fair was cancelled.")

    assert available(request.allocation) == D("10000.00")


def test_a_partner_cannot_reject(submit, partner):
    request = submit()

    with refused(NotAllowed):
        services.request_reject(request=request, by=partner, reason="Changed my mind")


def test_a_partner_cancels_its_approved_request_and_the_reservation_goes_back(approved, colleague):
    request = approved()

    cancelled = services.request_cancel(request=request, by=colleague)

    assert cancelled.status == "cancelled"
    assert cancelled.history.latest().history_user == colleague
    assert available(request.allocation) == D("10000.00")


def test_cancelling_a_submitted_request_settles_the_managers_notice(submit, partner):
    services.request_cancel(request=submit(), by=partner)

    assert Notification.objects.get(kind="fund_request_submitted").is_done


def test_only_the_distributors_partners_cancel(submit, outsider, manager):
    request = submit()

    with refused(NotAllowed):
        services.request_cancel(request=request, by=outsider)
    with refused(NotAllowed):
        services.request_cancel(request=request, by=manager)


def test_a_claimed_request_cannot_be_cancelled_or_rejected(claimed, partner, manager):
    request = claimed().request

    with refused(ValidationFailed, field="status"):
        services.request_cancel(request=request, by=partner)
    with refused(ValidationFailed, field="status"):
        services.request_reject(request=request, by=manager, reason="Too late")


# --- the daily job -----------------------------------------------------------------------------


def test_an_approved_request_unclaimed_past_its_deadline_expires_once(
    approved, submit, travel, partner
):
    late = approved()
    waiting = submit(title="Still waiting for a decision")
    travel(late.claim_deadline)
    assert services.requests_expire() == 0  # the deadline day is still a day to claim
    travel(late.claim_deadline + datetime.timedelta(days=1))

    assert services.funds_daily() == {"expired": 1, "reminded": 0}
    assert services.requests_expire() == 0

    late.refresh_from_db()
    waiting.refresh_from_db()
    assert (late.status, waiting.status) == ("expired", "submitted")
    assert late.history.latest().history_type == "~"
    assert available(late.allocation) == D("10000.00")


def test_partners_are_reminded_once_of_a_claim_due_within_two_weeks(approved, travel, partner):
    request = approved()
    travel(request.claim_deadline - datetime.timedelta(days=15))
    assert services.requests_claim_due_notify() == 0

    travel(request.claim_deadline - datetime.timedelta(days=14))
    assert services.requests_claim_due_notify() == 1
    assert services.requests_claim_due_notify() == 0

    [notice] = notices(partner, "fund_claim_due")
    assert notice.subject == "Claim your activity by 1 September 2026: Hanover fair stand"
    assert notice.pending_acts == [f"fundrequest:{request.pk}:claim"]
    travel(request.claim_deadline + datetime.timedelta(days=1))
    services.requests_expire()
    notice.refresh_from_db()
    assert notice.is_done


# --- claim_submit ------------------------------------------------------------------------------


def test_a_partner_claims_the_share_of_the_actual_cost_with_proof(claimed, manager, distributor):
    claim = claimed(actual_cost=D("3600.00"))

    assert (claim.status, claim.claimed_amount, claim.actual_cost) == (
        "submitted",
        D("1800.00"),
        D("3600.00"),
    )
    assert claim.request.status == "claimed"
    [proof] = claim.proofs.all()
    assert proof.original_name == "invoice.pdf" and proof.content_type == "application/pdf"
    assert proof.file.name.startswith(f"funds/proofs/{distributor.pk}/")
    [notice] = notices(manager, "fund_claim_submitted")
    assert notice.pending_acts == [f"claim:{claim.pk}:decide"]
    assert "with 1 proof file." in notice.body


def test_a_claim_never_asks_more_than_was_approved(claimed):
    assert claimed(actual_cost=D("9000.00")).claimed_amount == D("2000.00")


def test_a_claim_comes_after_the_activity_and_by_its_deadline(approved, partner, travel):
    request = approved()

    def claim():
        services.claim_submit(by=partner, request=request, actual_cost="100", files=[files.pdf()])

    travel(END - datetime.timedelta(days=1))
    with refused(ValidationFailed, field="request", match="over"):
        claim()
    travel(request.claim_deadline + datetime.timedelta(days=1))
    with refused(ValidationFailed, field="request", match="due"):
        claim()
    travel(request.claim_deadline)
    claim()


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"files": []}, "files"),
        ({"actual_cost": "0"}, "actual_cost"),
        ({"actual_cost": "x"}, "actual_cost"),
        ({"results_leads": -3}, "results_leads"),
        ({"results_revenue": "-1"}, "results_revenue"),
        ({"lead_source": "web"}, "lead_source"),
    ],
)
def test_a_claim_that_does_not_hold_together_is_refused_naming_the_field(
    approved, partner, travel, over, field
):
    request = approved()
    travel(AFTER)
    fields = {"by": partner, "request": request, "actual_cost": "100", "files": [files.pdf()]}

    with refused(ValidationFailed, field=field):
        services.claim_submit(**{**fields, **over})


def test_only_the_distributors_partners_claim(approved, outsider, manager, travel):
    request = approved()
    travel(AFTER)

    for user in (outsider, manager):
        with refused(NotAllowed):
            services.claim_submit(by=user, request=request, actual_cost="100", files=[files.pdf()])


def test_a_request_not_approved_or_already_claimed_cannot_be_claimed(
    submit, claimed, partner, travel
):
    waiting = submit(title="Not decided yet")
    claim = claimed()

    for request in (waiting, claim.request):
        with refused(ValidationFailed, field="status"):
            services.claim_submit(
                by=partner, request=request, actual_cost="100", files=[files.pdf()]
            )


def test_claiming_settles_the_reminder(approved, partner, travel):
    request = approved()
    travel(request.claim_deadline - datetime.timedelta(days=3))
    services.requests_claim_due_notify()

    services.claim_submit(by=partner, request=request, actual_cost="100", files=[files.pdf()])

    assert Notification.objects.get(recipient=partner, kind="fund_claim_due").is_done


# --- claim_approve and claim_reject ------------------------------------------------------------


def test_a_manager_approves_a_claim_and_the_partner_hears_of_it(claimed, manager, partner):
    claim = claimed()

    approved = services.claim_approve(claim=claim, by=manager)

    assert (approved.status, approved.approved_amount) == ("approved", D("1800.00"))
    assert approved.history.latest().history_user == manager
    assert Notification.objects.get(kind="fund_claim_submitted").is_done
    [notice] = notices(partner, "fund_claim_decided")
    assert notice.subject == "Your fund claim was approved: Hanover fair stand"


def test_a_partial_claim_approval_needs_a_reason(claimed, manager, partner):
    claim = claimed()

    with refused(ValidationFailed, field="reason"):
        services.claim_approve(claim=claim, by=manager, amount="1000")
    services.claim_approve(claim=claim, by=manager, amount="1000", reason="One invoice is VAT.")

    [notice] = notices(partner, "fund_claim_decided")
    assert "approved in part" in notice.subject and "VAT" in notice.body


@pytest.mark.parametrize("amount", ["1800.01", "0", "-1"])
def test_a_claim_approval_above_the_claim_is_refused(claimed, manager, amount):
    claim = claimed()

    with refused(ValidationFailed, field="amount"):
        services.claim_approve(claim=claim, by=manager, amount=amount, reason="Because.")


def test_a_partner_cannot_decide_a_claim(claimed, partner):
    claim = claimed()

    with refused(NotAllowed):
        services.claim_approve(claim=claim, by=partner)
    with refused(NotAllowed):
        services.claim_reject(claim=claim, by=partner, reason="No")


def test_a_rejected_claim_closes_its_request_and_gives_the_reservation_back(
    claimed, manager, partner
):
    claim = claimed()

    with refused(ValidationFailed, field="reason"):
        services.claim_reject(claim=claim, by=manager, reason="")
    rejected = services.claim_reject(claim=claim, by=manager, reason="No proof of the stand.")

    assert (rejected.status, rejected.request.status) == ("rejected", "closed")
    assert available(claim.request.allocation) == D("10000.00")
    assert Notification.objects.get(kind="fund_claim_submitted").is_done
    [notice] = notices(partner, "fund_claim_decided")
    assert notice.body == "Why: No proof of the stand."
    with refused(ValidationFailed, field="status"):
        services.claim_approve(claim=claim, by=manager)


# --- claim_pay ---------------------------------------------------------------------------------


@pytest.fixture
def to_pay(claimed, manager):
    return services.claim_approve(claim=claimed(), by=manager)


def test_paying_a_claim_writes_the_market_funds_investment_and_closes_the_request(
    to_pay, manager, partner, colleague, distributor
):
    paid = services.claim_pay(claim=to_pay, by=manager, reference="SEPA-2026-0042", paid_on=AFTER)

    assert (paid.status, paid.paid_on, paid.payment_reference) == (
        "paid",
        AFTER,
        "SEPA-2026-0042",
    )
    assert paid.request.status == "closed"
    investment = Investment.objects.get()
    assert paid.investment == investment
    assert (investment.distributor, investment.date, investment.kind) == (
        distributor,
        AFTER,
        "market_funds",
    )
    assert investment.value == investment.amount == D("1800.00")
    assert DataChange.objects.filter(source="investments").exists()
    [notice] = notices(partner, "fund_claim_paid")
    assert notice.subject == "Fund claim paid: Hanover fair stand"
    assert notice.body == "€1,800.00 was paid on 10 July 2026 (reference SEPA-2026-0042)."
    assert notices(colleague, "fund_claim_paid") == []  # the admins hear of payments


def test_a_payment_adds_to_the_days_market_funds_investment(to_pay, manager, distributor):
    existing = factories.InvestmentFactory(
        distributor=distributor, date=AFTER, amount=D("5000"), value=D("5000")
    )

    services.claim_pay(claim=to_pay, by=manager, reference="SEPA-1", paid_on=AFTER)

    existing.refresh_from_db()
    assert (existing.amount, existing.value) == (D("6800.00"), D("6800.00"))
    assert Claim.objects.get().investment == existing
    assert Investment.objects.count() == 1


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"reference": " "}, "reference"),
        ({"reference": "x" * 101}, "reference"),
        ({"paid_on": datetime.date(2026, 7, 11)}, "paid_on"),
        ({"paid_on": "2026-07-10"}, "paid_on"),
    ],
)
def test_a_payment_that_does_not_hold_together_is_refused(to_pay, manager, over, field):
    fields = {"claim": to_pay, "by": manager, "reference": "SEPA-1", "paid_on": AFTER}

    with refused(ValidationFailed, field=field):
        services.claim_pay(**{**fields, **over})


def test_only_an_approved_claim_is_paid_and_only_by_the_manufacturer(
    claimed, to_pay, manager, partner
):
    with refused(NotAllowed):
        services.claim_pay(claim=to_pay, by=partner, reference="SEPA-1", paid_on=AFTER)
    services.claim_pay(claim=to_pay, by=manager, reference="SEPA-1", paid_on=AFTER)
    with refused(ValidationFailed, field="status"):
        services.claim_pay(claim=to_pay, by=manager, reference="SEPA-2", paid_on=AFTER)


def test_every_change_of_a_request_is_kept_with_who_and_when(to_pay, manager, partner):
    services.claim_pay(claim=to_pay, by=manager, reference="SEPA-1", paid_on=AFTER)

    steps = list(
        FundRequest.history.order_by("history_date", "history_id").values_list(
            "status", "history_user"
        )
    )
    assert steps == [
        ("submitted", partner.pk),
        ("approved", manager.pk),
        ("claimed", partner.pk),
        ("closed", manager.pk),
    ]
    claim_steps = list(
        Claim.history.order_by("history_date", "history_id").values_list("status", "history_user")
    )
    assert claim_steps == [
        ("submitted", partner.pk),
        ("approved", manager.pk),
        ("paid", manager.pk),
    ]
    assert Fund.history.count() == 1
