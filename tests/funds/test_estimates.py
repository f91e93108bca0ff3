"""The nightly impact estimates (funds.estimates): a paid activity's stored estimate recovers the
effect injected into a generated revenue panel within its interval; a second run writes nothing;
only what changed is recomputed; the comparison leaves out the distributors of other
treatments; what cannot be estimated is stored with its reason."""

import datetime
from decimal import Decimal

import numpy as np
import pytest

from distributors.models import RevenueRecord
from funds import estimates, impact, tasks, treatments
from funds.models import REASON_TEXTS, ImpactEstimate
from tests import factories
from tests.funds.panels import (
    ACTIVITY_END,
    ACTIVITY_START,
    EFFECT_END,
    ESTIMATED_ON,
    FIRST_MONTH,
    LAST_MONTH,
    PAID_ON,
    activity_approved,
    activity_paid,
    activity_settle,
    distributors_make,
    month_of,
    panel,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def channel(distributor):
    """300 distributors, acme (`distributor`) first, with 29 months of revenue (April 2024 to
    November 2026) in which acme's revenue from July to November 2026 is 12 % above its path."""
    everyone = distributors_make(300, first=distributor)
    truth = panel(1, everyone, noise=0.03)
    return everyone, truth[0]


@pytest.fixture
def paid(channel, allocation, partner, manager, travel):
    return activity_paid(allocation=allocation, partner=partner, manager=manager, travel=travel)


def refresh(travel, day=ESTIMATED_ON):
    travel(day)
    return estimates.impact_estimates_refresh()


def test_the_stored_estimate_of_a_paid_activity_recovers_the_injected_effect(
    channel, paid, travel, distributor
):
    _everyone, truth = channel

    done = refresh(travel)

    assert done == {"estimated": 1, "refused": 0, "unchanged": 0, "deleted": 0}
    row = ImpactEstimate.objects.get()
    assert (row.kind, row.subject_id, row.distributor) == ("fund_request", paid.pk, distributor)
    assert (row.first_month, row.last_month, row.effect_end) == (
        FIRST_MONTH,
        LAST_MONTH,
        EFFECT_END,
    )
    assert row.is_estimated and row.reason == ""
    assert row.low <= D(str(round(truth, 2))) <= row.high
    assert float(row.incremental) == pytest.approx(truth, rel=0.6)
    assert float(row.effect_percent) == pytest.approx(12, abs=8)
    assert row.method == "did_matched" and row.peers == 10
    assert (row.pre_months, row.post_months, row.confidence) == (12, 5, D("0.90"))
    # What the manufacturer paid: half of the actual cost of 3,600.
    assert row.invested == D("1800.00")
    assert row.overlaps == 0
    draws = row.draws_array()
    assert draws.size == estimates.DRAWS
    assert np.quantile(draws, 0.05) == pytest.approx(float(row.low), abs=1)
    assert row.method_text == "Difference-in-differences against 10 matched peers"


def test_the_stored_estimate_is_the_estimators_on_the_same_panel(channel, paid, travel):
    everyone, _truth = channel
    refresh(travel)
    row = ImpactEstimate.objects.get()

    frame = estimates.revenue_panel(since=month_of(0), until=EFFECT_END)
    direct = impact.estimate(
        frame,
        treated=everyone[0].pk,
        first_month=FIRST_MONTH,
        last_month=LAST_MONTH,
        exclude=[everyone[0].pk],
    )

    assert row.incremental == D(repr(direct.incremental)).quantize(D("0.01"))
    assert (row.low, row.high) == (
        D(repr(direct.low)).quantize(D("0.01")),
        D(repr(direct.high)).quantize(D("0.01")),
    )


def test_a_second_run_on_the_same_revenue_writes_nothing(channel, paid, travel):
    refresh(travel)
    before = list(ImpactEstimate.objects.values())

    again = refresh(travel, ESTIMATED_ON + datetime.timedelta(days=1))

    assert again == {"estimated": 0, "refused": 0, "unchanged": 1, "deleted": 0}
    assert list(ImpactEstimate.objects.values()) == before


def test_a_revenue_correction_in_the_window_recomputes_the_estimate(channel, paid, travel):
    everyone, _truth = channel
    refresh(travel)
    first = ImpactEstimate.objects.get()
    # A peer's September revenue is corrected.
    RevenueRecord.objects.filter(distributor=everyone[7], month=datetime.date(2026, 9, 1)).update(
        reporting_amount=D("1.00"), amount=D("1.00")
    )

    again = refresh(travel, ESTIMATED_ON + datetime.timedelta(days=1))

    assert again["estimated"] == 1 and again["unchanged"] == 0
    second = ImpactEstimate.objects.get()
    assert second.pk == first.pk and second.digest != first.digest
    assert second.computed_at > first.computed_at


def test_revenue_outside_every_window_changes_nothing(channel, paid, travel):
    everyone, _truth = channel
    refresh(travel)
    RevenueRecord.objects.filter(distributor=everyone[7], month=month_of(0)).update(
        reporting_amount=D("1.00")
    )

    assert refresh(travel)["unchanged"] == 1


def test_an_activity_whose_effect_window_is_not_over_waits(channel, paid, travel):
    # November, the window's last month, is still running.
    assert refresh(travel, datetime.date(2026, 11, 30))["estimated"] == 0
    assert not ImpactEstimate.objects.exists()

    assert refresh(travel, datetime.date(2026, 12, 1))["estimated"] == 1


def test_an_activity_approved_but_not_paid_is_not_estimated(
    channel, allocation, partner, manager, travel
):
    request = activity_approved(allocation=allocation, partner=partner, manager=manager)
    travel(PAID_ON)
    activity_settle(request, partner=partner, manager=manager, pay=False)

    assert refresh(travel)["estimated"] == 0
    assert not ImpactEstimate.objects.exists()


def test_a_distributor_without_enough_history_is_stored_with_the_reason(
    allocation, partner, manager, travel, distributor
):
    everyone = distributors_make(30, first=distributor)
    panel(2, everyone)
    RevenueRecord.objects.filter(
        distributor=distributor, month__lt=datetime.date(2026, 1, 1)
    ).delete()
    activity_paid(allocation=allocation, partner=partner, manager=manager, travel=travel)

    assert refresh(travel)["refused"] == 1

    row = ImpactEstimate.objects.get()
    assert row.reason == "too_few_pre_months" and row.incremental is None
    assert row.low is None and row.high is None and not row.is_estimated
    assert row.method_text == ""
    assert row.reason_text == REASON_TEXTS["too_few_pre_months"]


def test_a_month_with_a_row_without_exchange_rate_is_not_reported(channel, paid, travel):
    everyone, _truth = channel
    acme = everyone[0]
    second_line = factories.ProductLineFactory(code="second")
    RevenueRecord.objects.create(
        distributor=acme,
        month=datetime.date(2026, 8, 1),
        product_line=second_line,
        currency="USD",
        amount=D("100.00"),
    )

    frame = estimates.revenue_panel(since=datetime.date(2026, 7, 1), until=EFFECT_END)
    august = frame[
        (frame["distributor"] == acme.pk) & (frame["month"] == datetime.date(2026, 8, 1))
    ]
    assert august["revenue"].isna().all() and len(august) == 1

    refresh(travel)
    assert ImpactEstimate.objects.get().reason == "treated_missing_months"


def test_the_distributors_of_other_treatments_are_left_out_of_the_comparison(channel):
    everyone, _truth = channel
    ids = [each.pk for each in everyone]
    frame = estimates.revenue_panel(since=month_of(0), until=EFFECT_END)
    matrix = impact.revenue_matrix(frame)
    source = treatments.source_get("fund_request")
    this = source.treatment(
        subject_id=1, distributors=[ids[0]], start=ACTIVITY_START, end=ACTIVITY_END
    )
    # Another distributor's activity in acme's pre-period, one long before the window, a
    # programme acme is not in, and one it shares with the whole channel but three.
    during = source.treatment(
        subject_id=2,
        distributors=[ids[1]],
        start=datetime.date(2026, 1, 5),
        end=datetime.date(2026, 1, 6),
    )
    before = source.treatment(
        subject_id=3, distributors=[ids[2]], start=month_of(0), end=month_of(1)
    )
    programme = treatments.Treatment(
        kind="programme", subject_id=1, distributors=tuple(ids[3:6]),
        first_month=datetime.date(2026, 3, 1), last_month=datetime.date(2026, 5, 1),
    )  # fmt: skip
    shared = treatments.Treatment(
        kind="programme", subject_id=2, distributors=tuple(ids[:-3]),
        first_month=datetime.date(2026, 3, 1), last_month=datetime.date(2026, 5, 1),
    )  # fmt: skip
    exposures = estimates.Exposures(matrix, [this, during, before, programme, shared])
    begin = estimates._ordinal(FIRST_MONTH) - estimates.PRE_MONTHS

    left_out, _digest = exposures.left_out(this, ids[0], begin, estimates._ordinal(EFFECT_END))

    assert set(left_out) == {ids[0], ids[1], ids[3], ids[4], ids[5]}
    assert exposures.overlaps(this, ids[0], begin, estimates._ordinal(EFFECT_END)) == 1
    # Estimating the shared programme for acme leaves out its other participants.
    left_out, _digest = exposures.left_out(shared, ids[0], begin, estimates._ordinal(EFFECT_END))
    assert set(left_out) >= set(ids[:-3]) and not set(left_out) & set(ids[-3:])


def test_the_estimate_of_a_request_no_longer_due_is_deleted(channel, paid, travel):
    refresh(travel)
    kept = ImpactEstimate.objects.get()
    ImpactEstimate.objects.create(
        kind="fund_request",
        subject_id=paid.pk + 1000,
        distributor=kept.distributor,
        first_month=FIRST_MONTH,
        last_month=LAST_MONTH,
        effect_end=EFFECT_END,
        method="auto",
        confidence=D("0.90"),
        reason="treated_missing_months",
        digest="x",
    )

    assert refresh(travel)["deleted"] == 1
    assert list(ImpactEstimate.objects.all()) == [kept]


def test_the_readers_reason_exists_for_every_reason_of_the_estimator():
    assert set(REASON_TEXTS) == set(impact.REASONS)


def test_the_nightly_task_runs_the_service(channel, paid, travel):
    travel(ESTIMATED_ON)
    assert tasks.impact_estimates_refresh.apply().get()["estimated"] == 1


def test_without_any_revenue_the_activity_is_stored_with_the_reason(
    allocation, partner, manager, travel
):
    activity_paid(allocation=allocation, partner=partner, manager=manager, travel=travel)

    assert refresh(travel)["refused"] == 1
    assert ImpactEstimate.objects.get().reason == "treated_missing_months"
