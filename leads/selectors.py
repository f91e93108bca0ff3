"""Reads of leads that cross relations, always scoped to the viewer.

Lists page by keyset (newest first, `after` a cursor) rather than by offset, and count at most
COUNT_CAP rows: at millions of leads neither a deep OFFSET nor an exact COUNT is affordable on
every page view.
"""

import base64
import binascii
import datetime

from django.db.models import Case, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from distributors.access import is_manufacturer, user_membership
from drm.history import history_changes

from .models import (
    CriteriaAcknowledgement,
    CriteriaVersion,
    DealRegistration,
    Lead,
    LeadEvent,
    Material,
    MaterialFeedback,
)

COUNT_CAP = 10_000


def lead_list(*, visible_to, filters=None):
    """Leads the viewer may see, newest first, narrowed by `filters` (cleaned values):
    status, distributor, source, country, product_line, age_days, overdue, escalated,
    registered, q (company or reference)."""
    filters = filters or {}
    leads = Lead.objects.visible_to(visible_to).select_related(
        "source", "distributor", "product_line", "owner"
    )
    if filters.get("status"):
        leads = leads.filter(status=filters["status"])
    if filters.get("distributor"):
        leads = leads.filter(distributor=filters["distributor"])
    if filters.get("source"):
        leads = leads.filter(source=filters["source"])
    if filters.get("country"):
        leads = leads.filter(country=filters["country"])
    if filters.get("product_line"):
        leads = leads.filter(product_line=filters["product_line"])
    if filters.get("age_days"):
        since = timezone.now() - datetime.timedelta(days=filters["age_days"])
        leads = leads.filter(created_at__gte=since)
    if filters.get("overdue"):
        leads = leads.filter(status=Lead.Status.ASSIGNED, accept_deadline__lt=timezone.now())
    if filters.get("escalated"):
        leads = leads.filter(escalated_at__isnull=False, status=Lead.Status.MQL)
    if filters.get("owner"):
        leads = leads.filter(owner=filters["owner"])
    if filters.get("q"):
        text = filters["q"]
        leads = leads.filter(Q(company__icontains=text) | Q(external_ref=text))
    return leads.order_by("-created_at", "-id")


def cursor_encode(lead):
    raw = f"{lead.created_at.isoformat()}|{lead.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor):
    """(created_at, id) from a cursor, or None when it is not one of ours."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, pk = raw.rsplit("|", 1)
        created = parse_datetime(when)
        return (created, int(pk)) if created else None
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def keyset_page(leads, *, after=None, size=50):
    """(rows, next cursor or None): the page of `leads` (newest first) after `after`.

    The page's ids are read first, on their own, then its rows by primary key. Filtered on
    indexed columns, the ids come from an index alone; asked for whole rows, the planner may
    walk the newest-first index instead, betting that matches are spread evenly, and after an
    import (the newest leads all MQLs) read past every one of them to find a page of others.
    """
    position = cursor_decode(after)
    if position:
        created, pk = position
        # The redundant `created_at <= created` is what an index on created_at can seek to;
        # the OR alone is only a filter, read from the newest lead down to the page.
        leads = leads.filter(
            Q(created_at__lte=created),
            Q(created_at__lt=created) | Q(created_at=created, id__lt=pk),
        )
    ids = list(leads.values_list("pk", flat=True)[: size + 1])
    more = len(ids) > size
    rows = list(leads.filter(pk__in=ids[:size])) if ids else []
    return rows, (cursor_encode(rows[-1]) if more and rows else None)


def capped_count(queryset, cap=COUNT_CAP):
    """(count, capped): the number of rows up to `cap`, and whether there are more."""
    count = queryset.order_by().values("pk")[: cap + 1].count()
    return min(count, cap), count > cap


def lead_inbox(*, visible_to, mine=False, closed=False):
    """A partner's leads: waiting for an answer first (the most overdue first), then the open
    ones it works, most recently moved first; `closed` shows won and lost leads instead."""
    leads = Lead.objects.visible_to(visible_to).select_related("source", "product_line", "owner")
    if mine:
        leads = leads.filter(owner=visible_to)
    if closed:
        return leads.filter(status__in=[Lead.Status.WON, Lead.Status.LOST]).order_by(
            "-closed_at", "-id"
        )
    return (
        leads.filter(status__in=Lead.OWNED)
        .annotate(
            waiting=Case(
                When(status=Lead.Status.ASSIGNED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("waiting", F("accept_deadline").asc(nulls_last=True), "-updated_at", "-id")
    )


def lead_get(*, visible_to, pk):
    return (
        Lead.objects.visible_to(visible_to)
        .select_related("source", "distributor", "distributor__tier", "product_line", "owner")
        .get(pk=pk)
    )


def lead_timeline(*, lead, viewer):
    """The lead's events as the viewer may see them: a partner sees only the part of the
    lead's life spent with its own distributor (never whom it was offered to before)."""
    events = LeadEvent.objects.filter(lead=lead).select_related("by", "distributor")
    if not is_manufacturer(viewer):
        membership = user_membership(viewer)
        own = membership.distributor_id if membership else None
        events = events.filter(distributor_id=own)
    return list(events.order_by("at", "id"))


def lead_history(*, lead, viewer):
    """Who changed what on the lead. Partners never see the distributor field (a lead may have
    been with another distributor) nor changes made before it was handed to them."""
    records = lead.history.all()
    hidden = ()
    if not is_manufacturer(viewer):
        hidden = ("distributor",)
        if not lead.contact_visible_to(viewer):
            hidden += Lead.CONTACT_FIELDS
        if lead.assigned_at:
            records = records.filter(history_date__gte=lead.assigned_at)
    return history_changes(
        records,
        fields=Lead.HISTORY_FIELDS,
        hidden=hidden,
        subject=lambda record: record.company,
        shown_on_create=("status", "company"),
    )


def lead_latest_routing(*, lead):
    return lead.routings.select_related("distributor", "by").first()


GENERIC_DOMAINS = frozenset(
    {"gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com"}
    | {"icloud.com", "gmx.de", "web.de", "orange.fr", "free.fr", "wanadoo.fr", "laposte.net"}
)


def _domain(email):
    domain = email.rsplit("@", 1)[-1].strip().lower() if "@" in (email or "") else ""
    return "" if domain in GENERIC_DOMAINS else domain


def deal_duplicates(*, leads, limit=20):
    """{lead id: [stored leads that may be the same deal]} for the registered `leads`: same
    company name (ignoring case) or same e-mail domain (free mail providers aside). One query
    for all of them; shown to the manager before deciding."""
    leads = list(leads)
    if not leads:
        return {}
    conditions = Q()
    for lead in leads:
        conditions |= Q(company__iexact=lead.company.strip())
        if _domain(lead.contact_email):
            conditions |= Q(contact_email__iendswith=f"@{_domain(lead.contact_email)}")
    candidates = list(
        Lead.objects.filter(conditions)
        .exclude(pk__in=[lead.pk for lead in leads])
        .select_related("source", "distributor")
        .order_by("-created_at")[: limit * len(leads)]
    )
    found = {}
    for lead in leads:
        company, domain = lead.company.strip().lower(), _domain(lead.contact_email)
        found[lead.pk] = [
            other
            for other in candidates
            if other.company.strip().lower() == company
            or (domain and _domain(other.contact_email) == domain)
        ][:limit]
    return found


def registration_list(*, visible_to, status=None):
    registrations = DealRegistration.objects.visible_to(visible_to).select_related(
        "lead", "distributor", "registered_by", "decided_by"
    )
    if status:
        registrations = registrations.filter(status=status)
    return registrations.order_by("-registered_at")


def criteria_versions():
    return CriteriaVersion.objects.prefetch_related("items").select_related(
        "published_by", "created_by"
    )


def criteria_acknowledgements(*, version, visible_to):
    return (
        CriteriaAcknowledgement.objects.visible_to(visible_to)
        .filter(version=version)
        .select_related("distributor", "by")
        .order_by("distributor__code")
    )


def materials_for_lead(*, lead):
    """The catalogue items a partner sees on a lead: its product line (or any), its stage."""
    stage = lead.status if lead.status in Material.Stage.values else None
    materials = Material.objects.filter(is_active=True).select_related("product_line")
    line = Q(product_line__isnull=True)
    if lead.product_line_id:
        line |= Q(product_line_id=lead.product_line_id)
    stages = [Material.Stage.ANY] + ([stage] if stage else [])
    return materials.filter(line, stage__in=stages).order_by("kind", "title")


def material_list(*, viewer, active_only=False):
    materials = Material.objects.select_related("product_line")
    if active_only or not is_manufacturer(viewer):
        materials = materials.filter(is_active=True)
    return materials.order_by("kind", "title")


def material_ratings(*, material=None):
    """Average rating and count per item and per stage (managers)."""
    from django.db.models import Avg, Count

    feedback = MaterialFeedback.objects.all()
    if material is not None:
        feedback = feedback.filter(material=material)
    return list(
        feedback.values("material_id", "material__title", "stage")
        .annotate(average=Avg("rating"), count=Count("id"))
        .order_by("material__title", "stage")
    )


def material_feedback_list(*, visible_to, material):
    return (
        MaterialFeedback.objects.visible_to(visible_to)
        .filter(material=material)
        .select_related("by", "distributor")
        .order_by("-at")
    )
