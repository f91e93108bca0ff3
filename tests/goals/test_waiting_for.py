"""What waits for the viewer: the rule a review's next act and a goal's awaited answer follow
is the services' own, read set-based (`next_act_computed`, stored by every write;
`Goal.awaiting_q`), and the goals list's `?waiting=me` shows exactly `goals_waiting_for`."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from goals import selectors, services
from goals.models import Goal, LandmarkReview, NextAct, Side
from tests import factories

pytestmark = pytest.mark.django_db


def _next(review):
    """The review's stored next act, which must be what the rule says now."""
    row = LandmarkReview.objects.next_act_computed().get(pk=review.pk)
    assert (row.next_act, row.next_side) == (row.computed_act, row.computed_side)
    return row


def test_a_review_is_ready_to_close_exactly_when_the_services_say_nothing_is_missing(
    today, distributor, manager, partner
):
    goal = factories.agreed_goal(manager, partner, distributor=distributor)
    landmarks = list(goal.landmarks.order_by("date"))
    due = datetime.date(2026, 7, 1)
    states = []
    bare = factories.LandmarkReviewFactory(landmark=landmarks[0], goal=goal)
    states.append((bare, NextAct.ACCOUNT, Side.PARTNER))
    by_manager = factories.LandmarkReviewFactory(landmark=landmarks[1], goal=goal)
    services.review_account(
        review=by_manager,
        by=manager,
        cause="pricing",
        explanation="Late",
        actions=[("A", None, due)],
    )
    states.append((by_manager, NextAct.ACKNOWLEDGE, Side.PARTNER))
    without_action = factories.LandmarkReviewFactory(landmark=landmarks[2], goal=goal)
    services.review_account(review=without_action, by=partner, cause="market", explanation="Cold")
    states.append((without_action, NextAct.ACCOUNT, Side.PARTNER))
    complete = factories.LandmarkReviewFactory(landmark=landmarks[3], goal=goal)
    services.review_account(
        review=complete, by=partner, cause="market", explanation="Cold", actions=[("B", None, due)]
    )
    states.append((complete, NextAct.CLOSE, Side.MANUFACTURER))
    for review, act, side in states:
        row = _next(review)
        assert (row.next_act, row.next_side) == (act, side), review
        ready = not services.review_missing(LandmarkReview.objects.get(pk=review.pk))
        assert (row.next_act == NextAct.CLOSE) == ready
    # A dropped action answers for nothing: the accounting is to be completed again.
    step = complete.actions.get()
    services.step_set_status(step=step, by=partner, status="dropped")
    assert _next(complete).next_act == NextAct.ACCOUNT
    assert services.review_missing(LandmarkReview.objects.get(pk=complete.pk))


def test_a_team_goals_review_waits_for_the_manufacturer(today, manager):
    goal = factories.goal_with_landmarks(level="team", distributor=None, owner=manager)
    review = factories.LandmarkReviewFactory(landmark=goal.landmarks.first(), goal=goal)
    row = _next(review)
    assert (row.next_act, row.next_side) == (NextAct.ACCOUNT, Side.MANUFACTURER)
    assert list(selectors.reviews_needing(manager)) == [review]


def test_awaiting_q_agrees_with_awaiting_side(today, distributor):
    for status in Goal.Status.values:
        for proposed_by in ("", Side.MANUFACTURER, Side.PARTNER):
            goal = factories.GoalFactory(
                distributor=distributor, status=status, proposed_by_side=proposed_by
            )
            for side in (Side.MANUFACTURER, Side.PARTNER):
                found = Goal.objects.filter(Goal.awaiting_q(side), pk=goal.pk).exists()
                assert found == (goal.awaiting_side == side), (status, proposed_by, side)


@pytest.fixture
def waiting(today, distributor, other_distributor, manager, partner, outsider):
    distributor.account_manager = manager
    distributor.save()
    by_partner = factories.goal_with_landmarks(
        distributor=distributor, status="proposed", proposed_by_side="partner"
    )
    by_manager = factories.goal_with_landmarks(
        distributor=distributor, status="counter_proposed", proposed_by_side="manufacturer"
    )
    amended = factories.agreed_goal(manager, partner, distributor=distributor)
    services.amendment_propose(
        goal=amended, by=manager, fields={"subtitle": "More pumps"}, reason="Clearer words"
    )
    factories.goal_with_landmarks(distributor=distributor, status="draft")
    rival = factories.goal_with_landmarks(
        distributor=other_distributor, status="proposed", proposed_by_side="manufacturer"
    )
    return {"by_partner": by_partner, "by_manager": by_manager, "amended": amended, "rival": rival}


def ids(goals):
    return {goal.pk for goal in goals}


def test_goals_waiting_for_each_side(waiting, manager, partner, colleague, outsider):
    assert ids(selectors.goals_waiting_for(manager)) == {waiting["by_partner"].pk}
    assert ids(selectors.goals_waiting_for(partner)) == {
        waiting["by_manager"].pk,
        waiting["amended"].pk,
    }
    assert ids(selectors.goals_waiting_for(colleague)) == set()
    assert ids(selectors.goals_waiting_for(outsider)) == {waiting["rival"].pk}


def test_the_goals_list_with_waiting_me_shows_exactly_them(
    login, waiting, manager, partner, colleague, outsider, distributor
):
    for user in (manager, partner, colleague, outsider):
        response = login(user).get(selectors.goals_waiting_url())
        assert response.status_code == 200
        shown = {row.goal.pk for row in response.context["rows"]}
        assert shown == ids(selectors.goals_waiting_for(user))
        assert response.context["page"].paginator.count == len(shown)
    response = login(partner).get(selectors.goals_waiting_url(distributor))
    assert {row.goal.pk for row in response.context["rows"]} == ids(
        selectors.goals_waiting_for(partner, distributor=distributor)
    )


def test_waiting_takes_me_only_on_the_page_and_the_api(login, token_client, waiting, partner):
    response = login(partner).get(reverse("goals:list"), {"waiting": "you"})
    assert "waiting" in response.context["form"].errors
    assert list(response.context["rows"]) == []
    api = token_client(partner)
    assert api.get(reverse("api:goal-list"), {"waiting": "you"}).status_code == 400
    body = api.get(reverse("api:goal-list"), {"waiting": "me"}).json()
    assert {row["id"] for row in body["results"]} == {
        waiting["by_manager"].pk,
        waiting["amended"].pk,
    }


def _stale():
    return list(LandmarkReview.objects.next_act_stale().values_list("pk", flat=True))


def test_every_service_that_changes_what_a_review_waits_for_stores_it(
    today, distributor, manager, partner
):
    goal = factories.agreed_goal(manager, partner, distributor=distributor)
    first, second, *_ = goal.landmarks.order_by("date")
    due = datetime.date(2026, 7, 1)
    # Opened by the daily job (the landmark's date has passed): a miss to account for.
    opened = services._review_complete(goal, first, Decimal("1"))
    assert (opened.next_act, _stale()) == (NextAct.ACCOUNT, [])
    services.review_account(
        review=opened, by=manager, cause="pricing", explanation="Late", actions=[("A", None, due)]
    )
    assert (_next(opened).next_act, _stale()) == (NextAct.ACKNOWLEDGE, [])
    services.review_acknowledge(review=opened, by=partner)
    assert (_next(opened).next_act, _stale()) == (NextAct.CLOSE, [])
    step = opened.actions.get()
    services.step_set_status(step=step, by=partner, status="dropped")
    assert (_next(opened).next_act, _stale()) == (NextAct.ACCOUNT, [])
    services.step_set_status(step=step, by=partner, status="todo")
    assert _next(opened).next_act == NextAct.CLOSE
    services.review_close(review=opened, by=manager)
    assert (_next(opened).next_act, _next(opened).next_side, _stale()) == (NextAct.NONE, "", [])

    # A miss answered by an adjustment of the goal both sides accept, not by an action.
    other = services._review_complete(goal, second, Decimal("1"))
    services.review_account(review=other, by=partner, cause="market", explanation="Cold")
    assert _next(other).next_act == NextAct.ACCOUNT
    amendment = services.amendment_propose(
        goal=goal, by=partner, fields={"description": "Fewer fairs."}, reason="Cold.", review=other
    )
    services.amendment_accept(amendment=amendment, by=manager)
    assert (_next(other).next_act, _stale()) == (NextAct.CLOSE, [])


def test_the_daily_job_repairs_a_stored_next_act_the_rule_disagrees_with(
    today, distributor, manager, partner
):
    goal = factories.agreed_goal(manager, partner, distributor=distributor)
    review = factories.LandmarkReviewFactory(landmark=goal.landmarks.first(), goal=goal)
    # A write that skipped the services (an import, a hand-made SQL fix).
    LandmarkReview.objects.filter(pk=review.pk).update(next_act=NextAct.NONE, next_side="")
    assert _stale() == [review.pk]
    assert list(selectors.reviews_needing(partner)) == []

    assert services.goals_daily(today=today)["next_acts_repaired"] == 1

    assert _stale() == []
    assert review in selectors.reviews_needing(partner)
