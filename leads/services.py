"""Lead lifecycle: every change under a row lock, checked against Lead.TRANSITIONS, and logged.

Concurrent acts on one lead (a partner accepting while the deadline job reassigns, two managers
assigning) are serialised by `SELECT … FOR UPDATE` on the lead: the second sees the first's result
and is refused if its move is no longer legal, so no update is lost and no lead has two owners.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distributors.access import Role, is_manufacturer, user_membership, user_role
from drm.errors import NotAllowed, ValidationFailed

from .models import Lead, LeadEvent, LeadRejection


def _locked(lead):
    return (
        Lead.objects.select_for_update(of=("self",)).select_related("distributor").get(pk=lead.pk)
    )


def _move(lead, to, *, by, note="", at=None):
    """Move a locked lead to `to` and log the event; refuse an illegal move, naming both."""
    if not lead.can_move_to(to):
        raise ValidationFailed(
            _("A lead cannot go from %(current)s to %(asked)s.")
            % {
                "current": Lead.Status(lead.status).label,
                "asked": Lead.Status(to).label,
            },
            field="status",
        )
    at = at or timezone.now()
    LeadEvent.objects.create(
        lead=lead,
        at=at,
        by=by if getattr(by, "is_authenticated", False) else None,
        from_status=lead.status,
        to_status=to,
        distributor=lead.distributor,
        note=note,
    )
    lead.status = to
    return at


def _partner_of(lead, user):
    """The caller is a partner user of the distributor that owns the lead."""
    membership = user_membership(user)
    if membership is None or lead.distributor_id != membership.distributor_id:
        raise NotAllowed(_("This lead is not handed to your distributor."))
    return membership


@transaction.atomic
def lead_qualify_as_mql(*, lead, by, note=""):
    """A new lead passes the manufacturer's own qualification (MQL) and joins the pool."""
    if not is_manufacturer(by):
        raise NotAllowed(_("Only the manufacturer's staff may qualify leads as MQL."))
    lead = _locked(lead)
    _move(lead, Lead.Status.MQL, by=by, note=note)
    lead.save(update_fields=["status", "updated_at"])
    return lead


@transaction.atomic
def lead_assign(*, lead, distributor, by, note=""):
    """Hand a lead from the pool (or from its current distributor) to `distributor`.

    The accept deadline is the distributor's tier's `accept_hours` from now. A distributor that
    rejected the lead is never handed it again.
    """
    if not is_manufacturer(by):
        raise NotAllowed(_("Only the manufacturer's staff may assign leads."))
    lead = _locked(lead)
    if LeadRejection.objects.filter(lead=lead, distributor=distributor).exists():
        raise ValidationFailed(
            _("%(code)s rejected this lead; it is not offered to it again.")
            % {"code": distributor.code},
            field="distributor",
        )
    if lead.status == Lead.Status.ASSIGNED and lead.distributor_id == distributor.pk:
        return lead  # already there: assigning twice is one assignment
    lead.distributor = distributor  # the event names the distributor the lead goes to
    at = _move(lead, Lead.Status.ASSIGNED, by=by, note=note)
    lead.owner = None
    lead.assigned_at = at
    lead.accept_deadline = at + datetime.timedelta(hours=distributor.tier.accept_hours)
    lead.save(
        update_fields=[
            "status",
            "distributor",
            "owner",
            "assigned_at",
            "accept_deadline",
            "updated_at",
        ]
    )
    return lead


@transaction.atomic
def lead_accept(*, lead, by):
    """The distributor takes the lead: from now on its partner users see the contact details."""
    lead = _locked(lead)
    _partner_of(lead, by)
    _move(lead, Lead.Status.ACCEPTED, by=by)
    lead.accept_deadline = None
    lead.owner = lead.owner or by
    lead.save(update_fields=["status", "accept_deadline", "owner", "updated_at"])
    return lead


@transaction.atomic
def lead_reject(*, lead, by, rating, reason, contacted=False, text=""):
    """The distributor says no, with structured feedback; the lead goes back to the pool."""
    if reason not in LeadRejection.Reason.values:
        raise ValidationFailed(_("Choose a reason."), field="reason")
    if not (isinstance(rating, int) and 1 <= rating <= 5):
        raise ValidationFailed(_("Rate the lead's quality from 1 to 5."), field="rating")
    lead = _locked(lead)
    membership = _partner_of(lead, by)
    at = _move(lead, Lead.Status.MQL, by=by, note=text)
    LeadRejection.objects.create(
        lead=lead,
        distributor_id=membership.distributor_id,
        rating=rating,
        reason=reason,
        contacted=contacted,
        text=text,
        by=by,
        at=at,
    )
    lead.distributor = None
    lead.owner = None
    lead.assigned_at = None
    lead.accept_deadline = None
    lead.save(
        update_fields=[
            "status",
            "distributor",
            "owner",
            "assigned_at",
            "accept_deadline",
            "updated_at",
        ]
    )
    return lead


@transaction.atomic
def lead_hand_to_rep(*, lead, rep, by):
    """A partner admin gives one of its distributor's reps the lead to work."""
    lead = _locked(lead)
    membership = _partner_of(lead, by)
    if user_role(by) != Role.PARTNER_ADMIN:
        raise NotAllowed(_("Only a partner admin hands leads to reps."))
    rep_membership = user_membership(rep)
    if rep_membership is None or rep_membership.distributor_id != membership.distributor_id:
        raise ValidationFailed(_("Choose a user of your own distributor."), field="owner")
    lead.owner = rep
    lead.save(update_fields=["owner", "updated_at"])
    return lead
