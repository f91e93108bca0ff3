"""The ratchet warning of the SMART check: a target that climbs after a good year by more than
it came down after a bad one is flagged, with the figures."""

import datetime
from decimal import Decimal

import pytest

from goals.models import Goal
from goals.smart import Draft, smart_check
from tests import factories
from tests.goals.terms_data import goal_fields

pytestmark = pytest.mark.django_db

D = Decimal
LANDMARKS = [(datetime.date(2026, 12, 31), D("120000"))]


def past_year(distributor, pumps, year, target, actual):
    return factories.GoalFactory(
        distributor=distributor,
        product_line=pumps,
        target=D(target),
        final_actual=D(actual),
        status="achieved" if actual >= target else "missed",
        start=datetime.date(year, 1, 1),
        due=datetime.date(year, 12, 31),
    )


def ratchet(distributor, pumps, target):
    goal = Goal(**goal_fields(distributor, pumps, unit="EUR", target=D(target)))
    verdict = smart_check(Draft(goal=goal, landmarks=LANDMARKS, bands=[]))
    return [f for f in verdict.findings if f.check == "ratchet"]


def test_a_target_rising_after_a_good_year_more_than_it_fell_after_a_bad_one_is_warned(
    today, distributor, pumps
):
    past_year(distributor, pumps, 2024, 100000, 90000)  # a bad year: 90 %
    past_year(distributor, pumps, 2025, 95000, 110000)  # cut by 5 %, then a good year
    (finding,) = ratchet(distributor, pumps, 114000)  # +20 % after the good year
    assert finding.severity == "warning"
    assert finding.letter == "realistic"
    assert "20.00 %" in finding.message and "-5.00 %" in finding.message
    assert "115.79 %" in finding.message and "90.00 %" in finding.message


def test_a_target_that_rises_no_more_than_it_fell_is_not_warned(today, distributor, pumps):
    past_year(distributor, pumps, 2024, 100000, 90000)
    past_year(distributor, pumps, 2025, 90000, 110000)  # cut by 10 %
    assert ratchet(distributor, pumps, 99000) == []  # +10 %: symmetric


def test_a_target_after_two_good_years_is_not_a_ratchet(today, distributor, pumps):
    past_year(distributor, pumps, 2024, 100000, 120000)
    past_year(distributor, pumps, 2025, 110000, 130000)
    assert ratchet(distributor, pumps, 150000) == []


def test_a_target_raised_after_a_bad_year_is_warned_when_the_earlier_good_year_raised_it(
    today, distributor, pumps
):
    past_year(distributor, pumps, 2024, 100000, 120000)  # good
    past_year(distributor, pumps, 2025, 110000, 99000)  # +10 % after it, then a bad year
    (finding,) = ratchet(distributor, pumps, 110000)  # held flat after the bad year
    assert "10.00 %" in finding.message


def test_without_two_finished_years_there_is_no_ratchet_to_tell(today, distributor, pumps):
    past_year(distributor, pumps, 2025, 95000, 110000)
    assert ratchet(distributor, pumps, 200000) == []


def test_a_rise_within_the_tolerance_of_the_fall_is_not_warned(today, distributor, pumps, settings):
    past_year(distributor, pumps, 2024, 100000, 90000)
    past_year(distributor, pumps, 2025, 90000, 110000)  # cut by 10 %
    settings.GOALS_RATCHET_TOLERANCE = 1.0
    assert ratchet(distributor, pumps, 99900) == []  # +11 %: one point over, within tolerance
    assert len(ratchet(distributor, pumps, 100000)) == 1  # +11.11 %: over it
    settings.GOALS_RATCHET_TOLERANCE = 0
    assert len(ratchet(distributor, pumps, 99900)) == 1
