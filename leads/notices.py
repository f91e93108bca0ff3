"""The notifications leads send: kinds, recipients, and one notice per recipient per act.

Bulk acts (a routed import, a deadline run) tell each recipient once, with a count, never once
per lead. A notice is never allowed to fail the act it reports on.
"""

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from distributors.models import Distributor
from identity.access import CHANNEL_MANAGERS
from identity.models import Membership
from notifications.kinds import Delivery, Kind, register
from notifications.models import Notification
from notifications.services import act_key, notify

from .selectors import ACKNOWLEDGING_STATUSES

log = logging.getLogger(__name__)

LEAD_ASSIGNED = register(Kind("lead_assigned", _("Leads handed to my distributor")))
LEAD_TAKEN_BACK = register(
    Kind("lead_taken_back", _("Leads taken back after the accept deadline"), Delivery.IMMEDIATE)
)
LEAD_ESCALATED = register(
    Kind("lead_escalated", _("Leads no distributor accepted in time (escalated)"))
)
DEAL_REGISTERED = register(Kind("deal_registered", _("Deals registered by partners")))
DEAL_DECIDED = register(Kind("deal_decided", _("Decisions on my deal registrations")))
CRITERIA_PUBLISHED = register(
    Kind("criteria_published", _("New lead qualification criteria to acknowledge"))
)


# The acts notices ask for: services resolve them when they are done (by anyone).
def lead_answer(lead_id):
    """Accept or reject a lead handed to one's distributor."""
    return act_key("lead", lead_id, "answer")


def lead_place(lead_id):
    """Assign by hand or close a lead nobody accepted in time (escalated)."""
    return act_key("lead", lead_id, "place")


def registration_decide(registration_id):
    return act_key("registration", registration_id, "decide")


def criteria_acknowledge(distributor_id):
    """Acknowledge the current qualification criteria for a distributor (any version: the
    acknowledgement of the current one answers the notices of earlier ones too)."""
    return act_key("criteria", distributor_id, "acknowledge")


def partner_admins(distributor_id):
    return [
        m.user
        for m in Membership.objects.select_related("user").filter(
            distributor_id=distributor_id, role=Membership.Role.ADMIN, user__is_active=True
        )
    ]


def channel_managers(distributor_id=None):
    """The distributor's account manager; else every active channel manager."""
    if distributor_id is not None:
        manager = (
            Distributor.objects.filter(pk=distributor_id, account_manager__is_active=True)
            .values_list("account_manager", flat=True)
            .first()
        )
        if manager:
            return list(get_user_model().objects.filter(pk=manager))
    return list(get_user_model().objects.filter(groups__name=CHANNEL_MANAGERS, is_active=True))


def _send(recipients, **message):
    for user in recipients:
        try:
            # A savepoint per notice: a database error in one rolls back that notice alone.
            # Without it, the caller's transaction was marked for rollback and its act undone
            # silently, the service still answering that it was done.
            with transaction.atomic():
                notify(recipient=user, **message)
        except Exception:  # noqa: BLE001 - a lost notice must not undo the act it reports
            log.exception("could not notify %s of %s", user.pk, message.get("kind"))


def _partner_admins_notify(counts, *, kind, subject, body, acts=None, actor=None):
    """{distributor id: number of leads} → one notice to each of its partner admins;
    `subject` and `body` give the (plural-aware) text for a count; `acts`, what it asks
    of each distributor."""
    for distributor_id, count in counts.items():
        _send(
            partner_admins(distributor_id),
            kind=kind.slug,
            subject=subject(count),
            body=body(count),
            link=reverse("leads:inbox"),
            context={"count": count},
            acts=(acts or {}).get(distributor_id, ()),
            actor=actor,
        )


def leads_assigned_notify(handed, *, actor=None):
    """{distributor id: ids of the leads just handed to it} → its partner admins, asked to
    answer each; `actor`, who handed them (a manager), if anyone."""
    _partner_admins_notify(
        {distributor_id: len(ids) for distributor_id, ids in handed.items() if ids},
        acts={where: [lead_answer(pk) for pk in ids] for where, ids in handed.items()},
        actor=actor,
        kind=LEAD_ASSIGNED,
        subject=lambda n: ngettext_lazy(
            "A new lead is waiting for you", "%(count)d new leads are waiting for you", n
        ),
        body=lambda n: ngettext_lazy(
            "Accept it or reject it with feedback before its deadline.",
            "Accept them or reject them with feedback before their deadlines.",
            n,
        ),
    )


def leads_taken_back_notify(counts):
    _partner_admins_notify(
        counts,
        kind=LEAD_TAKEN_BACK,
        subject=lambda n: ngettext_lazy(
            "A lead was taken back", "%(count)d leads were taken back", n
        ),
        body=lambda n: ngettext_lazy(
            "It was not accepted before its deadline and went to another distributor.",
            "They were not accepted before their deadlines and went to other distributors.",
            n,
        ),
    )


def leads_escalated_notify(escalated):
    """{distributor id or None: ids of the leads escalated} → the channel managers."""
    per_manager = {}
    for distributor_id, ids in escalated.items():
        for manager in channel_managers(distributor_id):
            per_manager.setdefault(manager.pk, (manager, []))[1].extend(ids)
    for user, ids in per_manager.values():
        count = len(ids)
        _send(
            [user],
            kind=LEAD_ESCALATED.slug,
            subject=ngettext_lazy(
                "A lead needs you: nobody accepted it in time",
                "%(count)d leads need you: nobody accepted them in time",
                count,
            ),
            body=ngettext_lazy(
                "No other distributor fits after the deadline passed; assign it by hand or "
                "close it.",
                "No other distributor fits after the deadline passed; assign them by hand or "
                "close them.",
                count,
            ),
            link=reverse("leads:list") + "?escalated=1",
            context={"count": count},
            acts=[lead_place(pk) for pk in ids],
        )


def deal_registered_notify(registration):
    _send(
        channel_managers(registration.distributor_id),
        kind=DEAL_REGISTERED.slug,
        subject=_("%(code)s registered a deal: %(company)s"),
        body=_("Check it for duplicates and approve or decline it."),
        link=reverse("leads:registrations"),
        context={"code": registration.distributor.code, "company": registration.lead.company},
        acts=[registration_decide(registration.pk)],
        actor=registration.registered_by,
    )


def deal_decided_notify(registration):
    if registration.registered_by is None:
        return
    approved = registration.status == registration.Status.APPROVED
    _send(
        [registration.registered_by],
        kind=DEAL_DECIDED.slug,
        subject=(
            _("Your deal %(company)s is approved")
            if approved
            else _("Your deal %(company)s was declined")
        ),
        # The manager's own words: '%' in them must not be read as a placeholder.
        body=registration.decision_note.replace("%", "%%"),
        link=reverse("leads:detail", args=[registration.lead_id]),
        context={"company": registration.lead.company},
        actor=registration.decided_by,
    )


def criteria_published_notify(version):
    """A published version → the admins of every distributor asked to acknowledge it, once.

    Run again (a redelivered task), it skips the admins it already told about this version.
    """
    if version.published_at is None:
        return
    link = f"{reverse('leads:criteria')}#v{version.number}"
    told = Notification.objects.filter(kind=CRITERIA_PUBLISHED.slug, link=link).values("recipient")
    memberships = [
        m
        for m in Membership.objects.select_related("user")
        .filter(
            role=Membership.Role.ADMIN,
            user__is_active=True,
            distributor__status__in=ACKNOWLEDGING_STATUSES,
        )
        .exclude(user__in=told)
        .order_by("user_id")
    ]
    for membership in memberships:
        _send(
            [membership.user],
            kind=CRITERIA_PUBLISHED.slug,
            subject=_("Lead qualification criteria v%(number)d are published"),
            body=_("Read them and acknowledge them for your distributor."),
            link=link,
            context={"number": version.number},
            acts=[criteria_acknowledge(membership.distributor_id)],
            actor=version.published_by,
        )
