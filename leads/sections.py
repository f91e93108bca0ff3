"""Leads' part of the distributor's 360° record: the leads waiting with their deadlines, those
overdue, those accepted this month and the funnel in one line; lead events in the timeline."""

from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from distributors import record
from distributors.access import is_manufacturer
from distributors.periods import month_start

from . import analytics
from .models import Lead, LeadEvent, Stage

WAITING_SHOWN = 5


def leads_section(distributor, viewer, today):
    now = timezone.now()
    manufacturer = is_manufacturer(viewer)
    waiting = (
        Lead.objects.visible_to(viewer)
        .filter(distributor=distributor, status=Lead.Status.ASSIGNED)
        .select_related("product_line")
        .order_by("accept_deadline", "id")
    )
    counts = waiting.aggregate(
        waiting=Count("pk"), overdue=Count("pk", filter=Q(accept_deadline__lt=now))
    )
    # The running month's acceptances as the analytics count them (the rollups the lifecycle
    # services keep in step with each event).
    month = month_start(today)
    this_month = analytics.funnel(
        period=analytics.month_range(month, month), distributor=distributor
    )
    funnel = analytics.funnel(period=analytics.month_range(), distributor=distributor)
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
            for lead in waiting[:WAITING_SHOWN]
        ],
        "waiting_count": counts["waiting"],
        "overdue_count": counts["overdue"],
        "accepted_this_month": this_month["counts"].get(Stage.ACCEPTED, 0),
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
    events = (
        LeadEvent.objects.filter(distributor=distributor)
        .filter(Q(cause__in=list(kinds)) | Q(to_status__in=list(statuses)))
        .select_related("lead", "by")
        .order_by("-at", "-id")[:limit]
    )
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


def register():
    record.register_section(
        "leads", order=40, template="leads/record/_leads.html", build=leads_section
    )
    record.register_timeline("leads", lead_timeline)
