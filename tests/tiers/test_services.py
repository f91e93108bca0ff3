import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from distributors.models import Distributor
from drm.errors import NotAllowed, ValidationFailed
from notifications.models import Notification
from tests import factories
from tiers import services
from tiers.models import TierReview, TierShortfall
from tiers.requirements import requirement_get, requirement_list

DAY = datetime.timedelta(days=1)


def open_review(distributor):
    return TierReview.objects.get(distributor=distributor, status="proposed")


def test_an_upgrade_is_proposed_the_night_it_is_earned_with_its_figures(
    today, tiers, distributor, revenue, certify
):
    revenue(distributor, 120000)
    certify(distributor, 2)
    run = services.tiers_requalify(as_of=today)
    review = open_review(distributor)
    assert (review.current_tier, review.proposed_tier) == (tiers["silver"], tiers["gold"])
    assert review.direction == "up"
    assert Decimal(review.figures["revenue_12m"]["value"]) == Decimal("120000.00")
    assert review.figures["revenue_12m"]["held"] == "20000.00"
    assert review.figures["revenue_12m"]["earned"] == "100000.00"
    assert review.figures["certified_reps"]["value"] == "2"
    assert run.counts["proposed"] == 1
    distributor.refresh_from_db()
    assert distributor.tier == tiers["silver"]  # a proposal changes nothing until confirmed


def test_running_twice_the_same_day_proposes_nothing_new(
    today, tiers, distributor, revenue, certify
):
    revenue(distributor, 120000)
    certify(distributor, 2)
    services.tiers_requalify(as_of=today)
    again = services.tiers_requalify(as_of=today)
    assert again.counts["proposed"] == 0 and again.counts["kept"] == 1
    assert TierReview.objects.count() == 1


def test_a_downgrade_waits_for_the_grace_period(today, tiers, distributor, settings):
    settings.TIER_DOWNGRADE_GRACE_DAYS = 90
    # No revenue: short of silver's 20,000.
    services.tiers_requalify(as_of=today)
    assert not TierReview.objects.exists()
    assert TierShortfall.objects.get(distributor=distributor).since == today
    services.tiers_requalify(as_of=today + 89 * DAY)
    assert not TierReview.objects.exists()
    services.tiers_requalify(as_of=today + 90 * DAY)
    review = open_review(distributor)
    assert review.direction == "down" and review.proposed_tier == tiers["bronze"]
    assert review.short_since == today


def test_meeting_the_tier_again_ends_the_shortfall(today, tiers, distributor, revenue):
    services.tiers_requalify(as_of=today)
    assert TierShortfall.objects.filter(distributor=distributor).exists()
    revenue(distributor, 30000)
    services.tiers_requalify(as_of=today)
    assert not TierShortfall.objects.filter(distributor=distributor).exists()


def test_a_proposal_is_withdrawn_when_a_later_run_finds_the_distributor_back_in_its_tier(
    today, tiers, distributor, revenue, certify
):
    revenue(distributor, 120000)
    certify(distributor, 2)
    services.tiers_requalify(as_of=today)
    services.requirement_save(
        by=factories.ManagerFactory(), tier=tiers["gold"], key="certified_reps", threshold="5"
    )
    run = services.tiers_requalify(as_of=today)
    assert run.counts["withdrawn"] == 1
    assert TierReview.objects.get(distributor=distributor).status == "withdrawn"


def test_confirming_changes_the_tier_and_the_distributors_history_shows_it(
    today, tiers, distributor, revenue, certify, manager
):
    revenue(distributor, 120000)
    certify(distributor, 2)
    services.tiers_requalify(as_of=today)
    review = services.review_confirm(review=open_review(distributor), by=manager)
    distributor.refresh_from_db()
    assert distributor.tier == tiers["gold"]
    assert review.status == "confirmed" and review.tier_set == tiers["gold"]
    assert review.decided_by == manager
    latest = Distributor.history.filter(id=distributor.pk).order_by("-history_id").first()
    assert latest.tier_id == tiers["gold"].pk and latest.history_user == manager


def test_a_proposal_is_decided_once(today, tiers, distributor, revenue, certify, manager):
    revenue(distributor, 120000)
    certify(distributor, 2)
    services.tiers_requalify(as_of=today)
    review = open_review(distributor)
    services.review_confirm(review=review, by=manager)
    with pytest.raises(ValidationFailed):
        services.review_override(review=review, by=manager, reason="No")


def test_overriding_needs_a_reason_and_keeps_the_tier(
    today, tiers, distributor, revenue, certify, manager
):
    revenue(distributor, 120000)
    certify(distributor, 2)
    services.tiers_requalify(as_of=today)
    review = open_review(distributor)
    with pytest.raises(ValidationFailed) as refused:
        services.review_override(review=review, by=manager, reason="  ")
    assert refused.value.field == "reason"
    services.review_override(review=review, by=manager, reason="New territory, wait a year")
    distributor.refresh_from_db()
    assert distributor.tier == tiers["silver"]
    review.refresh_from_db()
    assert review.status == "overridden" and review.tier_set == tiers["silver"]
    # Turned down: not proposed again the next night.
    assert services.tiers_requalify(as_of=today + DAY).counts["proposed"] == 0


def test_overriding_may_set_another_tier(today, tiers, distributor, revenue, certify, manager):
    revenue(distributor, 120000)
    certify(distributor, 2)
    services.tiers_requalify(as_of=today)
    services.review_override(
        review=open_review(distributor), by=manager, reason="Bronze", tier=tiers["bronze"]
    )
    distributor.refresh_from_db()
    assert distributor.tier == tiers["bronze"]


def test_a_partner_cannot_decide(today, tiers, distributor, revenue, certify, partner):
    revenue(distributor, 120000)
    certify(distributor, 2)
    services.tiers_requalify(as_of=today)
    with pytest.raises(NotAllowed):
        services.review_confirm(review=open_review(distributor), by=partner)


def test_only_active_and_probation_distributors_are_requalified(today, tiers, revenue, certify):
    onboarding = factories.DistributorFactory(tier=tiers["silver"], status="onboarding")
    probation = factories.DistributorFactory(tier=tiers["silver"], status="probation")
    for d in (onboarding, probation):
        revenue(d, 120000)
        certify(d, 2)
    services.tiers_requalify(as_of=today)
    assert set(TierReview.objects.values_list("distributor", flat=True)) == {probation.pk}


def test_the_account_manager_is_told_of_a_proposal(today, tiers, distributor, revenue, certify):
    account_manager = factories.ManagerFactory(username="am")
    distributor.account_manager = account_manager
    distributor.save()
    revenue(distributor, 120000)
    certify(distributor, 2)
    services.tiers_requalify(as_of=today)
    notice = Notification.objects.get(recipient=account_manager, kind="tier_change_proposed")
    assert "acme: silver → gold" in notice.body
    services.tiers_requalify(as_of=today)
    assert Notification.objects.filter(kind="tier_change_proposed").count() == 1


def test_the_requalification_asks_a_constant_number_of_queries(
    today, tiers, revenue, certify, manager
):
    for tier, key, threshold in (
        ("gold", "growth", "5"),
        ("gold", "goal_attainment", "80"),
        ("gold", "lead_acceptance", "90"),
        ("gold", "timely_reports", "90"),
        ("gold", "agreement_accepted", "1"),
    ):
        services.requirement_save(by=manager, tier=tiers[tier], key=key, threshold=threshold)

    def queries(count):
        for _ in range(count):
            d = factories.DistributorFactory(tier=tiers["silver"])
            revenue(d, 120000)
        TierReview.objects.all().delete()
        TierShortfall.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            services.tiers_requalify(as_of=today, notify=False)
        return len(captured)

    assert queries(2) == queries(6)


def test_set_based_figures_equal_each_distributors_own(
    today, tiers, distributor, other_distributor, revenue, certify
):
    revenue(distributor, 50000)
    revenue(other_distributor, 7000, months=6)
    certify(other_distributor, 1)
    ids = [distributor.pk, other_distributor.pk]
    for requirement in requirement_list():
        together = requirement.figures(ids, today)
        for d in ids:
            alone = requirement.figures([d], today)
            assert requirement.value_of(together, d) == requirement.value_of(alone, d), (
                requirement.key
            )


def test_timely_reports_counts_the_months_under_contract(today, tiers, distributor, revenue):
    revenue(distributor, 6000, months=6)
    timely = requirement_get("timely_reports")
    assert timely.figures([distributor.pk], today)[distributor.pk] == Decimal("50.00")
    distributor.contract_start = datetime.date(2025, 12, 1)
    distributor.save()
    assert timely.figures([distributor.pk], today)[distributor.pk] == Decimal("100.00")


def test_a_threshold_must_be_a_number_in_its_unit(tiers, manager):
    with pytest.raises(ValidationFailed):
        services.requirement_save(
            by=manager, tier=tiers["gold"], key="agreement_accepted", threshold="2"
        )
    with pytest.raises(ValidationFailed):
        services.requirement_save(by=manager, tier=tiers["gold"], key="nope", threshold="2")
    with pytest.raises(NotAllowed):
        services.requirement_save(
            by=factories.UserFactory(), tier=tiers["gold"], key="growth", threshold="2"
        )


class FakeTier:
    def __init__(self, pk, rank):
        self.pk, self.rank = pk, rank


KEYS = ["revenue_12m", "certified_reps", "growth"]


@settings(max_examples=200, deadline=None)
@given(
    thresholds=st.lists(
        st.dictionaries(st.sampled_from(KEYS), st.integers(0, 100)), min_size=1, max_size=4
    ),
    values=st.dictionaries(st.sampled_from(KEYS), st.none() | st.integers(0, 100)),
)
def test_the_earned_tier_is_the_best_whose_every_requirement_is_met(thresholds, values):
    tiers = [FakeTier(pk, rank) for rank, pk in enumerate(range(1, len(thresholds) + 1), 1)]
    by_tier = {
        tier.pk: [(requirement_get(key), Decimal(limit)) for key, limit in rows.items()]
        for tier, rows in zip(tiers, thresholds, strict=True)
    }
    figures = {key: {} if values.get(key) is None else {7: Decimal(values[key])} for key in KEYS}

    def met(tier):
        for key, limit in thresholds[tier.pk - 1].items():
            value = requirement_get(key).value_of(figures[key], 7)
            if value is None or value < limit:
                return False
        return True

    earned = services.earned_tier(tiers, by_tier, figures, 7)
    qualifying = [tier for tier in tiers if met(tier)]
    if qualifying:
        assert earned is min(qualifying, key=lambda tier: tier.rank)
    else:
        assert earned is tiers[-1]


def test_the_revenue_requirements_read_the_scorings_figures(
    today, tiers, distributor, other_distributor, revenue, line
):
    from scoring.metrics import metric_get

    revenue(distributor, 50000)
    factories.RevenueRecordFactory(
        distributor=distributor, product_line=line, month=datetime.date(2024, 12, 1), amount=40000
    )
    revenue(other_distributor, 7000, months=6)
    ids = [distributor.pk, other_distributor.pk]
    for key, metric in (("revenue_12m", "revenue_t12m"), ("growth", "revenue_growth")):
        scoring = metric_get(metric)
        expected = {
            d: Decimal(scoring.raw(*pair[:2])).quantize(Decimal("0.01"))
            for d, pair in scoring.inputs(today, ids).items()
        }
        assert requirement_get(key).figures(ids, today) == expected, key
