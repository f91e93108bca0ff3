"""The goals' "trainings completed" metric reads the completions of the distributor's people."""

import datetime
from decimal import Decimal

import pytest

from goals.metrics import Facts, metric_get
from partnership import services
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_distributor_goal_counts_the_courses_its_people_passed(
    manager, rep, outsider, course, plain_course, distributor, today
):
    services.completion_record(
        user=rep, course=course, completed_on=datetime.date(2026, 2, 3), by=manager
    )
    services.completion_record(
        user=rep, course=plain_course, completed_on=datetime.date(2026, 5, 20), by=manager
    )
    services.completion_record(  # before the period
        user=rep, course=plain_course, completed_on=datetime.date(2025, 12, 20), by=manager
    )
    services.completion_record(  # another distributor's
        user=outsider, course=course, completed_on=datetime.date(2026, 3, 3), by=manager
    )
    goal = factories.GoalFactory(
        distributor=distributor,
        metric="trainings",
        start=datetime.date(2026, 1, 1),
        due=datetime.date(2026, 12, 31),
        target=Decimal(10),
        baseline=Decimal(0),
        unit="",
    )
    metric = metric_get("trainings")
    facts = Facts.for_goals([goal], as_of=today)
    actual = metric.actual(goal, facts, as_of=today)
    assert actual.value == 2
    assert "2" in actual.how


def test_a_team_goal_counts_the_courses_passed_across_the_channel(
    manager, rep, outsider, course, today
):
    services.completion_record(
        user=rep, course=course, completed_on=datetime.date(2026, 2, 3), by=manager
    )
    services.completion_record(
        user=outsider, course=course, completed_on=datetime.date(2026, 3, 3), by=manager
    )
    team = factories.GoalFactory(
        level="team",
        distributor=None,
        metric="trainings",
        target=Decimal(9),
        baseline=Decimal(0),
        unit="",
    )
    actual = metric_get("trainings").actual(team, Facts.for_goals([team], as_of=today), as_of=today)
    assert actual.value == 2
