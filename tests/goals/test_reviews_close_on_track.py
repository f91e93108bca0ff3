"""On-track landmark reviews close themselves once their figures are final (the daily job):
GOAL_REVIEW_SETTLE_DAYS after the landmark's month ended, measured again; a late correction
below the landmark reopens the review as a miss."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from goals import services
from goals.models import LandmarkReview
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def goal(today, distributor, pumps, manager, partner):
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2025, 1, 1), rate=1)
    return factories.agreed_goal(manager, partner, distributor=distributor, product_line=pumps)


def revenue(distributor, pumps, amount, months=(1, 2, 3)):
    for month in months:
        factories.RevenueRecordFactory(
            distributor=distributor,
            product_line=pumps,
            month=datetime.date(2026, month, 1),
            amount=Decimal(amount),
        )


def on_track(goal, index=0):
    landmark = goal.landmarks.order_by("date")[index]
    return factories.LandmarkReviewFactory(
        landmark=landmark,
        goal=goal,
        outcome="on_track",
        actual=landmark.expected,
        opened_at=timezone.now() - datetime.timedelta(days=70),
    )


def test_an_on_track_review_closes_once_its_month_is_settled_and_only_once(
    goal, distributor, pumps, settings
):
    settings.GOAL_REVIEW_SETTLE_DAYS = 30
    revenue(distributor, pumps, "12000")  # 36,000 by March 31 for 30,000 expected
    review = on_track(goal)

    assert services.reviews_close_on_track(today=datetime.date(2026, 6, 15)) == 1
    review.refresh_from_db()
    assert (review.status, review.closed_by, review.actual) == ("closed", None, Decimal("36000"))
    closed_at = review.closed_at
    assert services.reviews_close_on_track(today=datetime.date(2026, 6, 16)) == 0
    review.refresh_from_db()
    assert review.closed_at == closed_at


def test_an_on_track_review_waits_while_its_month_may_still_be_reported(
    goal, distributor, pumps, settings
):
    settings.GOAL_REVIEW_SETTLE_DAYS = 30
    revenue(distributor, pumps, "12000")
    review = on_track(goal)
    # March ended on the 31st: its figures are final 30 days after April 1st, on May 1st.
    assert services.reviews_close_on_track(today=datetime.date(2026, 4, 30)) == 0
    review.refresh_from_db()
    assert review.status == "open"
    assert services.reviews_close_on_track(today=datetime.date(2026, 5, 1)) == 1


def test_a_late_correction_below_the_landmark_reopens_the_review_as_a_miss(
    goal, distributor, pumps, partner, settings
):
    settings.GOAL_REVIEW_SETTLE_DAYS = 30
    revenue(distributor, pumps, "5000")  # 15,000 by March 31 for 30,000 expected
    review = on_track(goal)
    before = timezone.now()

    assert services.reviews_close_on_track(today=datetime.date(2026, 6, 15)) == 0
    review.refresh_from_db()
    assert (review.outcome, review.status, review.actual) == ("missed", "open", Decimal("15000"))
    assert review.opened_at >= before  # the accounting's time starts now, not at the landmark
    assert partner.notifications.filter(kind="landmark_review").exists()
    assert services.reviews_close_on_track(today=datetime.date(2026, 6, 16)) == 0


def test_missed_and_accounted_reviews_are_never_closed_by_the_job(goal, distributor, pumps):
    revenue(distributor, pumps, "12000")
    missed = factories.LandmarkReviewFactory(landmark=goal.landmarks.order_by("date")[0], goal=goal)
    assert services.reviews_close_on_track(today=datetime.date(2026, 6, 15)) == 0
    missed.refresh_from_db()
    assert (missed.status, missed.outcome) == ("open", "missed")


def test_the_daily_job_closes_them(goal, distributor, pumps, settings):
    settings.GOAL_REVIEW_SETTLE_DAYS = 30
    revenue(distributor, pumps, "12000")
    review = on_track(goal)
    result = services.goals_daily(today=datetime.date(2026, 6, 15))
    assert result["reviews_closed"] == 1
    assert LandmarkReview.objects.get(pk=review.pk).status == "closed"
