"""A goal notice that asks for an act is done once anyone does it (every recipient's copy): a
goal answered (accepted, countered) or closed, an amendment decided or withdrawn, a review
accounted or closed, an overdue step done or dropped; the badge drops. Nobody is told of their
own act."""

import datetime
from decimal import Decimal

import pytest

from goals import services
from goals.models import ActionStep
from notifications.models import Notification
from tests import factories
from tests.goals.test_services import terms
from tests.notifications.badge import unread_badge

pytestmark = pytest.mark.django_db


@pytest.fixture
def pumps(distributor, manager):
    distributor.account_manager = manager
    distributor.save()
    line = factories.ProductLineFactory(code="pumps", name="Pumps")
    distributor.product_lines.add(line)
    return line


@pytest.fixture
def second_admin(distributor):
    return factories.MembershipFactory(
        user=factories.UserFactory(username="second-admin"), distributor=distributor, role="admin"
    ).user


@pytest.fixture
def offered(today, distributor, pumps, manager, partner, second_admin):
    """A goal the manager proposed to acme: both its admins are asked to answer."""
    draft = services.goal_create(by=manager, terms=terms(distributor, pumps))
    return services.goal_propose(goal=draft, by=manager)


def kinds(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_one_admin_accepting_a_goal_marks_both_admins_notices_done(
    login, offered, partner, second_admin
):
    theirs = login(second_admin)
    assert unread_badge(theirs) == 1

    services.goal_accept(goal=offered, by=partner)

    assert Notification.objects.get(recipient=second_admin, kind="goal_proposed").is_done
    assert unread_badge(theirs) == 1  # what is left: "goal agreed", which asks for nothing
    assert kinds(second_admin) == ["goal_agreed", "goal_proposed"]
    assert kinds(partner) == ["goal_proposed"]  # told nothing of its own acceptance


def test_a_partner_admin_who_counter_proposes_is_not_told_of_its_own_counter(
    login, offered, partner, second_admin, manager, distributor, pumps
):
    services.goal_counter(
        goal=offered,
        by=partner,
        terms=terms(distributor, pumps, target=Decimal("115000"), reason="Softer market."),
    )

    assert unread_badge(login(partner)) == 0
    assert unread_badge(login(second_admin)) == 0
    assert kinds(partner) == ["goal_proposed"]  # the manager's proposal, now answered
    counter = Notification.objects.get(recipient=manager, kind="goal_proposed")
    assert not counter.is_done and "Counter-proposal" in counter.body
    assert unread_badge(login(manager)) == 1


def test_countering_back_marks_the_counter_done_and_asks_the_other_side_again(
    login, offered, partner, manager, distributor, pumps
):
    services.goal_counter(
        goal=offered, by=partner, terms=terms(distributor, pumps, target=Decimal("115000"))
    )
    services.goal_counter(
        goal=offered, by=manager, terms=terms(distributor, pumps, target=Decimal("118000"))
    )

    assert unread_badge(login(manager)) == 0
    mine = Notification.objects.filter(recipient=partner, kind="goal_proposed")
    assert [n.is_done for n in mine] == [False, True]  # newest first: the counter waits
    assert unread_badge(login(partner)) == 1


def test_closing_a_proposed_goal_marks_its_notices_done(login, offered, manager, partner):
    services.goal_close(goal=offered, by=manager, reason="The range is discontinued.")

    assert unread_badge(login(partner)) == 0


@pytest.fixture
def active(offered, partner):
    goal = services.goal_accept(goal=offered, by=partner)
    Notification.objects.all().delete()
    return goal


def amend(goal, by):
    return services.amendment_propose(
        goal=goal, by=by, fields={"target": Decimal("130000")}, reason="Strong market."
    )


@pytest.mark.parametrize("answer", ["accept", "reject"])
def test_answering_an_amendment_marks_its_notice_done(login, active, manager, partner, answer):
    amendment = amend(active, manager)
    client = login(partner)
    assert unread_badge(client) == 1
    assert kinds(manager) == []  # the author is not told of its own amendment

    getattr(services, f"amendment_{answer}")(amendment=amendment, by=partner)

    assert unread_badge(client) == 0
    assert unread_badge(login(manager)) == 1  # "your amendment was accepted/rejected"


def test_withdrawing_an_amendment_marks_the_other_sides_notice_done(
    login, active, manager, partner
):
    amendment = amend(active, manager)

    services.amendment_reject(amendment=amendment, by=manager)

    assert unread_badge(login(partner)) == 0
    assert kinds(manager) == []


@pytest.fixture
def missed(today, distributor, pumps, partner, manager):
    """An active goal whose March landmark was missed; its review is open, both sides told."""
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2024, 1, 1), rate=1)
    goal = factories.goal_with_landmarks(
        distributor=distributor, product_line=pumps, status="active"
    )
    assert services.reviews_open_due(today=today) == 1
    return goal.reviews.get()


def test_accounting_for_a_review_marks_both_sides_notices_done(login, missed, partner, manager):
    assert unread_badge(login(manager)) == 1

    services.review_account(
        review=missed, by=partner, cause="supply", explanation="The new pump came late."
    )

    assert unread_badge(login(manager)) == 0
    assert unread_badge(login(partner)) == 0


def test_closing_an_on_track_review_marks_its_notices_done(
    login, today, distributor, pumps, manager, partner
):
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2024, 1, 1), rate=1)
    goal = factories.goal_with_landmarks(
        distributor=distributor, product_line=pumps, status="active"
    )
    for month in (1, 2, 3):
        factories.RevenueRecordFactory(
            distributor=distributor,
            month=datetime.date(2026, month, 1),
            product_line=pumps,
            amount=Decimal("20000"),
        )
    services.reviews_open_due(today=today)
    review = goal.reviews.get()
    assert review.outcome == "on_track" and unread_badge(login(partner)) == 1

    services.review_close(review=review, by=manager)

    assert unread_badge(login(partner)) == 0


@pytest.mark.parametrize("status", [ActionStep.Status.DONE, ActionStep.Status.DROPPED])
def test_an_overdue_step_done_or_dropped_marks_its_reminder_done(
    login, today, active, partner, status
):
    step = factories.ActionStepFactory(
        goal=active, owner=partner, due=today - datetime.timedelta(days=3)
    )
    other = factories.ActionStepFactory(
        goal=active, owner=partner, due=today - datetime.timedelta(days=2)
    )
    assert services.steps_overdue_notify(today=today) == 1
    client = login(partner)

    services.step_set_status(step=step, by=partner, status=status)
    assert unread_badge(client) == 1  # the other step is still overdue

    services.step_set_status(step=other, by=partner, status=ActionStep.Status.DOING)
    assert unread_badge(client) == 1  # in progress is not done
    services.step_set_status(step=other, by=partner, status=ActionStep.Status.DONE)
    assert unread_badge(client) == 0
