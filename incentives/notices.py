"""The notifications incentives send to partners: a programme opened to their distributor, an
advance or a true-up paid (or an advance to recover), a goal bonus paid. A notice never fails
the act it reports on; amounts and names are written in the recipient's language."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from drm.templatetags.money import money
from funds.notices import FundName, Money
from identity.models import Membership
from leads.notices import _send, partner_admins
from notifications.kinds import Delivery, Kind, register

PROGRAMME_OPENED = register(
    Kind("programme_opened", _("Incentive programmes open to my distributor"), Delivery.DIGEST)
)
PROGRAMME_PAID = register(Kind("programme_paid", _("Incentive advances and true-ups paid")))
BONUS_PAID = register(Kind("goal_bonus_paid", _("Goal bonuses paid")))


class Amount:
    """An amount in a currency, written when it is read."""

    def __init__(self, amount, currency):
        self.amount, self.currency = amount, currency

    def __str__(self):
        return money(self.amount, self.currency)


class GoalTitle:
    """A goal's title written from its terms in the reader's language, when it is read."""

    def __init__(self, goal):
        self.goal = goal

    def __str__(self):
        return self.goal.title


def programme_opened_notify(programme, *, by):
    """Each partner admin of a distributor in the new programme hears of it (in its digest)."""
    admins = (
        Membership.objects.select_related("user")
        .filter(
            distributor__in=programme.eligible_distributors(),
            role=Membership.Role.ADMIN,
            user__is_active=True,
        )
        .order_by("user_id")
    )
    _send(
        [membership.user for membership in admins],
        kind=PROGRAMME_OPENED.slug,
        subject=_("A new incentive programme is open to you: %(programme)s"),
        body=_(
            "From %(start)s to %(end)s, your sales earn by its tiers. Its page shows the terms "
            "and, once measured, where you stand."
        ),
        link=reverse("incentives:detail", args=[programme.pk]),
        context={
            "programme": FundName(programme),
            "start": programme.period_start,
            "end": programme.period_end,
        },
        actor=by,
    )


def settlement_notify(settlement, *, by):
    """Each distributor paid in a settlement tells its partner admins what it was paid (or, for
    a negative true-up, what is to be recovered)."""
    programme = settlement.programme
    for entry in settlement.entries.order_by("distributor_id"):
        if entry.amount >= 0:
            subject = (
                _("Incentive advance paid: %(programme)s")
                if settlement.kind == settlement.Kind.ADVANCE
                else _("Incentive true-up paid: %(programme)s")
            )
            body = _("%(amount)s was paid on %(paid_on)s (reference %(reference)s).")
        else:
            subject = _("Incentive advance to recover: %(programme)s")
            body = _(
                "The year earned less than was advanced: %(amount)s is to be recovered "
                "(reference %(reference)s)."
            )
        _send(
            partner_admins(entry.distributor_id),
            kind=PROGRAMME_PAID.slug,
            subject=subject,
            body=body,
            link=reverse("incentives:statement"),
            context={
                "programme": FundName(programme),
                "amount": Money(abs(entry.amount)),
                "paid_on": settlement.paid_on,
                "reference": settlement.reference,
            },
            actor=by,
        )


def bonus_paid_notify(entry, *, by):
    _send(
        partner_admins(entry.distributor_id),
        kind=BONUS_PAID.slug,
        subject=_("Goal bonus paid: %(goal)s"),
        body=_("%(amount)s was paid on %(paid_on)s (reference %(reference)s)."),
        link=reverse("incentives:statement"),
        context={
            "goal": GoalTitle(entry.goal),
            "amount": Amount(entry.amount, entry.currency),
            "paid_on": entry.date,
            "reference": entry.reference,
        },
        actor=by,
    )
