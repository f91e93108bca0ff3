"""A CRM's outcome push: its opportunity stage changes, in bulk, move a distributor's leads.

Each item goes through the lifecycle services (lead_accept, lead_qualify, lead_convert, lead_win,
lead_lose), never around them: their rules, row locks, events, rollups and notices all hold.

Per item, not all or nothing: a CRM sends the day's stage changes together, and one stale or
refused lead must not hold back the others. Each item is applied in a transaction of its own (a
move through several stages, accepted → won, commits whole or not at all) and gets its own result:
`applied`, `unchanged` (the lead is already in that stage, or this `event_id` was received before:
nothing happens, no event, no notice) or `refused` (nothing changed; the error names the field).

Partner-scoped: a lead is looked up among the caller's distributor's leads only; any other id is
`refused` as not found, exactly as one that does not exist.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drm.errors import DomainError, NotAllowed, ValidationFailed
from drm.limits import PARAGRAPHS
from identity.access import is_partner, user_membership

from . import services
from .models import Lead, OutcomePush

# The most items one push may carry: a day's stage changes of a large partner, and a request
# that one worker finishes well within a proxy's timeout (each applied item is a transaction).
MAX_OUTCOMES = 500

# The stages a CRM may push, in the order a lead goes through them (lost: from any open stage).
PUSHABLE = (
    Lead.Status.ACCEPTED,
    Lead.Status.DQL,
    Lead.Status.OPPORTUNITY,
    Lead.Status.WON,
    Lead.Status.LOST,
)
FORWARD = (
    Lead.Status.ASSIGNED,
    Lead.Status.ACCEPTED,
    Lead.Status.DQL,
    Lead.Status.OPPORTUNITY,
    Lead.Status.WON,
)
CLOSED = (Lead.Status.WON, Lead.Status.LOST)


REFUSED = OutcomePush.Result.REFUSED.value


class _Refused(Exception):
    def __init__(self, field, message, code="invalid"):
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code


def _label(status):
    return Lead.Status(status).label


def outcome_steps(current, target):
    """The statuses a lead at `current` goes through to reach `target`, in order; a _Refused
    when no move of the services leads there."""
    if current in CLOSED:
        raise _Refused(
            "stage",
            _("The lead is already %(status)s; a closed lead does not move.")
            % {"status": _label(current)},
        )
    if target == Lead.Status.LOST:
        if current == Lead.Status.ASSIGNED:
            raise _Refused(
                "stage",
                _(
                    "The lead is waiting for your answer: accept it first, or reject it "
                    "(leads/<id>/reject/) to give it back."
                ),
            )
        return [Lead.Status.LOST]
    start, end = FORWARD.index(current), FORWARD.index(target)
    if end < start:
        raise _Refused(
            "stage",
            _("The lead is already %(status)s; a push does not move a lead back.")
            % {"status": _label(current)},
        )
    return list(FORWARD[start + 1 : end + 1])


# Which item field a service's error is about, per step (the services name their own inputs).
STEP_FIELDS = {
    Lead.Status.ACCEPTED: {},
    Lead.Status.DQL: {"answers": "answers"},
    Lead.Status.OPPORTUNITY: {"value": "opportunity_value", "expected_close": "expected_close"},
    Lead.Status.WON: {"value": "won_value", "note": "note"},
    Lead.Status.LOST: {"reason": "lost_reason", "note": "note"},
}


def _step(lead, step, item, *, by, final):
    """Move a lead one stage by its service; the item's note goes with the last move."""
    note = item.get("note", "") if final else ""
    target = item["stage"]
    if step == Lead.Status.ACCEPTED:
        return services.lead_accept(lead=lead, by=by)
    if step == Lead.Status.DQL:
        if item.get("answers") is None:
            raise _Refused(
                "answers",
                _("Send the answers to the qualification criteria to make the lead %(stage)s.")
                % {"stage": _label(Lead.Status.DQL)},
            )
        return services.lead_qualify(lead=lead, by=by, answers=item["answers"], note=note)
    if step == Lead.Status.OPPORTUNITY:
        # On the way to won, the opportunity is the won deal: its value and today's date,
        # unless the CRM sends them.
        value = item.get("opportunity_value")
        if value is None and target == Lead.Status.WON:
            value = item.get("won_value")
        expected_close = item.get("expected_close") or timezone.localdate()
        if value is None:
            raise _Refused(
                "opportunity_value",
                _("Send the opportunity's value to make the lead an opportunity."),
            )
        return services.lead_convert(
            lead=lead, by=by, value=value, expected_close=expected_close, note=note
        )
    if step == Lead.Status.WON:
        return services.lead_win(lead=lead, by=by, value=item["won_value"], note=note)
    return services.lead_lose(lead=lead, by=by, reason=item["lost_reason"], note=note)


def _check_currency(lead, item):
    currency = (item.get("currency") or "").upper()
    if not currency or item["stage"] not in (Lead.Status.OPPORTUNITY, Lead.Status.WON):
        return
    lead_currency = lead.currency or lead.distributor.currency
    if currency != lead_currency:
        raise _Refused(
            "currency",
            _("The lead's values are in %(currency)s: send them in %(currency)s.")
            % {"currency": lead_currency},
        )


def _apply(item, *, by, distributor_id, now):
    """One item in its own transaction: (result, status of the lead afterwards); the result is
    a _Refused, to raise once the transaction has committed the refusal's record."""
    with transaction.atomic():
        lead = (
            Lead.objects.select_for_update(of=("self",))
            .select_related("distributor")
            .filter(pk=item["lead"], distributor_id=distributor_id)
            .first()
        )
        if lead is None:  # handed back to the pool since the push was read
            raise _Refused("lead", _("Your distributor has no lead with this id."), "not_found")
        received = OutcomePush.objects.filter(
            distributor_id=distributor_id, event_id=item["event_id"]
        ).first()
        if received is not None:
            return _replayed(received, item, lead.status)
        target = item["stage"]
        result = OutcomePush.Result.UNCHANGED
        try:
            if lead.status != target:
                with transaction.atomic():
                    lead = _moved(lead, item, by=by)
                result = OutcomePush.Result.APPLIED
        except _Refused as refusal:
            # Nothing moved (the savepoint is undone); the refusal is kept, so that the same
            # event is answered the same.
            _record(item, lead, distributor_id, by=by, now=now, refusal=refusal)
            return refusal, lead.status
        _record(item, lead, distributor_id, by=by, now=now, result=result)
        return result, lead.status


def _moved(lead, item, *, by):
    steps = outcome_steps(lead.status, item["stage"])
    _check_currency(lead, item)
    for number, step in enumerate(steps, start=1):
        try:
            lead = _step(lead, step, item, by=by, final=number == len(steps))
        except DomainError as error:
            # Not the caller's to move (a rep, another rep's lead): the lead is at fault.
            fallback = "lead" if isinstance(error, NotAllowed) else "stage"
            field = STEP_FIELDS[step].get(error.field, fallback)
            raise _Refused(field, error.message, error.code) from None
    return lead


def _record(item, lead, distributor_id, *, by, now, result=None, refusal=None):
    OutcomePush.objects.create(
        distributor_id=distributor_id,
        event_id=item["event_id"],
        lead=lead,
        stage=item["stage"],
        result=OutcomePush.Result.REFUSED if refusal else result,
        crm_id=item.get("crm_id", ""),
        crm_stage=item.get("crm_stage", ""),
        occurred_at=item.get("occurred_at"),
        code=refusal.code if refusal else "",
        field=refusal.field if refusal else "",
        # A refusal may quote what the CRM sent (unknown criterion codes): no NUL in a text column.
        message=refusal.message.replace("\x00", "")[:PARAGRAPHS] if refusal else "",
        by=by,
        at=now,
    )


def _refusal_fields(result):
    if isinstance(result, _Refused):
        return {"code": result.code, "field": result.field, "message": result.message}
    return {}


def _replayed(received, item, status):
    """The answer to an event received before: the first answer, and nothing done."""
    if received.lead_id != item["lead"]:
        raise _Refused("event_id", _("This event id was already received for another lead."))
    if received.result == OutcomePush.Result.REFUSED:
        raise _Refused(received.field, received.message, received.code)
    return OutcomePush.Result.UNCHANGED, status


def lead_outcomes_push(*, by, items):
    """Apply a CRM's stage changes to the caller's distributor's leads, item by item.

    `items`: dicts with `lead` (id), `stage` (accepted, dql, opportunity, won or lost),
    `event_id`, and what the stage needs (`answers`; `opportunity_value`, `expected_close`;
    `won_value`, `currency`; `lost_reason`, `note`), plus `crm_id`, `crm_stage` and
    `occurred_at` kept for the audit. Returns one dict per item, in order: `index`, `lead`,
    `event_id`, `result` (applied, unchanged, refused), `status` (the lead's afterwards, None when
    not found) and for a refusal `code`, `field` (the item's field) and `message`.

    An event id received before is answered as the first time (a refusal again, else unchanged)
    and does nothing: to retry a refused change, the CRM sends it with a new event id.
    """
    membership = user_membership(by) if is_partner(by) else None
    if membership is None:
        raise NotAllowed(_("Only a distributor's partner users push their CRM's outcomes."))
    distributor_id = membership.distributor_id
    if len(items) > MAX_OUTCOMES:
        raise ValidationFailed(
            _("Send at most %(count)d outcomes a request.") % {"count": MAX_OUTCOMES},
            field="outcomes",
        )
    # Two reads for the whole push: the leads in scope and the events received before, so that
    # an unknown lead or a replayed item costs no query of its own.
    statuses = dict(
        Lead.objects.filter(
            distributor_id=distributor_id, pk__in={item["lead"] for item in items}
        ).values_list("pk", "status")
    )
    received = {
        push.event_id: push
        for push in OutcomePush.objects.filter(
            distributor_id=distributor_id, event_id__in={item["event_id"] for item in items}
        )
    }
    now = timezone.now()
    results = []
    for index, item in enumerate(items):
        answer = {"index": index, "lead": item["lead"], "event_id": item["event_id"]}
        try:
            if item["lead"] not in statuses:
                raise _Refused("lead", _("Your distributor has no lead with this id."), "not_found")
            if item["event_id"] in received:
                result, status = _replayed(received[item["event_id"]], item, statuses[item["lead"]])
            else:
                result, status = _apply(item, by=by, distributor_id=distributor_id, now=now)
                received[item["event_id"]] = OutcomePush(
                    lead_id=item["lead"],
                    result=REFUSED if isinstance(result, _Refused) else result,
                    **_refusal_fields(result),
                )
                if isinstance(result, _Refused):
                    raise result
        except _Refused as refusal:
            results.append(
                {
                    **answer,
                    "result": REFUSED,
                    "status": statuses.get(item["lead"]) if refusal.code != "not_found" else None,
                    "code": refusal.code,
                    "field": refusal.field,
                    "message": refusal.message,
                }
            )
            continue
        except IntegrityError:
            # The same event id, received at this instant by a concurrent push.
            result, status = OutcomePush.Result.UNCHANGED, statuses[item["lead"]]
        statuses[item["lead"]] = status
        results.append({**answer, "result": str(result), "status": status})
    return results
