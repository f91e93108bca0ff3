"""The notifications goals send: proposals to answer, agreements, reviews to account for,
early warnings and overdue steps. A notice never fails the act it reports on."""

import logging
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from distributors.models import Distributor
from identity.models import Membership
from leads.notices import _send, channel_managers, partner_admins
from notifications.kinds import Delivery, Kind, register
from notifications.services import act_key

log = logging.getLogger(__name__)

GOAL_PROPOSED = register(Kind("goal_proposed", _("Goals proposed to me or countered")))
GOAL_AGREED = register(Kind("goal_agreed", _("Goals agreed by both sides")))
AMENDMENT = register(Kind("goal_amendment", _("Amendments of agreed goals")))
REVIEW_OPENED = register(Kind("landmark_review", _("Landmark reviews to look at")))
GOAL_AT_RISK = register(Kind("goal_at_risk", _("Goals at risk of missing a landmark")))
STEP_OVERDUE = register(
    Kind("step_overdue", _("Action steps past their due date"), Delivery.DIGEST)
)


# The acts notices ask for: services resolve them when they are done (by anyone).
def goal_answer(goal_id):
    """Answer the terms on the table (accept or counter)."""
    return act_key("goal", goal_id, "answer")


def amendment_answer(amendment_id):
    return act_key("amendment", amendment_id, "answer")


def review_account(review_id):
    """Look at an open landmark review and account for a miss."""
    return act_key("review", review_id, "account")


def step_do(step_id):
    """Do an overdue action step (or drop it)."""
    return act_key("step", step_id, "do")


def _other_side(goal, by):
    """Whoever answers for the other side of `goal` than `by`."""
    from .models import Side
    from .services import goal_side

    side = goal_side(by, goal)
    if side == Side.MANUFACTURER:
        return partner_admins(goal.distributor_id) if goal.distributor_id else []
    return channel_managers(goal.distributor_id)


def _both_sides(goal):
    return _both_sides_of([goal])(goal)


def goal_proposed_notify(goal, *, by, proposal=None):
    """The other side hears of terms to answer; of a counter-proposal, what changed and why."""
    from .formats import GoalTitle
    from .terms import ChangeSummary

    if proposal is not None and proposal.kind == "counter":
        body = _(
            "Counter-proposal.\nWhat changed: %(changes)s\nWhy: %(reason)s\nAccept it, or "
            "answer with a counter-proposal."
        )
        context = {
            "title": GoalTitle(goal),
            "changes": ChangeSummary(goal, proposal.previous, proposal.changes),
            "reason": proposal.reason,
        }
    else:
        body = _("Accept it, or answer with a counter-proposal.")
        context = {"title": GoalTitle(goal)}
    _send(
        _other_side(goal, by),
        kind=GOAL_PROPOSED.slug,
        subject=_("A goal awaits your answer: %(title)s"),
        body=body,
        link=reverse("goals:detail", args=[goal.pk]),
        context=context,
        acts=[goal_answer(goal.pk)],
        actor=by,
    )


def goal_agreed_notify(goal, *, by):
    from .formats import GoalTitle

    _send(
        _both_sides(goal),
        kind=GOAL_AGREED.slug,
        subject=_("Goal agreed: %(title)s"),
        body=_("Both sides have accepted the goal; it goes into the contract annex."),
        link=reverse("goals:detail", args=[goal.pk]),
        context={"title": GoalTitle(goal)},
        actor=by,
    )


def amendment_proposed_notify(amendment, *, by):
    from .formats import GoalTitle
    from .terms import ChangeSummary

    goal = amendment.goal
    _send(
        _other_side(goal, by),
        kind=AMENDMENT.slug,
        subject=_("An amendment awaits your answer: %(title)s"),
        body=_(
            "The goal is agreed; the change applies once you accept it.\nWhat changes: "
            "%(changes)s\nWhy: %(reason)s"
        ),
        link=reverse("goals:detail", args=[goal.pk]),
        context={
            "title": GoalTitle(goal),
            "changes": ChangeSummary(goal, amendment.previous, amendment.changes),
            "reason": amendment.reason,
        },
        acts=[amendment_answer(amendment.pk)],
        actor=by,
    )


def amendment_decided_notify(amendment, *, by):
    from .formats import GoalTitle

    goal = amendment.goal
    _send(
        [amendment.proposed_by],
        kind=AMENDMENT.slug,
        # One sentence per decision: a status label put into the sentence was the caller's
        # language, not the reader's.
        subject=(
            _("Your amendment was accepted: %(title)s")
            if amendment.status == amendment.Status.ACCEPTED
            else _("Your amendment was rejected: %(title)s")
        ),
        body=_("See the goal's history for the terms now in force."),
        link=reverse("goals:detail", args=[goal.pk]),
        context={"title": GoalTitle(goal)},
        actor=by,
    )


def _both_sides_of(goals):
    """goal → the people of both its sides, for many goals at once: a fixed number of queries
    whatever the number of distributors (a daily run may report on thousands of goals)."""
    distributor_ids = {goal.distributor_id for goal in goals if goal.distributor_id}
    account_managers = dict(
        Distributor.objects.filter(pk__in=distributor_ids, account_manager__is_active=True)
        .values_list("pk", "account_manager")
        .order_by()
    )
    users = get_user_model().objects.in_bulk(set(account_managers.values()))
    everyone = None
    admins = defaultdict(list)
    for membership in Membership.objects.select_related("user").filter(
        distributor_id__in=distributor_ids, role=Membership.Role.ADMIN, user__is_active=True
    ):
        admins[membership.distributor_id].append(membership.user)

    def lookup(goal):
        nonlocal everyone
        manager = account_managers.get(goal.distributor_id)
        if manager is not None:
            managers = [users[manager]]
        else:
            if everyone is None:
                everyone = channel_managers(None)
            managers = everyone
        people = {user.pk: user for user in [*managers, *admins.get(goal.distributor_id, [])]}
        return list(people.values())

    return lookup


def reviews_opened_notify(reviews):
    """Each review tells both sides of its goal (one notice per person, with a count)."""
    both_sides = _both_sides_of([review.goal for review in reviews])
    per_user = {}
    for review in reviews:
        for user in both_sides(review.goal):
            per_user.setdefault(user.pk, (user, []))[1].append(review.pk)
    for user, ids in per_user.values():
        count = len(ids)
        _send(
            [user],
            kind=REVIEW_OPENED.slug,
            subject=ngettext_lazy(
                "A landmark review is open", "%(count)d landmark reviews are open", count
            ),
            body=_("Compare the actual with the landmark; a miss needs an accounting."),
            link=reverse("goals:reviews"),
            context={"count": count},
            acts=[review_account(pk) for pk in ids],
        )


def goals_at_risk_notify(goals):
    both_sides = _both_sides_of(goals)
    per_user = {}
    for goal in goals:
        owners = both_sides(goal) if goal.distributor_id else [goal.owner] if goal.owner else []
        for user in owners:
            person, count = per_user.get(user.pk, (user, 0))
            per_user[user.pk] = (person, count + 1)
    for user, count in per_user.values():
        _send(
            [user],
            kind=GOAL_AT_RISK.slug,
            subject=ngettext_lazy("A goal is at risk", "%(count)d goals are at risk", count),
            body=_(
                "At the present pace the next landmark will be missed; its review is open early."
            ),
            link=reverse("goals:list") + "?at_risk=1",
            context={"count": count},
        )


def steps_overdue_notify(steps, *, today):
    from notifications.models import Notification

    per_owner = {}
    for step in steps.select_related("owner"):
        per_owner.setdefault(step.owner_id, (step.owner, []))[1].append(step.pk)
    sent = 0
    for user, ids in per_owner.values():
        count = len(ids)
        # Once a day per owner, however many times the job runs.
        if Notification.objects.filter(
            recipient=user, kind=STEP_OVERDUE.slug, created_at__date=today
        ).exists():
            continue
        _send(
            [user],
            kind=STEP_OVERDUE.slug,
            subject=ngettext_lazy(
                "An action step is overdue", "%(count)d action steps are overdue", count
            ),
            body=ngettext_lazy(
                "Mark it done, or agree on a new date.",
                "Mark them done, or agree on new dates.",
                count,
            ),
            link=reverse("goals:list"),
            context={"count": count},
            acts=[step_do(pk) for pk in ids],
        )
        sent += 1
    return sent
