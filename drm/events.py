"""Domain events: the registry of event types and `emit`, which the services call explicitly.

A service that does something an integration may want to hear of calls
`emit("lead.accepted", distributor_id=..., data={...})` inside its transaction. `emit` hands the
event to every registered sink (the webhooks app registers one in its AppConfig.ready); a sink
writes what it needs in the same transaction, so an act rolled back publishes nothing. This
module imports no app: the apps import it.

`data` holds only what a partner user of `distributor_id` may see (ids, codes, statuses, dates,
amounts shown to the partner; never internal fields). `distributor_id=None` is a channel-level
event: only the manufacturer's (channel) subscriptions receive it.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class EventType:
    name: str
    label: str


_EVENTS: dict[str, EventType] = {}
_SINKS: list = []


def register_event(name, label):
    """Add an event type (idempotent for the same name)."""
    _EVENTS[name] = EventType(name, label)
    return _EVENTS[name]


def event_types():
    return sorted(_EVENTS.values(), key=lambda event: event.name)


def event_get(name):
    return _EVENTS[name]


def is_event(name):
    return name in _EVENTS


def sink_register(sink):
    """`sink(event_type, distributor_id, data)` is called by every `emit` (idempotent)."""
    if sink not in _SINKS:
        _SINKS.append(sink)
    return sink


def emit(event_type, *, distributor_id, data):
    """Tell every sink that `event_type` happened (to `distributor_id`'s data, or the channel's
    when None). Call it inside the transaction of the act."""
    if event_type not in _EVENTS:
        raise LookupError(f"unknown event type {event_type!r}; register it first")
    for sink in list(_SINKS):
        sink(event_type, distributor_id, data)


LEAD_ASSIGNED = register_event("lead.assigned", _("Lead assigned to a distributor"))
LEAD_ACCEPTED = register_event("lead.accepted", _("Lead accepted"))
LEAD_REJECTED = register_event("lead.rejected", _("Lead rejected"))
LEAD_EXPIRED = register_event("lead.expired", _("Lead taken back after its accept deadline"))
GOAL_PROPOSED = register_event("goal.proposed", _("Goal proposed or counter-proposed"))
GOAL_AGREED = register_event("goal.agreed", _("Goal agreed"))
REVIEW_OPENED = register_event("review.opened", _("Landmark review opened"))
REVIEW_ACCOUNTED = register_event("review.accounted", _("Landmark review accounted for"))
SCORECARD_PUBLISHED = register_event("scorecard.published", _("Scorecards published"))
IMPORT_COMMITTED = register_event("import.committed", _("Import committed"))
FUND_REQUEST_DECIDED = register_event("fund_request.decided", _("Fund request decided"))
FUND_CLAIM_DECIDED = register_event("fund_claim.decided", _("Fund claim decided"))
WEBHOOK_TEST = register_event("webhook.test", _("Test event (sent from the subscription page)"))
