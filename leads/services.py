"""Lead lifecycle: every change under a row lock, checked against Lead.TRANSITIONS, and logged.

Concurrent acts on one lead (a partner accepting while the deadline job reassigns, two managers
assigning) are serialised by `SELECT … FOR UPDATE` on the lead: the second sees the first's result
and is refused if its move is no longer legal, so no update is lost and no lead has two owners.

Every move writes a LeadEvent; each service adds its events to the monthly rollups
(leads.rollups) before it commits, so the analytics are exact at every commit.
"""

import datetime
import logging
import uuid
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distributors.models import Distributor
from drm import events
from drm.errors import NotAllowed, ValidationFailed
from drm.events import emit
from drm.limits import text_check, text_limit
from identity.access import Role, is_partner, require_manufacturer, user_membership, user_role
from notifications.services import resolve

from . import notices, rollups
from .models import (
    CriteriaAcknowledgement,
    CriteriaVersion,
    Criterion,
    DealRegistration,
    Lead,
    LeadEvent,
    LeadExclusion,
    LeadQualification,
    LeadRejection,
    LeadSource,
    Material,
    MaterialFeedback,
    RoutingDecision,
)
from .routing import Router, assignment_warnings, warning_text

log = logging.getLogger(__name__)

PARTNER_SOURCE = "partner-registered"


# --- the moves ---------------------------------------------------------------------------------


class Moves:
    """The events a service writes, counted into the rollups once, in key order, at the end."""

    def __init__(self):
        self.event_ids = []

    def move(self, lead, to, *, by, note="", at=None, cause="", reason="", answer=False):
        """Move a locked lead to `to` and log the event; refuse an illegal move, naming both.

        `answer`: the move answers a hand-over (accept, reject, expiry); the event records how
        long the distributor took and whether its deadline had passed.
        """
        # Every note a person writes on a lead (assign, qualify, win, lose...) passes here.
        text_check(LeadEvent, "note", note)
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
        waited = late = None
        if answer and lead.assigned_at:
            waited = max(0.0, (at - lead.assigned_at).total_seconds() / 3600)
            late = bool(lead.accept_deadline and at > lead.accept_deadline)
        event = LeadEvent.objects.create(
            lead=lead,
            at=at,
            by=by if getattr(by, "is_authenticated", False) else None,
            from_status=lead.status,
            to_status=to,
            distributor_id=lead.distributor_id,
            note=note,
            cause=cause,
            reason=reason,
            waited_hours=waited,
            late=bool(late),
        )
        self.event_ids.append(event.pk)
        lead.status = to
        return at

    def count(self):
        rollups.events_count(self.event_ids)
        self.event_ids = []


def _locked(lead, *, skip_locked=False):
    queryset = Lead.objects.select_for_update(of=("self",), skip_locked=skip_locked)
    return queryset.select_related("distributor", "distributor__tier").filter(pk=lead.pk).first()


def _lock(lead):
    locked = _locked(lead)
    if locked is None:
        raise ValidationFailed(_("This lead no longer exists."))
    return locked


def _save(lead, by, fields):
    lead._history_user = by if getattr(by, "is_authenticated", False) else None
    lead.save(update_fields=[*fields, "updated_at"])


def _partner_of(lead, user):
    """The caller is a partner user of the distributor that owns the lead.

    A rep acts on its distributor's leads that nobody or itself works; a lead handed to
    another rep is that rep's (and the partner admins').
    """
    membership = user_membership(user) if is_partner(user) else None
    if membership is None or lead.distributor_id != membership.distributor_id:
        raise NotAllowed(_("This lead is not handed to your distributor."))
    if (
        user_role(user) == Role.PARTNER_REP
        and lead.owner_id is not None
        and lead.owner_id != user.pk
    ):
        raise NotAllowed(_("This lead is handed to another rep of your distributor."))
    return membership


def _hand_over(moves, lead, distributor, *, by, at, cause, note=""):
    """Hand a locked lead in the pool to `distributor`: deadline from its tier."""
    if lead.escalated_at:
        resolve(key=notices.lead_place(lead.pk))  # placed at last
    lead.distributor = distributor  # the event names the distributor the lead goes to
    moves.move(lead, Lead.Status.ASSIGNED, by=by, note=note, at=at, cause=cause)
    lead.owner = None
    lead.assigned_at = at
    lead.accept_deadline = at + datetime.timedelta(hours=distributor.tier.accept_hours)
    lead.escalated_at = None
    emit(events.LEAD_ASSIGNED.name, distributor_id=distributor.pk, data=_lead_event(lead))


def _lead_event(lead, distributor=None):
    """What an integration hears of a lead: what its distributor's partner users see of it
    before they accept it (no contact details, no notes)."""
    distributor = distributor or lead.distributor
    return {
        "lead_id": lead.pk,
        "status": lead.status,
        "distributor": distributor.code if distributor else None,
        "country": lead.country,
        "assigned_at": lead.assigned_at.isoformat() if lead.assigned_at else None,
        "accept_deadline": lead.accept_deadline.isoformat() if lead.accept_deadline else None,
    }


def _back_to_pool(moves, lead, *, by, at, cause, reason="", note="", answer=True):
    resolve(key=notices.lead_answer(lead.pk))  # rejected, withdrawn or expired
    moves.move(
        lead, Lead.Status.MQL, by=by, at=at, cause=cause, reason=reason, note=note, answer=answer
    )
    lead.distributor = None
    lead.owner = None
    lead.assigned_at = None
    lead.accept_deadline = None


HANDOVER_FIELDS = [
    "status",
    "distributor",
    "owner",
    "assigned_at",
    "accept_deadline",
    "escalated_at",
]


def _decision(lead, *, mode, by, distributor, explanation, at):
    return RoutingDecision(
        lead=lead,
        at=at,
        by=by if getattr(by, "is_authenticated", False) else None,
        mode=mode,
        distributor=distributor,
        explanation=explanation,
    )


# --- creating leads ----------------------------------------------------------------------------


def lead_validate(lead):
    """Field rules of a lead (country, currency, score…) as a ValidationFailed naming the field."""
    from django.core.exceptions import ValidationError

    try:
        lead.full_clean(exclude=["source", "distributor", "owner", "product_line"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ValidationFailed(
            f"{field}: {messages[0]}", field=field, details=exc.message_dict
        ) from exc
    # The MQL file's rules, for every other way a lead comes in (page, API, registration).
    if lead.estimated_value is not None and lead.estimated_value < 0:
        raise ValidationFailed(f"estimated_value: {_('is negative')}", field="estimated_value")
    if lead.estimated_value is not None and not lead.currency:
        raise ValidationFailed(
            f"currency: {_('is required with an estimated value')}", field="currency"
        )


@transaction.atomic
def lead_create(*, by, source, external_ref, company, status=Lead.Status.MQL, **fields):
    """A manager (or a marketing tool with a manager's token) enters a lead: new or MQL."""
    require_manufacturer(by, _("Only the manufacturer's staff may enter leads."))
    if status not in (Lead.Status.NEW, Lead.Status.MQL):
        raise ValidationFailed(_("A lead starts as new or MQL."), field="status")
    if Lead.objects.filter(source=source, external_ref=external_ref).exists():
        raise ValidationFailed(
            _("Source %(source)s already has a lead with reference %(ref)s.")
            % {"source": source.code, "ref": external_ref},
            field="external_ref",
        )
    lead = Lead(source=source, external_ref=external_ref, company=company, status=status, **fields)
    lead.country = (lead.country or "").upper()
    lead.currency = (lead.currency or "").upper()
    lead_validate(lead)
    lead._history_user = by
    lead.save()
    event = LeadEvent.objects.create(
        lead=lead, at=lead.created_at, by=by, from_status="", to_status=status
    )
    rollups.events_count([event.pk])
    return lead


@transaction.atomic
def lead_qualify_as_mql(*, lead, by, note=""):
    """A new lead passes the manufacturer's own qualification (MQL) and joins the pool."""
    require_manufacturer(by, _("Only the manufacturer's staff may qualify leads as MQL."))
    lead = _lock(lead)
    moves = Moves()
    moves.move(lead, Lead.Status.MQL, by=by, note=note)
    _save(lead, by, ["status"])
    moves.count()
    return lead


def leads_push(*, by, rows, route=False, number_format="point"):
    """Create MQLs sent by an ERP or marketing tool: the MQL file's checks, all or nothing.

    A row whose (source, external_ref) is stored already is skipped. Returns (created, skipped,
    routed, left in the pool).
    """
    from ingest.engine import Context, push

    from .imports import LeadSpec

    require_manufacturer(by, _("Only the manufacturer's staff may enter leads."))
    if not rows:
        raise ValidationFailed(_("Send at least one row."), field="rows")
    if len(rows) > settings.API_MAX_PUSH_ROWS:
        raise ValidationFailed(
            _("At most %(max)d rows per request; upload a file for more.")
            % {"max": settings.API_MAX_PUSH_ROWS},
            field="rows",
        )
    now = timezone.now()
    created, _updated = push(LeadSpec(Context(number_format=number_format)), rows, now=now)
    routed = left = 0
    if route and created:
        lead_ids = LeadEvent.objects.filter(at=now, cause=LeadEvent.Cause.IMPORTED).values_list(
            "lead_id", flat=True
        )
        routed, left = leads_route(lead_ids=list(lead_ids), by=by)
    return created, len(rows) - created, routed, left


# --- routing and assignment ------------------------------------------------------------------


def _refuse_unassignable(lead, distributor):
    """Refuse a distributor that may never take the lead: one onboarding or terminated, or one
    excluded from it (it rejected the lead or let it expire)."""
    if distributor.status not in (Distributor.Status.ACTIVE, Distributor.Status.PROBATION):
        # As the routing rules: a distributor onboarding or terminated takes no leads.
        raise ValidationFailed(
            _("%(code)s is not active") % {"code": distributor.code}, field="distributor"
        )
    if LeadExclusion.objects.filter(lead=lead, distributor=distributor).exists():
        raise ValidationFailed(
            _("%(code)s rejected this lead or let it expire; it is not offered to it again.")
            % {"code": distributor.code},
            field="distributor",
        )


def _assign_locked(
    moves, lead, distributor, *, by, at, mode, explanation, note="", override_reason=""
):
    """Assign a locked lead; withdraws it from its current distributor first. Refuses a
    distributor excluded from the lead. Returns False when it is already there."""
    _refuse_unassignable(lead, distributor)
    if lead.status == Lead.Status.ASSIGNED and lead.distributor_id == distributor.pk:
        return False  # already there: assigning twice is one assignment
    if DealRegistration.objects.filter(lead=lead, status=DealRegistration.Status.PENDING).exists():
        raise ValidationFailed(
            _("A partner registered this deal: approve or decline the registration first."),
            field="distributor",
        )
    if lead.status == Lead.Status.NEW:
        # Assigning a new lead by hand qualifies it as an MQL on the way.
        moves.move(lead, Lead.Status.MQL, by=by, at=at, cause=LeadEvent.Cause.MANUAL)
    if lead.status == Lead.Status.ASSIGNED:
        _back_to_pool(moves, lead, by=by, at=at, cause=LeadEvent.Cause.WITHDRAWN, answer=False)
    elif not lead.can_move_to(Lead.Status.ASSIGNED):
        moves.move(lead, Lead.Status.ASSIGNED, by=by)  # raises, naming both statuses
    cause = LeadEvent.Cause.MANUAL if mode == RoutingDecision.Mode.MANUAL else "routed"
    _hand_over(moves, lead, distributor, by=by, at=at, cause=cause, note=note)
    if override_reason:
        LeadEvent.objects.filter(pk=moves.event_ids[-1]).update(override_reason=override_reason)
    _save(lead, by, HANDOVER_FIELDS)
    decision = _decision(
        lead, mode=mode, by=by, distributor=distributor, explanation=explanation, at=at
    )
    decision.override_reason = override_reason
    decision.save()
    return True


def _manual_explanation(distributor, warnings=()):
    explanation = {"chosen": distributor.code, "why": "manual", "rules": [], "candidates": []}
    if warnings:
        explanation["warnings"] = list(warnings)
    return explanation


@transaction.atomic
def lead_assign(*, lead, distributor, by, note="", override_reason=None):
    """Hand a lead from the pool (or from its current distributor) to `distributor` by hand.

    Only an active (or probation) distributor takes leads; a new lead becomes MQL on the way,
    as when it is routed. The accept deadline is the distributor's tier's `accept_hours` from
    now. A distributor that rejected the lead or let it expire is never handed it again.

    A manager's choice is checked against the routing rules (leads.routing.assignment_warnings:
    not active, no territory for the lead, not carrying its product line, at its lead capacity).
    With warnings it goes through only with an `override_reason`, kept on the hand-over's
    LeadEvent and RoutingDecision (with the warnings); without one it is refused with
    ValidationFailed on "override_reason", the warnings in its details. The pages and the API
    always pass the user's reason ("" when none); None skips the check, for code that assigns
    on purpose (demo data, scripts).
    """
    require_manufacturer(by, _("Only the manufacturer's staff may assign leads."))
    lead = _lock(lead)
    distributor = Distributor.objects.select_related("tier").get(pk=distributor.pk)
    reason = (override_reason or "").strip()
    text_check(RoutingDecision, "override_reason", reason)
    warnings = []
    already_there = lead.status == Lead.Status.ASSIGNED and lead.distributor_id == distributor.pk
    if override_reason is not None and not already_there:
        _refuse_unassignable(lead, distributor)  # before any warning: no reason overrides these
        warnings = assignment_warnings(lead, distributor.pk)
        if warnings and not reason:
            details = [
                {"code": w["code"], "message": warning_text(w, distributor.code)} for w in warnings
            ]
            raise ValidationFailed(
                _("Give a reason to assign the lead to %(code)s anyway: %(warnings)s.")
                % {
                    "code": distributor.code,
                    "warnings": "; ".join(item["message"] for item in details),
                },
                field="override_reason",
                details=details,
            )
    moves = Moves()
    moved = _assign_locked(
        moves,
        lead,
        distributor,
        by=by,
        at=timezone.now(),
        mode=RoutingDecision.Mode.MANUAL,
        explanation=_manual_explanation(distributor, warnings),
        note=note,
        override_reason=reason if warnings else "",
    )
    moves.count()
    if moved:
        transaction.on_commit(
            lambda: notices.leads_assigned_notify({distributor.pk: [lead.pk]}, actor=by)
        )
    return lead


@transaction.atomic
def leads_bulk_assign(*, lead_ids, distributor, by, override_reason=None):
    """Assign many leads to one distributor in one transaction (locked in id order).

    Leads that cannot go to it (excluded, closed, already accepted) are skipped and named. Each
    lead is checked against the routing rules as `lead_assign` checks one
    (routing.assignment_warnings): with warnings it goes only with an `override_reason` (kept on
    its event and decision), else it is skipped with the warnings named. None skips the check
    (scripts, demo data). Returns (assigned count, [(lead id, reason)]).
    """
    require_manufacturer(by, _("Only the manufacturer's staff may assign leads."))
    distributor = Distributor.objects.select_related("tier").get(pk=distributor.pk)
    reason = (override_reason or "").strip()
    text_check(RoutingDecision, "override_reason", reason)
    leads = list(
        Lead.objects.select_for_update(of=("self",)).filter(pk__in=list(lead_ids)).order_by("pk")
    )
    moves = Moves()
    at = timezone.now()
    assigned, skipped = [], []
    for lead in leads:
        already_there = (
            lead.status == Lead.Status.ASSIGNED and lead.distributor_id == distributor.pk
        )
        try:
            with transaction.atomic():
                warnings = []
                if override_reason is not None and not already_there:
                    _refuse_unassignable(lead, distributor)  # no reason overrides these
                    warnings = assignment_warnings(lead, distributor.pk)
                if warnings and not reason:
                    texts = "; ".join(warning_text(w, distributor.code) for w in warnings)
                    skipped.append(
                        (
                            lead.pk,
                            _("give a reason to assign it to %(code)s anyway: %(warnings)s")
                            % {"code": distributor.code, "warnings": texts},
                        )
                    )
                    continue
                if _assign_locked(
                    moves,
                    lead,
                    distributor,
                    by=by,
                    at=at,
                    mode=RoutingDecision.Mode.MANUAL,
                    explanation=_manual_explanation(distributor, warnings),
                    override_reason=reason if warnings else "",
                ):
                    assigned.append(lead.pk)
        except ValidationFailed as exc:
            # Refused before any event was written (the savepoint keeps it so anyway).
            skipped.append((lead.pk, exc.message))
    moves.count()
    if assigned:
        transaction.on_commit(
            lambda: notices.leads_assigned_notify({distributor.pk: assigned}, actor=by)
        )
    return len(assigned), skipped


def _route_locked(moves, router, lead, *, by, at, mode):
    """Route one locked pool lead with `router`: assign or leave it; returns the distributor."""
    decision = router.route(lead)
    if decision.distributor_id is None:
        _decision(
            lead, mode=mode, by=by, distributor=None, explanation=decision.explanation, at=at
        ).save()
        return None
    distributor = Distributor.objects.select_related("tier").get(pk=decision.distributor_id)
    _hand_over(moves, lead, distributor, by=by, at=at, cause=LeadEvent.Cause.ROUTED)
    _save(lead, by, HANDOVER_FIELDS)
    _decision(
        lead, mode=mode, by=by, distributor=distributor, explanation=decision.explanation, at=at
    ).save()
    router.taken(distributor.pk)
    return distributor


@transaction.atomic
def lead_route(*, lead, by):
    """Route a pool lead by the rules; the explanation is stored whatever the outcome."""
    require_manufacturer(by, _("Only the manufacturer's staff may route leads."))
    lead = _lock(lead)
    if lead.status not in (Lead.Status.MQL, Lead.Status.NEW):
        raise ValidationFailed(
            _("Only a lead in the pool can be routed; this one is %(status)s.")
            % {"status": Lead.Status(lead.status).label},
            field="status",
        )
    moves = Moves()
    at = timezone.now()
    if lead.status == Lead.Status.NEW:
        moves.move(lead, Lead.Status.MQL, by=by, at=at)
    distributor = _route_locked(
        moves, Router.for_leads([lead]), lead, by=by, at=at, mode=RoutingDecision.Mode.AUTO
    )
    if distributor is None:
        _save(lead, by, ["status"])
    moves.count()
    if distributor is not None:
        transaction.on_commit(
            lambda: notices.leads_assigned_notify({distributor.pk: [lead.pk]}, actor=by)
        )
    return lead


def leads_route(*, lead_ids, by, mode=RoutingDecision.Mode.AUTO, chunk=500):
    """Route many pool leads by the rules, a chunk per transaction; returns (routed, left).

    Leads no longer in the pool when their turn comes (someone assigned them meanwhile) are
    left alone. One notice per distributor at the end.
    """
    if by is not None:
        require_manufacturer(by, _("Only the manufacturer's staff may route leads."))
    ids = sorted(set(lead_ids))
    handed = defaultdict(list)
    left = 0
    for start in range(0, len(ids), chunk):
        with transaction.atomic():
            leads = list(
                Lead.objects.select_for_update(of=("self",), skip_locked=True)
                .filter(pk__in=ids[start : start + chunk], status=Lead.Status.MQL)
                .order_by("pk")
            )
            router = Router.for_leads(leads)
            moves = Moves()
            at = timezone.now()
            for lead in leads:
                distributor = _route_locked(moves, router, lead, by=by, at=at, mode=mode)
                if distributor is None:
                    left += 1
                else:
                    handed[distributor.pk].append(lead.pk)
            moves.count()
    notices.leads_assigned_notify(dict(handed), actor=by)
    return sum(len(ids) for ids in handed.values()), left


def leads_bulk_route(*, lead_ids, by):
    """Route the leads a manager ticked: the ones in the pool by the rules, the others are
    skipped and named. Returns (routed, left in the pool, [(lead id, reason)])."""
    require_manufacturer(by, _("Only the manufacturer's staff may route leads."))
    ids = sorted(set(lead_ids))
    outside = dict(
        Lead.objects.filter(pk__in=ids)
        .exclude(status=Lead.Status.MQL)
        .order_by("pk")
        .values_list("pk", "status")
    )
    skipped = [
        (
            pk,
            _("Only a lead in the pool can be routed; this one is %(status)s.")
            % {"status": Lead.Status(status).label},
        )
        for pk, status in outside.items()
    ]
    routed, left = leads_route(lead_ids=[pk for pk in ids if pk not in outside], by=by)
    return routed, left, skipped


# --- the partner's answers ---------------------------------------------------------------------


@transaction.atomic
def lead_accept(*, lead, by):
    """The distributor takes the lead: from now on its partner users see the contact details."""
    lead = _lock(lead)
    _partner_of(lead, by)
    moves = Moves()
    moves.move(lead, Lead.Status.ACCEPTED, by=by, answer=True)
    lead.owner = lead.owner or by
    _save(lead, by, ["status", "owner"])
    moves.count()
    emit(events.LEAD_ACCEPTED.name, distributor_id=lead.distributor_id, data=_lead_event(lead))
    resolve(key=notices.lead_answer(lead.pk))
    return lead


@transaction.atomic
def lead_reject(*, lead, by, rating, reason, contacted=False, text=""):
    """The distributor says no, with structured feedback; the lead goes back to the pool and is
    never offered to it again."""
    if reason not in LeadRejection.Reason.values:
        raise ValidationFailed(_("Choose a reason."), field="reason")
    if isinstance(rating, bool) or not (isinstance(rating, int) and 1 <= rating <= 5):
        raise ValidationFailed(_("Rate the lead's quality from 1 to 5."), field="rating")
    if reason == LeadRejection.Reason.OTHER and not (text or "").strip():
        raise ValidationFailed(_("Say why in the comment when the reason is Other."), field="text")
    text_check(LeadRejection, "text", text or "")
    lead = _lock(lead)
    membership = _partner_of(lead, by)
    if lead.status != Lead.Status.ASSIGNED:
        raise ValidationFailed(
            _("Only a lead waiting for your answer can be rejected; this one is %(status)s.")
            % {"status": Lead.Status(lead.status).label},
            field="status",
        )
    moves = Moves()
    at = timezone.now()
    LeadRejection.objects.create(
        lead=lead,
        distributor_id=membership.distributor_id,
        rating=rating,
        reason=reason,
        contacted=bool(contacted),
        text=text or "",
        by=by,
        at=at,
    )
    LeadExclusion.objects.get_or_create(
        lead=lead,
        distributor_id=membership.distributor_id,
        defaults={"cause": LeadExclusion.Cause.REJECTED, "at": at},
    )
    _back_to_pool(
        moves, lead, by=by, at=at, cause=LeadEvent.Cause.REJECTED, reason=reason, note=text or ""
    )
    _save(lead, by, ["status", "distributor", "owner", "assigned_at", "accept_deadline"])
    moves.count()
    rejected = {
        **_lead_event(lead, membership.distributor),
        "status": "rejected",
        "reason": reason,
        "rating": rating,
    }
    emit(events.LEAD_REJECTED.name, distributor_id=membership.distributor_id, data=rejected)
    return lead


@transaction.atomic
def lead_hand_to_rep(*, lead, rep, by):
    """A partner admin gives one of its distributor's reps the lead to work."""
    lead = _lock(lead)
    if user_role(by) != Role.PARTNER_ADMIN:
        raise NotAllowed(_("Only a partner admin hands leads to reps."))
    membership = _partner_of(lead, by)
    rep_membership = user_membership(rep)
    if (
        rep_membership is None
        or rep_membership.distributor_id != membership.distributor_id
        or not rep.is_active
    ):
        raise ValidationFailed(_("Choose an active user of your own distributor."), field="owner")
    if lead.status not in Lead.OWNED:
        raise ValidationFailed(_("Only an open lead can be handed to a rep."), field="owner")
    lead.owner = rep
    _save(lead, by, ["owner"])
    return lead


# --- qualification (DQL), opportunity, outcome -------------------------------------------------


def criteria_current():
    """The latest published criteria version, with its items, or None."""
    return (
        CriteriaVersion.objects.filter(published_at__isnull=False)
        .prefetch_related("items")
        .order_by("-number")
        .first()
    )


@transaction.atomic
def lead_qualify(*, lead, by, answers, note=""):
    """The distributor qualifies an accepted lead against the current criteria version.

    `answers` maps each criterion's code to True/False. The answers are kept with the version;
    the lead becomes DQL only when every required item holds, else nothing changes and the
    error names the items that fail.
    """
    version = criteria_current()
    if version is None:
        raise ValidationFailed(_("No qualification criteria are published yet."))
    lead = _lock(lead)
    _partner_of(lead, by)
    if lead.status != Lead.Status.ACCEPTED:
        raise ValidationFailed(
            _("A lead cannot go from %(current)s to %(asked)s.")
            % {"current": Lead.Status(lead.status).label, "asked": Lead.Status.DQL.label},
            field="status",
        )
    items = list(version.items.all())
    codes = {item.code for item in items}
    unknown = sorted(set(answers) - codes)
    if unknown:
        raise ValidationFailed(
            _("Unknown criteria: %(codes)s.") % {"codes": ", ".join(unknown)}, field="answers"
        )
    clean = {item.code: bool(answers.get(item.code, False)) for item in items}
    failing = [item for item in items if item.required and not clean[item.code]]
    if failing:
        raise ValidationFailed(
            _("Not distributor-qualified: %(items)s must hold.")
            % {"items": "; ".join(item.text for item in failing)},
            field="answers",
            details=[{"criterion": item.code, "label": item.text} for item in failing],
        )
    moves = Moves()
    at = moves.move(lead, Lead.Status.DQL, by=by, note=note)
    LeadQualification.objects.create(
        lead=lead, version=version, answers=clean, passed=True, by=by, at=at
    )
    _save(lead, by, ["status"])
    moves.count()
    return lead


def _amount(value, field):
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(_("Enter an amount."), field=field) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e14"):
        raise ValidationFailed(_("Enter an amount from 0 to 99,999,999,999,999.99."), field=field)
    return amount.quantize(Decimal("0.01"))


def _values_currency(lead):
    """The lead's values are in its currency; a lead its distributor values without one (no
    estimated value came with it) takes the distributor's, so that no value is left without a
    currency to price it in."""
    if not lead.currency:
        lead.currency = lead.distributor.currency


@transaction.atomic
def lead_convert(*, lead, by, value, expected_close, note=""):
    """A qualified lead becomes an opportunity with a value and an expected close date."""
    value = _amount(value, "value")
    if not isinstance(expected_close, datetime.date):
        raise ValidationFailed(_("Enter the expected close date."), field="expected_close")
    if expected_close < timezone.localdate() - datetime.timedelta(days=31):
        raise ValidationFailed(_("The expected close date is in the past."), field="expected_close")
    lead = _lock(lead)
    _partner_of(lead, by)
    moves = Moves()
    moves.move(lead, Lead.Status.OPPORTUNITY, by=by, note=note)
    lead.opportunity_value = value
    lead.expected_close = expected_close
    _values_currency(lead)
    _save(lead, by, ["status", "opportunity_value", "expected_close", "currency"])
    moves.count()
    return lead


@transaction.atomic
def lead_win(*, lead, by, value, note=""):
    value = _amount(value, "value")
    lead = _lock(lead)
    _partner_of(lead, by)
    moves = Moves()
    at = moves.move(lead, Lead.Status.WON, by=by, note=note)
    lead.won_value = value
    lead.closed_at = at
    # Saved before the move is counted: the rollups keep the won value under this currency.
    _values_currency(lead)
    _save(lead, by, ["status", "won_value", "closed_at", "currency"])
    moves.count()
    return lead


@transaction.atomic
def lead_lose(*, lead, by, reason, note=""):
    """Close a lead as lost: its distributor once accepted, or a manager for a pool lead."""
    if reason not in Lead.LostReason.values or reason == Lead.LostReason.REGISTRATION_DECLINED:
        raise ValidationFailed(_("Choose a reason."), field="reason")
    if reason == Lead.LostReason.OTHER and not (note or "").strip():
        raise ValidationFailed(_("Say why in the note when the reason is Other."), field="note")
    lead = _lock(lead)
    if lead.status in (Lead.Status.NEW, Lead.Status.MQL):
        require_manufacturer(by, _("Only the manufacturer closes a lead in the pool."))
    else:
        _partner_of(lead, by)
    moves = Moves()
    at = moves.move(lead, Lead.Status.LOST, by=by, note=note, reason=reason)
    lead.lost_reason = reason
    lead.closed_at = at
    lead.escalated_at = None
    _save(lead, by, ["status", "lost_reason", "closed_at", "escalated_at"])
    moves.count()
    resolve(keys=[notices.lead_answer(lead.pk), notices.lead_place(lead.pk)])
    return lead


# --- the accept deadline -----------------------------------------------------------------------


def lead_expire(*, lead_id, now=None):
    """Take an overdue lead back from its distributor and route it to the next candidate, or
    escalate it to the channel managers when nobody else fits.

    Skips a lead that someone is acting on right now (it is locked) or that is no longer
    overdue: the partner accepted it meanwhile. Returns (old distributor id, new distributor
    id or None, escalated) or None when it did nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        lead = (
            Lead.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(pk=lead_id)
            .overdue(now)
            .first()
        )
        if lead is None:
            return None
        old = lead.distributor_id
        expired = _lead_event(lead)
        emit(events.LEAD_EXPIRED.name, distributor_id=old, data={**expired, "status": "expired"})
        moves = Moves()
        LeadExclusion.objects.get_or_create(
            lead=lead,
            distributor_id=old,
            defaults={"cause": LeadExclusion.Cause.EXPIRED, "at": now},
        )
        _back_to_pool(moves, lead, by=None, at=now, cause=LeadEvent.Cause.EXPIRED)
        router = Router.for_leads([lead])
        new = _route_locked(
            moves, router, lead, by=None, at=now, mode=RoutingDecision.Mode.DEADLINE
        )
        escalated = new is None
        if escalated:
            LeadEvent.objects.filter(pk=moves.event_ids[-1]).update(cause=LeadEvent.Cause.ESCALATED)
            lead.escalated_at = now
            _save(lead, None, HANDOVER_FIELDS)
        moves.count()
    return old, (new.pk if new else None), escalated


def leads_deadlines_enforce(*, now=None, limit=None):
    """The beat job: every overdue lead is re-routed or escalated, one transaction per lead.

    Returns (re-routed, escalated). Notices go out once per distributor and manager.
    """
    now = now or timezone.now()
    limit = limit or settings.LEAD_DEADLINE_BATCH
    ids = list(
        Lead.objects.overdue(now)
        .order_by("accept_deadline", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    taken_back, handed, escalated = Counter(), defaultdict(list), defaultdict(list)
    for lead_id in ids:
        outcome = lead_expire(lead_id=lead_id, now=now)
        if outcome is None:
            continue
        old, new, was_escalated = outcome
        taken_back[old] += 1
        if was_escalated:
            escalated[old].append(lead_id)
        else:
            handed[new].append(lead_id)
    notices.leads_taken_back_notify(dict(taken_back))
    notices.leads_assigned_notify(dict(handed))
    notices.leads_escalated_notify(dict(escalated))
    return sum(map(len, handed.values())), sum(map(len, escalated.values()))


# --- deal registration ---------------------------------------------------------------------


def partner_source():
    source, _created = LeadSource.objects.get_or_create(
        code=PARTNER_SOURCE,
        defaults={
            "name": "Partner-registered deals",
            "name_fr": "Affaires enregistrées par les partenaires",
            "kind": LeadSource.Kind.PARTNER,
        },
    )
    return source


@transaction.atomic
def deal_register(*, by, company, country, **fields):
    """A partner registers a deal it found; it waits for a manager's decision."""
    membership = user_membership(by) if is_partner(by) else None
    if membership is None:
        raise NotAllowed(_("Only partner users register deals."))
    at = timezone.now()
    source = partner_source()
    lead = Lead(
        source=source,
        # Unique whatever the clock says: two partners may register in the same instant.
        external_ref=f"reg-{membership.distributor.code}-{uuid.uuid4().hex[:16]}",
        company=company,
        country=(country or "").upper(),
        status=Lead.Status.NEW,
        **fields,
    )
    lead.currency = (lead.currency or "").upper()
    lead_validate(lead)
    lead._history_user = by
    lead.save()
    event = LeadEvent.objects.create(
        lead=lead,
        at=at,
        by=by,
        from_status="",
        to_status=Lead.Status.NEW,
        cause=LeadEvent.Cause.REGISTERED,
        distributor_id=membership.distributor_id,
    )
    rollups.events_count([event.pk])
    registration = DealRegistration.objects.create(
        lead=lead, distributor=membership.distributor, registered_by=by, registered_at=at
    )
    transaction.on_commit(lambda: notices.deal_registered_notify(registration))
    return registration


def _locked_registration(registration):
    locked = (
        DealRegistration.objects.select_for_update(of=("self",))
        .select_related("distributor", "distributor__tier", "lead")
        .get(pk=registration.pk)
    )
    if locked.status != DealRegistration.Status.PENDING:
        raise ValidationFailed(_("This registration is already decided."))
    return locked


@transaction.atomic
def deal_approve(*, registration, by, note=""):
    """The deal becomes the registering distributor's lead, accepted from the start."""
    require_manufacturer(by, _("Only the manufacturer decides on registered deals."))
    text_check(DealRegistration, "decision_note", note, field="note")
    registration = _locked_registration(registration)
    if registration.distributor.status not in (
        Distributor.Status.ACTIVE,
        Distributor.Status.PROBATION,
    ):
        raise ValidationFailed(
            _("%(code)s is not active: it cannot take the deal; decline it.")
            % {"code": registration.distributor.code}
        )
    lead = _lock(registration.lead)
    moves = Moves()
    at = timezone.now()
    cause = LeadEvent.Cause.APPROVED
    moves.move(lead, Lead.Status.MQL, by=by, at=at, cause=cause, note=note)
    _hand_over(moves, lead, registration.distributor, by=by, at=at, cause=cause)
    moves.move(lead, Lead.Status.ACCEPTED, by=by, at=at, cause=cause, answer=True)
    lead.owner = registration.registered_by
    _save(lead, by, HANDOVER_FIELDS)
    registration.status = DealRegistration.Status.APPROVED
    registration.decided_by = by
    registration.decided_at = at
    registration.decision_note = note
    registration.save()
    moves.count()
    resolve(key=notices.registration_decide(registration.pk))
    transaction.on_commit(lambda: notices.deal_decided_notify(registration))
    return registration


@transaction.atomic
def deal_decline(*, registration, by, note):
    if not (note or "").strip():
        raise ValidationFailed(_("Tell the partner why the deal is declined."), field="note")
    text_check(DealRegistration, "decision_note", note, field="note")
    require_manufacturer(by, _("Only the manufacturer decides on registered deals."))
    registration = _locked_registration(registration)
    lead = _lock(registration.lead)
    moves = Moves()
    at = moves.move(
        lead,
        Lead.Status.LOST,
        by=by,
        cause=LeadEvent.Cause.DECLINED,
        reason=Lead.LostReason.REGISTRATION_DECLINED,
        note=note,
    )
    lead.lost_reason = Lead.LostReason.REGISTRATION_DECLINED
    lead.closed_at = at
    _save(lead, by, ["status", "lost_reason", "closed_at"])
    registration.status = DealRegistration.Status.DECLINED
    registration.decided_by = by
    registration.decided_at = at
    registration.decision_note = note
    registration.save()
    moves.count()
    resolve(key=notices.registration_decide(registration.pk))
    transaction.on_commit(lambda: notices.deal_decided_notify(registration))
    return registration


# --- qualification criteria ------------------------------------------------------------------
#
# One draft is edited at a time; publishing freezes it. Every write locks the version's row first,
# so an edit and a publish of the same draft are serialised: an edit that comes second finds the
# version published and is refused, and a publish never freezes half an edit.


def _require_criteria_editor(by):
    require_manufacturer(by, _("Only the manufacturer edits the qualification criteria."))


def _locked_draft(version_id):
    """The draft's row, locked; a published version is refused (it is frozen)."""
    version = CriteriaVersion.objects.select_for_update().get(pk=version_id)
    if version.is_published:
        raise ValidationFailed(
            _("Version %(number)d is published and frozen; edit the draft of the next version.")
            % {"number": version.number}
        )
    return version


def _stored_version_id(criterion):
    """The version an item is stored under (never the one on the instance, which a caller may
    have changed: an item must not be moved out of a published version)."""
    version_id = (
        Criterion.objects.filter(pk=criterion.pk).values_list("version_id", flat=True).first()
    )
    if version_id is None:
        raise ValidationFailed(_("This item no longer exists."))
    return version_id


def _criterion_validate(criterion):
    """Field rules (slug code, labels present and not too long) as an error naming the field."""
    from django.core.exceptions import ValidationError
    from django.utils.text import capfirst

    try:
        criterion.full_clean(exclude=["version", "position"], validate_constraints=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        name = capfirst(Criterion._meta.get_field(field).verbose_name)
        raise ValidationFailed(
            f"{name}: {messages[0]}", field=field, details=exc.message_dict
        ) from exc


def _criteria_place(version, criterion, position):
    """Save `criterion` at `position` (from 1; 0 keeps its place, a new item goes last) and
    number the draft's items 1, 2, 3… in their order."""
    items = list(version.items.order_by("position", "id"))
    index = next((i for i, item in enumerate(items) if item.pk == criterion.pk), len(items))
    items = [item for item in items if item.pk != criterion.pk]
    if position:
        index = min(max(position, 1), len(items) + 1) - 1
    items.insert(index, criterion)
    moved = []
    for number, item in enumerate(items, 1):
        if item is not criterion and item.position != number:
            moved.append(item)
        item.position = number
    criterion.save()
    Criterion.objects.bulk_update(moved, ["position"])
    version.save(update_fields=["updated_at"])


class _DraftTaken(Exception):
    """Another manager's draft was committed while this one was being created."""


@transaction.atomic
def criteria_draft(*, by):
    """The draft of the next version: the open one, or a copy of the latest published one."""
    from django.db import IntegrityError

    _require_criteria_editor(by)
    drafts = CriteriaVersion.objects.select_for_update().filter(published_at__isnull=True)
    draft = drafts.order_by("number").first()
    if draft is not None:
        return draft
    latest = criteria_current()
    number = (
        CriteriaVersion.objects.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    try:
        with transaction.atomic():
            draft = CriteriaVersion.objects.create(number=number, created_by=by)
            # Another manager may have committed a draft since the look above (then the number
            # read after it was one higher): the first draft wins, this one is rolled back.
            others = CriteriaVersion.objects.filter(published_at__isnull=True)
            if others.exclude(pk=draft.pk).exists():
                raise _DraftTaken
    except (IntegrityError, _DraftTaken):
        # Another manager started the draft a moment ago: theirs is the draft.
        draft = drafts.order_by("number").first()
        if draft is None:
            raise ValidationFailed(
                _("The criteria changed meanwhile; nothing was saved. Try again.")
            ) from None
        return draft
    if latest is not None:
        Criterion.objects.bulk_create(
            [
                Criterion(
                    version=draft,
                    position=position,
                    code=item.code,
                    label=item.label,
                    label_fr=item.label_fr,
                    required=item.required,
                )
                for position, item in enumerate(latest.items.all(), 1)
            ]
        )
    return draft


@transaction.atomic
def criterion_save(*, criterion, by):
    """Add an item to the draft or change one of its items.

    A new item without a version goes to the draft, which is started first (a copy of the current
    version) when there is none. `criterion.position` (from 1) places the item and the others
    close up around it; 0 or None keeps its place (a new item goes last). Refused, changing
    nothing: an item of a published version, a code the draft already has, a missing or invalid
    field (the error names it).
    """
    _require_criteria_editor(by)
    if criterion.pk is not None:
        version_id = _stored_version_id(criterion)
    else:
        version_id = criterion.version_id or criteria_draft(by=by).pk
    version = _locked_draft(version_id)
    criterion.version = version
    criterion.code = (criterion.code or "").strip()
    criterion.label = (criterion.label or "").strip()
    criterion.label_fr = (criterion.label_fr or "").strip()
    position = criterion.position or 0
    criterion.position = position
    _criterion_validate(criterion)
    clash = Criterion.objects.filter(version=version, code=criterion.code).exclude(pk=criterion.pk)
    if clash.exists():
        raise ValidationFailed(
            _("Version %(number)d already has an item with the code %(code)s.")
            % {"number": version.number, "code": criterion.code},
            field="code",
        )
    _criteria_place(version, criterion, position)
    return criterion


@transaction.atomic
def criterion_move(*, criterion, by, position):
    """Move an item of the draft to `position` (from 1); the others close up around it."""
    _require_criteria_editor(by)
    version = _locked_draft(_stored_version_id(criterion))
    stored = Criterion.objects.get(pk=criterion.pk)  # its fields as saved, read under the lock
    _criteria_place(version, stored, max(1, int(position)))
    return stored


@transaction.atomic
def criterion_delete(*, criterion, by):
    """Remove an item from the draft; the others close up."""
    _require_criteria_editor(by)
    version = _locked_draft(_stored_version_id(criterion))
    Criterion.objects.filter(pk=criterion.pk).delete()
    items = list(version.items.order_by("position", "id"))
    for number, item in enumerate(items, 1):
        item.position = number
    Criterion.objects.bulk_update(items, ["position"])
    version.save(update_fields=["updated_at"])


@transaction.atomic
def criteria_publish(*, version, by, notes=""):
    """Freeze the draft: from now on qualifications answer it; partner admins are asked to
    acknowledge it (notified after the commit).

    Refused, changing nothing: a version already published, a draft without items or without a
    required item, a draft identical to the current version.
    """
    from .selectors import criteria_changes

    require_manufacturer(by, _("Only the manufacturer publishes qualification criteria."))
    text_check(CriteriaVersion, "notes", notes)
    version = CriteriaVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ValidationFailed(
            _("Version %(number)d is already published.") % {"number": version.number}
        )
    items = list(version.items.all())
    if not items:
        raise ValidationFailed(_("Add at least one item before publishing."))
    if not any(item.required for item in items):
        raise ValidationFailed(_("At least one item must be required."))
    current = criteria_current()
    if current is not None and not criteria_changes(previous=current, version=version):
        raise ValidationFailed(
            _("The draft is the same as version %(number)d: there is nothing to publish.")
            % {"number": current.number}
        )
    version.published_at = timezone.now()
    version.published_by = by
    notes = (notes or "").strip()
    if notes:
        version.notes = notes
    version.save()
    from .tasks import criteria_published_notify_task

    transaction.on_commit(lambda: criteria_published_notify_task.delay(version.pk))
    return version


@transaction.atomic
def criteria_acknowledge(*, version, by):
    """A partner admin acknowledges the current version for its distributor.

    Acknowledging again changes nothing and returns the first acknowledgement (who, when). A
    version that is a draft or was replaced by a newer one cannot be acknowledged.
    """
    if user_role(by) != Role.PARTNER_ADMIN:
        raise NotAllowed(_("Only a partner admin acknowledges the criteria."))
    membership = user_membership(by)
    version = CriteriaVersion.objects.get(pk=version.pk)
    if not version.is_published:
        raise ValidationFailed(_("Only a published version can be acknowledged."))
    current = criteria_current()
    if current.number != version.number:
        raise ValidationFailed(
            _("Version %(number)d was replaced by version %(current)d; acknowledge that one.")
            % {"number": version.number, "current": current.number}
        )
    acknowledgement, _created = CriteriaAcknowledgement.objects.get_or_create(
        version=version,
        distributor_id=membership.distributor_id,
        defaults={"by": by, "at": timezone.now()},
    )
    resolve(key=notices.criteria_acknowledge(membership.distributor_id))
    return acknowledgement


# --- materials ---------------------------------------------------------------------------------

# What the catalogue stores: documents, images and videos a partner opens on its own machine.
MATERIAL_EXTENSIONS = ("pdf", "pptx", "docx", "xlsx", "png", "jpg", "jpeg", "mp4")
MATERIAL_LINK_SCHEMES = ("http", "https")
# How each of those files starts (an MP4 names its type at byte 4): a file whose content is not
# what its extension says (an HTML page renamed .pdf, say) is refused.
MATERIAL_SIGNATURES = {
    "pdf": ((0, b"%PDF-"),),
    "png": ((0, b"\x89PNG\r\n\x1a\n"),),
    "jpg": ((0, b"\xff\xd8\xff"),),
    "jpeg": ((0, b"\xff\xd8\xff"),),
    "pptx": ((0, b"PK\x03\x04"),),
    "docx": ((0, b"PK\x03\x04"),),
    "xlsx": ((0, b"PK\x03\x04"),),
    "mp4": ((4, b"ftyp"),),
}
MATERIAL_COMMENT_MAX = text_limit(MaterialFeedback, "comment")


def _material_check_upload(upload):
    """A newly uploaded file: one of MATERIAL_EXTENSIONS, at most MATERIAL_MAX_BYTES."""
    import os

    extension = os.path.splitext(upload.name or "")[1].lower().lstrip(".")
    if extension not in MATERIAL_EXTENSIONS:
        raise ValidationFailed(
            _("A %(extension)s file cannot go into the catalogue; upload one of: %(allowed)s.")
            % {
                "extension": f".{extension}" if extension else _("nameless"),
                "allowed": ", ".join(MATERIAL_EXTENSIONS),
            },
            field="file",
        )
    if upload.size > settings.MATERIAL_MAX_BYTES:
        raise ValidationFailed(material_too_large_message(upload.size), field="file")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(
        head[offset : offset + len(magic)] == magic
        for offset, magic in MATERIAL_SIGNATURES[extension]
    ):
        raise ValidationFailed(
            _("“%(name)s” is not a real .%(extension)s file; upload the file itself.")
            % {"name": os.path.basename(upload.name), "extension": extension},
            field="file",
        )


def material_too_large_message(size=None):
    from django.template.defaultfilters import filesizeformat

    limit = filesizeformat(settings.MATERIAL_MAX_BYTES)
    if size:
        return _("The file is %(size)s; the limit is %(limit)s.") % {
            "size": filesizeformat(size),
            "limit": limit,
        }
    return _("The file is larger than the limit of %(limit)s.") % {"limit": limit}


def material_validate(material):
    """The rules of a catalogue item as a ValidationFailed naming the field at fault."""
    from urllib.parse import urlsplit

    from django.core.exceptions import ValidationError

    if not material.title.strip():
        raise ValidationFailed(_("Give the item a title."), field="title")
    if not material.file and not material.url:
        raise ValidationFailed(_("Give a file or a link."), field="url")
    text_check(Material, "description", material.description)
    # Only a file uploaded now is checked: a stored one passed when it came in.
    if material.file and not material.file._committed:
        _material_check_upload(material.file)
    if material.url and urlsplit(material.url).scheme.lower() not in MATERIAL_LINK_SCHEMES:
        raise ValidationFailed(_("A link must start with http:// or https://."), field="url")
    try:
        material.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        field = None if field == "__all__" else field
        raise ValidationFailed(
            f"{field}: {messages[0]}" if field else messages[0],
            field=field,
            details=exc.message_dict,
        ) from exc


def _material_file_discard(storage, name):
    """Delete a file no item refers to any more (a replaced or removed upload)."""
    if Material.objects.filter(file=name).exists():
        return
    try:
        storage.delete(name)
    except OSError:
        log.warning("could not delete the replaced catalogue file %s", name, exc_info=True)


@transaction.atomic
def material_save(*, material, by):
    """Add or change a catalogue item (the manufacturer's staff).

    A replaced or removed file is deleted from storage once the change is committed.
    """
    require_manufacturer(by, _("Only the manufacturer edits the catalogue."))
    material_validate(material)
    old_file = ""
    if material.pk:
        old_file = (
            Material.objects.select_for_update()
            .filter(pk=material.pk)
            .values_list("file", flat=True)
            .first()
        ) or ""
    material.save()
    if old_file and old_file != material.file.name:
        storage = material.file.storage
        transaction.on_commit(lambda: _material_file_discard(storage, old_file))
    return material


@transaction.atomic
def material_rate(*, material, by, rating, comment="", lead=None):
    """A partner user rates a catalogue item (again: the new rating replaces its own).

    Rated from a lead, the rating counts for the lead's stage; else for the item's stage. The
    lead must be its distributor's and the item one that the lead's page offers.
    """
    from .selectors import materials_for_lead

    membership = user_membership(by) if is_partner(by) else None
    if membership is None:
        raise NotAllowed(_("Only partner users rate the catalogue."))
    if isinstance(rating, bool) or not (isinstance(rating, int) and 1 <= rating <= 5):
        raise ValidationFailed(_("Rate it from 1 to 5."), field="rating")
    comment = text_check(MaterialFeedback, "comment", (comment or "").strip())
    if not material.is_active:
        raise ValidationFailed(_("This item is no longer in the catalogue."))
    stage = material.stage
    if lead is not None:
        if lead.distributor_id != membership.distributor_id:
            raise NotAllowed(_("This lead is not handed to your distributor."))
        if not materials_for_lead(lead=lead).filter(pk=material.pk).exists():
            raise ValidationFailed(
                _("This item is not offered on this lead at its current stage."), field="lead"
            )
        if lead.status in Material.Stage.values:
            stage = lead.status
    feedback, _created = MaterialFeedback.objects.update_or_create(
        material=material,
        by=by,
        stage=stage,
        defaults={
            "distributor_id": membership.distributor_id,
            "rating": rating,
            "comment": comment,
            "lead": lead,
            "at": timezone.now(),
        },
    )
    return feedback
