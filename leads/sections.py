"""Leads' part of the distributor's 360° record: the leads waiting with their deadlines, those
overdue, those accepted this month and the funnel in one line; lead events in the timeline."""

from urllib.parse import urlencode

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from distributors import record
from distributors.selectors import distributor_scope_default
from drm import compiled
from drm.periods import month_start
from identity.access import Role, is_manufacturer, user_role, viewer_key

from . import analytics, selectors
from .models import Lead, LeadEvent, Stage

WAITING_SHOWN = 5


def _waiting(distributor, viewer):
    """The leads of `distributor` waiting for an answer as `viewer` sees them, most urgent
    first: the first WAITING_SHOWN and their counts (waiting, overdue) in one query, shared by
    the leads section and a partner admin's to-do (the same rows)."""

    def waiting(distributor, now):
        leads = (
            selectors.waiting_for_answer(Lead.objects.visible_to(viewer))
            .filter(distributor=distributor)
            .select_related("product_line")
            .order_by(F("accept_deadline").asc(nulls_last=True), "id")
        )
        return leads, {
            "waiting": Count("pk"),
            "overdue": Count("pk", filter=Q(accept_deadline__lt=now)),
        }

    def build():
        now = timezone.now()
        rows, counts = record.frozen_head_and_counts(
            ("leads.waiting", viewer_key(viewer)),
            waiting,
            WAITING_SHOWN,
            # One distributor may hold a hundred times another's leads: planned each time.
            prepare=False,
            distributor=distributor,
            now=now,
        )
        return now, rows, counts

    return record.shared(distributor, ("leads_waiting", viewer.pk), build)


def leads_section(distributor, viewer, today):
    now, waiting, counts = _waiting(distributor, viewer)
    manufacturer = is_manufacturer(viewer)
    # The running month's acceptances as the analytics count them (the rollups the lifecycle
    # services keep in step with each event).
    month = month_start(today)
    funnel = analytics.funnel(
        period=analytics.month_range(last=month), distributor=distributor, month=month
    )
    if manufacturer:
        base = reverse("leads:list")
        waiting_url = f"{base}?{urlencode({'distributor': distributor.code, 'status': 'assigned'})}"
        overdue_url = f"{base}?{urlencode({'distributor': distributor.code, 'overdue': 'on'})}"
        funnel_url = f"{reverse('leads:analytics')}?{urlencode({'distributor': distributor.code})}"
    else:
        waiting_url = overdue_url = reverse("leads:inbox")
        funnel_url = reverse("leads:analytics")
    return {
        "waiting": [
            {"lead": lead, "overdue": lead.accept_deadline and lead.accept_deadline < now}
            for lead in waiting
        ],
        "waiting_count": counts["waiting"],
        "overdue_count": counts["overdue"],
        "accepted_this_month": funnel["month_counts"].get(Stage.ACCEPTED, 0),
        "month": month,
        "funnel": funnel,
        "waiting_url": waiting_url,
        "overdue_url": overdue_url,
        "funnel_url": funnel_url,
        "manufacturer": manufacturer,
    }


def lead_timeline(distributor, viewer, limit):
    """The lead events of `distributor`: accepted, rejected, expired, won, lost, handed over."""
    kinds = {
        LeadEvent.Cause.REJECTED: (_("Lead rejected"), "danger"),
        LeadEvent.Cause.EXPIRED: (_("Lead not accepted in time"), "danger"),
        LeadEvent.Cause.ROUTED: (_("Lead handed over"), "secondary"),
        LeadEvent.Cause.MANUAL: (_("Lead handed over"), "secondary"),
    }
    statuses = {
        Lead.Status.ACCEPTED: (_("Lead accepted"), "success"),
        Lead.Status.WON: (_("Lead won"), "success"),
        Lead.Status.LOST: (_("Lead lost"), "secondary"),
    }

    def build(distributor):
        return (
            LeadEvent.objects.filter(distributor=distributor)
            .filter(Q(cause__in=list(kinds)) | Q(to_status__in=list(statuses)))
            .select_related("lead", "by")
            .order_by("-at", "-id")[:limit]
        )

    events = compiled.rows(("leads.timeline", limit), build, prepare=False, distributor=distributor)
    manufacturer = is_manufacturer(viewer)
    entries = []
    for event in events:
        kind, tone = kinds.get(event.cause) or statuses.get(event.to_status, ("", "secondary"))
        # A lead that went on to another distributor is out of the partner's sight now.
        linked = manufacturer or event.lead.distributor_id == distributor.pk
        entries.append(
            record.TimelineEntry(
                when=event.at,
                kind=kind,
                text=event.lead.company,
                url=reverse("leads:detail", args=[event.lead_id]) if linked else "",
                who=(event.by.get_full_name() or event.by.get_username()) if event.by else "",
                tone=tone,
            )
        )
    return entries


def _preview(key, build, row, **values):
    """`row(item)` of the first items of `build(**values)`, its SQL compiled once per `key`
    (channel-wide leads are planned each time: see compiled.rows)."""
    items = compiled.rows(
        key, lambda **values: build(**values)[: record.TODO_PREVIEW], prepare=False, **values
    )
    return tuple(row(item) for item in items)


def _lead_row(lead, now):
    return record.TodoRow(
        text=lead.company,
        url=reverse("leads:detail", args=[lead.pk]),
        due=lead.accept_deadline,
        overdue=bool(lead.accept_deadline and lead.accept_deadline < now),
    )


def todo_leads_to_accept(viewer, *, distributor, scope, today):
    """A partner's leads to accept or reject, most urgent first (a rep: those handed to it)."""
    if distributor is None or is_manufacturer(viewer):
        return None
    if user_role(viewer) == Role.PARTNER_ADMIN:
        # Its distributor's waiting leads: the rows the leads section read.
        now, rows, counts = _waiting(distributor, viewer)
        rows = rows[: record.TODO_PREVIEW]
    else:
        now = timezone.now()
        rows, counts = record.head_and_counts(
            selectors.leads_to_accept(user=viewer, distributor=distributor).select_related(None),
            record.TODO_PREVIEW,
            waiting=Count("pk"),
            overdue=Count("pk", filter=Q(accept_deadline__lt=now)),
        )
    return record.Todo(
        key="leads_to_accept",
        label=_("Leads to accept"),
        count=counts["waiting"],
        overdue=counts["overdue"],
        url=selectors.leads_to_accept_url(user=viewer, distributor=distributor),
        rows=tuple(_lead_row(lead, now) for lead in rows),
        action=_("Accept or reject each one before its deadline"),
    )


def todo_leads_overdue(viewer, *, distributor, scope, today):
    """A manager's leads past their accept deadline, over its scope."""
    if distributor is not None or not is_manufacturer(viewer):
        return None
    scope = scope or distributor_scope_default(user=viewer)
    now = timezone.now()
    return record.Todo(
        key="leads_overdue",
        label=_("Leads past their accept deadline"),
        count=selectors.leads_overdue_count(user=viewer, scope=scope, now=now),
        url=selectors.leads_overdue_url(user=viewer, scope=scope),
        rows=_preview(
            ("leads.todo-overdue", viewer_key(viewer), scope),
            lambda now: selectors.leads_overdue(user=viewer, scope=scope, now=now).select_related(
                "distributor"
            ),
            lambda lead: _lead_row(lead, now),
            now=now,
        ),
        action=_("Re-route them, or remind the distributor"),
    )


def todo_registrations(viewer, *, distributor, scope, today):
    """A manager's deal registrations to approve or decline, over its scope."""
    if distributor is not None or not is_manufacturer(viewer):
        return None
    scope = scope or distributor_scope_default(user=viewer)
    key = ("leads.todo-registrations", viewer_key(viewer), scope)

    def registrations():
        return selectors.registrations_to_approve(user=viewer, scope=scope)

    return record.Todo(
        key="registrations_to_approve",
        label=_("Deal registrations to approve"),
        count=compiled.count(key, registrations),
        url=selectors.registrations_to_approve_url(user=viewer, scope=scope),
        rows=_preview(
            key,
            registrations,
            lambda registration: record.TodoRow(
                text=f"{registration.lead.company} · {registration.distributor.name}",
                url=selectors.registrations_to_approve_url(user=viewer, scope=scope),
            ),
        ),
        action=_("Approve or decline each one"),
    )


def register():
    record.register_section(
        "leads", order=40, template="leads/record/_leads.html", build=leads_section
    )
    record.register_timeline("leads", lead_timeline)
    record.register_todo("leads_to_accept", order=10, build=todo_leads_to_accept)
    record.register_todo("leads_overdue", order=40, build=todo_leads_overdue)
    record.register_todo("registrations_to_approve", order=30, build=todo_registrations)
