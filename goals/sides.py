"""Who speaks for which side of a goal, and who on the manufacturer's side answers for it: the
rule the services apply one goal at a time, and the filters the to-do lists read it with."""

from django.db.models import Q
from django.utils.translation import gettext as _

from drm.errors import NotAllowed
from identity.access import Role, is_manufacturer, is_partner, user_membership, user_role

from .models import Side


def side_for(user, distributor_id):
    """The side `user` speaks for on a goal of `distributor_id` (None: a team or support goal):
    the manufacturer, or that distributor (its partner admin only). Anyone else is refused."""
    if is_manufacturer(user):
        return Side.MANUFACTURER
    membership = user_membership(user) if is_partner(user) else None
    if membership is None or distributor_id != membership.distributor_id:
        raise NotAllowed(_("This goal is not your distributor's."))
    if user_role(user) != Role.PARTNER_ADMIN:
        raise NotAllowed(_("Only your distributor's admin can set goals; reps work the steps."))
    return Side.PARTNER


def own_side(user):
    """The side `user` speaks for on its own goals (a partner admin: its distributor's), or
    None: a rep or a user of neither side speaks for no side."""
    membership = user_membership(user) if is_partner(user) else None
    try:
        return side_for(user, membership.distributor_id if membership else None)
    except NotAllowed:
        return None


def answerable_q(user, goal="goal__"):
    """The goals (reached through `goal`, "" for goals themselves) whose manufacturer's acts
    wait for `user` in person: those of the distributors it is account manager of, its own
    team and support goals, and, so that nothing waits for no one, those of a distributor
    without an account manager and team goals without an owner."""
    distributor = f"{goal}distributor"
    return (
        Q(**{f"{distributor}__account_manager": user})
        | Q(**{f"{distributor}__isnull": False, f"{distributor}__account_manager__isnull": True})
        | Q(**{f"{distributor}__isnull": True, f"{goal}owner": user})
        | Q(**{f"{distributor}__isnull": True, f"{goal}owner__isnull": True})
    )


def waits_for_q(user, side, goal="goal__"):
    """Among the acts that wait for `side`, those that wait for `user` in person: a partner
    admin answers for every goal of its distributor (the queryset is scoped to it already); a
    manufacturer's person for the goals it answers for (`answerable_q`)."""
    if side == Side.MANUFACTURER:
        return answerable_q(user, goal)
    return Q()
