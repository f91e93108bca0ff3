"""Reads of leads that cross relations, always scoped to the viewer.

Lists page by keyset (newest first, `after` a cursor) rather than by offset, and count at most
COUNT_CAP rows: at millions of leads neither a deep OFFSET nor an exact COUNT is affordable on
every page view.
"""

import base64
import binascii
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode

from distributors.models import Distributor
from distributors.selectors import DistributorScope, distributor_scope_default
from drm import compiled
from drm.errors import ValidationFailed
from drm.history import history_changes
from drm.templatetags.money import money, number
from identity.access import (
    Role,
    is_manufacturer,
    is_partner,
    user_membership,
    user_role,
    viewer_key,
)

from .models import (
    CriteriaAcknowledgement,
    CriteriaVersion,
    Criterion,
    DealRegistration,
    Lead,
    LeadEvent,
    Material,
    MaterialFeedback,
    RoutingDecision,
)

COUNT_CAP = 10_000
# The partner inbox's view of the leads waiting for the reader's answer (leads_to_accept).
INBOX_TO_ACCEPT = "to_accept"


def _lead_rows(visible_to):
    return Lead.objects.visible_to(visible_to).select_related(
        "source", "distributor", "product_line", "owner"
    )


def lead_filterset(*, visible_to, data=None, request=None, now=None):
    """The lead list's FilterSet (leads.filters.LeadFilter) bound to `data` (query parameters)
    over the leads the viewer may see, newest first: `.qs` its rows, `.errors` what is wrong.
    `now`: the moment "overdue" is judged at (default: the clock's when it filters)."""
    from .filters import LeadFilter

    request = request or SimpleNamespace(user=visible_to)
    filterset = LeadFilter(
        data, queryset=_lead_rows(visible_to).order_by("-created_at", "-id"), request=request
    )
    filterset.now = now
    return filterset


def lead_list(*, visible_to, filters=None, now=None):
    """Leads the viewer may see, newest first, narrowed by `filters`: LeadFilter's query
    parameters ({"status": "mql", "overdue": "1", "scope": "mine"}). An invalid value raises
    ValidationFailed naming the parameter, never an unfiltered list."""
    if not filters:
        return _lead_rows(visible_to).order_by("-created_at", "-id")
    filterset = lead_filterset(visible_to=visible_to, data=filters, now=now)
    if not filterset.is_valid():
        name, errors = next(iter(filterset.errors.items()))
        raise ValidationFailed(f"{name}: {errors[0]}", field=name, details=filterset.errors)
    return filterset.qs


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


def capped_count(queryset, cap=None):
    """(count, capped): the number of rows up to `cap` (COUNT_CAP), and whether there are more."""
    cap = COUNT_CAP if cap is None else cap
    count = queryset.order_by().values("pk")[: cap + 1].count()
    return min(count, cap), count > cap


# 0 for a lead waiting for the distributor's answer, 1 for one it works: the inbox's order
# (and the second column of the partial index `lead_inbox`).
_WAITING_FIRST = Case(
    When(status=Lead.Status.ASSIGNED, then=Value(0)), default=Value(1), output_field=IntegerField()
)


def waiting_for_answer(leads):
    """Of `leads`, those handed over and waiting for the distributor's answer, spelled as the
    inbox index's own expression (`lead_inbox`), so that a big distributor's waiting leads are
    read from that index rather than from all its leads."""
    return (
        leads.filter(status__in=Lead.OWNED)
        .annotate(waiting_first=_WAITING_FIRST)
        .filter(waiting_first=0)
    )


def _inbox_base(visible_to, mine):
    leads = Lead.objects.visible_to(visible_to)
    return leads.filter(owner=visible_to) if mine else leads


def lead_inbox(*, visible_to, mine=False, closed=False):
    """A partner's leads: waiting for an answer first (the most overdue first), then the open
    ones it works, most recently moved first; `closed` shows won and lost leads instead."""
    leads = _inbox_base(visible_to, mine).select_related("source", "product_line", "owner")
    if closed:
        return leads.filter(status__in=[Lead.Status.WON, Lead.Status.LOST]).order_by(
            "-closed_at", "-id"
        )
    return (
        leads.filter(status__in=Lead.OWNED)
        .annotate(waiting=_WAITING_FIRST)
        .order_by("waiting", F("accept_deadline").asc(nulls_last=True), "-updated_at", "-id")
    )


def lead_inbox_count(*, visible_to, mine=False, closed=False):
    """How many leads lead_inbox lists, counted without its joins and ordering (a big
    distributor has tens of thousands of open leads)."""
    statuses = [Lead.Status.WON, Lead.Status.LOST] if closed else list(Lead.OWNED)
    return _inbox_base(visible_to, mine).filter(status__in=statuses).count()


def lead_inbox_waiting(*, visible_to, mine=False):
    """(waiting for an answer, of which past the deadline) in the viewer's inbox: one query."""
    now = timezone.now()
    counts = (
        _inbox_base(visible_to, mine)
        .filter(status__in=Lead.OWNED)
        # Spelled as the inbox index's own expression, so that the count reads that index's
        # waiting leads only, not every open lead of a big distributor.
        .annotate(waiting_first=_WAITING_FIRST)
        .filter(waiting_first=0)
        .aggregate(waiting=Count("pk"), overdue=Count("pk", filter=Q(accept_deadline__lt=now)))
    )
    return counts["waiting"], counts["overdue"]


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


def _amount(value, record):
    return money(value, record.currency) if record.currency else number(value, 2)


def lead_history(*, lead, viewer):
    """Who changed what on the lead. Partners never see the distributor field (a lead may have
    been with another distributor) nor changes made before it was handed to them."""
    hidden = ()
    since = None
    if not is_manufacturer(viewer):
        hidden = ("distributor",)
        if not lead.contact_visible_to(viewer):
            hidden += Lead.CONTACT_FIELDS
        since = lead.assigned_at
    changes = history_changes(
        lead.history.all(),
        fields=Lead.HISTORY_FIELDS,
        hidden=hidden,
        subject=lambda record: record.company,
        shown_on_create=("status", "company"),
        # Amounts in the lead's own currency (a plain number while it has none).
        written=dict.fromkeys(("estimated_value", "opportunity_value", "won_value"), _amount),
    )
    if since is not None:
        # Compared with the record before, but shown only from the hand-over on.
        changes = [change for change in changes if change.when >= since]
    return changes


def lead_latest_routing(*, lead):
    return lead.routings.select_related("distributor", "by").first()


def leads_left_in_pool(*, lead_ids, since):
    """The leads of `lead_ids` a routing since `since` left in the pool, and why: [{"lead",
    "rule", "why"}] in id order, "rule" the routing rule that left no candidate (territory,
    active, product_line, exclusion, capacity) and "why" its words. Two queries."""
    from .routing import why_left

    leads = {
        lead.pk: lead
        for lead in Lead.objects.filter(pk__in=list(lead_ids), status=Lead.Status.MQL)
        .select_related("product_line")
        .order_by("pk")
    }
    decisions = (
        RoutingDecision.objects.filter(lead_id__in=list(leads), at__gte=since)
        .order_by("lead_id", "-at", "-id")
        .distinct("lead_id")
    )
    left = []
    for decision in decisions:
        if decision.distributor_id is None:
            rule, why = why_left(decision.explanation)
            left.append({"lead": leads[decision.lead_id], "rule": rule, "why": why})
    return left


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
    # Two registrations of one deal waiting side by side are each other's duplicates: only the
    # lead itself is left out of its own candidates.
    candidates = list(
        Lead.objects.filter(conditions)
        .select_related("source", "distributor")
        .order_by("-created_at", "-id")[: (limit + 1) * len(leads)]
    )
    found = {}
    for lead in leads:
        company, domain = lead.company.strip().lower(), _domain(lead.contact_email)
        found[lead.pk] = [
            other
            for other in candidates
            if other.pk != lead.pk
            and (
                other.company.strip().lower() == company
                or (domain and _domain(other.contact_email) == domain)
            )
        ][:limit]
    return found


def registration_list(*, visible_to, status=None):
    registrations = DealRegistration.objects.visible_to(visible_to).select_related(
        "lead", "distributor", "registered_by", "decided_by"
    )
    if status:
        registrations = registrations.filter(status=status)
    # The id breaks ties: numbered pages of an order with ties may overlap.
    return registrations.order_by("-registered_at", "-id")


# --- qualification criteria ------------------------------------------------------------------

# The distributors asked to acknowledge a published version (leads.notices tells their admins).
ACKNOWLEDGING_STATUSES = (Distributor.Status.ACTIVE, Distributor.Status.PROBATION)

# What a version's history compares item by item (the code identifies an item across versions).
CRITERION_COMPARED = ("label", "label_fr", "required")


def criteria_versions(*, visible_to):
    """The versions the viewer may read, newest first, with their items and publisher.

    The manufacturer reads every version, the draft included, each with its
    `acknowledgement_count`; a partner reads the published ones, each with
    `own_acknowledgements` (its own distributor's, zero or one); anyone else none.
    """
    versions = (
        CriteriaVersion.objects.select_related("published_by", "created_by")
        .prefetch_related("items")
        .order_by("-number")
    )
    if is_manufacturer(visible_to):
        return versions.annotate(acknowledgement_count=Count("acknowledgements"))
    if user_membership(visible_to) is None or not is_partner(visible_to):
        return versions.none()
    own = CriteriaAcknowledgement.objects.visible_to(visible_to).select_related("by")
    return versions.filter(published_at__isnull=False).prefetch_related(
        Prefetch("acknowledgements", queryset=own, to_attr="own_acknowledgements")
    )


def criteria_current_number():
    """The number of the version in force (the latest published), or None."""
    return (
        CriteriaVersion.objects.filter(published_at__isnull=False)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )


def criteria_draft_get(*, visible_to):
    """The open draft with its items (manufacturer only), or None. Reading never starts one."""
    if not is_manufacturer(visible_to):
        return None
    return criteria_versions(visible_to=visible_to).filter(published_at__isnull=True).last()


def criteria_version_get(*, visible_to, number):
    """One version the viewer may read, by number (CriteriaVersion.DoesNotExist otherwise)."""
    return criteria_versions(visible_to=visible_to).get(number=number)


def criteria_acknowledged_versions(*, visible_to):
    """The published versions the viewer's distributor acknowledged, newest first (partners;
    the manufacturer acknowledges nothing)."""
    own = CriteriaAcknowledgement.objects.visible_to(visible_to).filter(version=OuterRef("pk"))
    versions = criteria_versions(visible_to=visible_to).filter(published_at__isnull=False)
    if is_manufacturer(visible_to):
        return versions.none()
    return versions.filter(Exists(own))


def criteria_acknowledgements(*, version, visible_to):
    """Who acknowledged `version` for which distributor, and when: every distributor for the
    manufacturer, its own for a partner."""
    return (
        CriteriaAcknowledgement.objects.visible_to(visible_to)
        .filter(version=version)
        .select_related("distributor", "by")
        .order_by("distributor__code")
    )


def criteria_pending_distributors(*, version, visible_to):
    """The distributors asked to acknowledge `version` that have not yet (manufacturer only)."""
    if not is_manufacturer(visible_to):
        return Distributor.objects.none()
    return (
        Distributor.objects.filter(status__in=ACKNOWLEDGING_STATUSES)
        .exclude(
            Exists(
                CriteriaAcknowledgement.objects.filter(version=version, distributor=OuterRef("pk"))
            )
        )
        .order_by("code")
    )


def criteria_acknowledgement_counts(*, version, visible_to):
    """{"acknowledged": n, "pending": m} over the distributors asked to acknowledge `version`
    (manufacturer only; one query)."""
    if not is_manufacturer(visible_to):
        return {"acknowledged": 0, "pending": 0}
    acknowledged = Exists(
        CriteriaAcknowledgement.objects.filter(version=version, distributor=OuterRef("pk"))
    )
    return Distributor.objects.filter(status__in=ACKNOWLEDGING_STATUSES).aggregate(
        acknowledged=Count("pk", filter=Q(acknowledged)),
        pending=Count("pk", filter=~Q(acknowledged)),
    )


@dataclass
class CriteriaChanges:
    """What a version changed against the one before it; false when it changed nothing."""

    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    # (before, after, [(field, verbose name, old value, new value), …]) per item kept by code.
    changed: list = field(default_factory=list)
    reordered: bool = False
    first: bool = False

    def __bool__(self):
        return bool(self.added or self.removed or self.changed or self.reordered)


def criteria_changes(*, previous, version):
    """Items added, removed and changed from `previous` (None: the first version) to
    `version`, compared by code; uses their (prefetched) items, no further query."""
    items = list(version.items.all())
    if previous is None:
        return CriteriaChanges(added=items, first=True)
    before = {item.code: item for item in previous.items.all()}
    after = {item.code: item for item in items}
    changes = CriteriaChanges(
        added=[item for code, item in after.items() if code not in before],
        removed=[item for code, item in before.items() if code not in after],
    )
    for code, item in after.items():
        old = before.get(code)
        if old is None:
            continue
        fields = [
            (
                name,
                Criterion._meta.get_field(name).verbose_name,
                getattr(old, name),
                getattr(item, name),
            )
            for name in CRITERION_COMPARED
            if getattr(old, name) != getattr(item, name)
        ]
        if fields:
            changes.changed.append((old, item, fields))
    kept_before = [code for code in before if code in after]
    kept_after = [code for code in after if code in before]
    changes.reordered = kept_before != kept_after
    return changes


def criteria_history(*, visible_to, page=None, size=10):
    """A page of published versions, newest first, each with what it changed:
    (Paginator page, [(version, CriteriaChanges)]). One query reads the page's versions and
    the one before its oldest, so the number of queries does not depend on the page."""
    published = criteria_versions(visible_to=visible_to).filter(published_at__isnull=False)
    history = Paginator(published, size).get_page(page)
    if not history.paginator.count:
        return history, []
    start, end = history.start_index() - 1, history.end_index()
    rows = list(published[start : end + 1])
    versions, previous = rows[: end - start], [*rows[1:], None][: end - start]
    return history, [
        (version, criteria_changes(previous=before, version=version))
        for version, before in zip(versions, previous, strict=True)
    ]


def materials_for_lead(*, lead, language=None):
    """The catalogue items a partner sees on a lead: its product line (or any), its stage.
    With `language` (the reader's), the items in that language or in none come first, those
    written in another language after them."""
    stage = lead.status if lead.status in Material.Stage.values else None
    materials = Material.objects.filter(is_active=True).select_related("product_line")
    line = Q(product_line__isnull=True)
    if lead.product_line_id:
        line |= Q(product_line_id=lead.product_line_id)
    stages = [Material.Stage.ANY] + ([stage] if stage else [])
    materials = materials.filter(line, stage__in=stages)
    if language:
        base = language.split("-")[0]
        materials = materials.annotate(
            foreign=Case(When(Q(language="") | Q(language=base), then=0), default=1)
        ).order_by("foreign", "kind", "title")
        return materials
    return materials.order_by("kind", "title")


def material_feedback_on_lead(*, lead, by):
    """{material id: `by`'s feedback} at the stage a rating from this lead counts for: the
    lead's, or each item's own once the lead has left the stages of the catalogue."""
    feedback = MaterialFeedback.objects.filter(by=by)
    if lead.status in Material.Stage.values:
        feedback = feedback.filter(stage=lead.status)
    else:
        feedback = feedback.filter(stage=F("material__stage"))
    return {row.material_id: row for row in feedback}


def _materials_visible(viewer):
    """Every item for the manufacturer's staff, the active ones for partners, none otherwise."""
    from identity.access import is_partner

    if is_manufacturer(viewer):
        return Material.objects.all()
    if is_partner(viewer):
        return Material.objects.filter(is_active=True)
    return Material.objects.none()


def _materials_filtered(materials, filters):
    filters = filters or {}
    for name in ("kind", "stage", "product_line", "language"):
        if filters.get(name):
            materials = materials.filter(**{name: filters[name]})
    if filters.get("is_active") is not None:
        materials = materials.filter(is_active=filters["is_active"])
    return materials


def material_list(*, viewer, filters=None, active_only=False):
    """The catalogue as the viewer may see it, narrowed by `filters` (cleaned values: kind,
    stage, product_line, is_active).

    The manufacturer's staff get every item with its average rating and count over all
    distributors; partners the active items, each with the viewer's own latest rating only.
    """
    from django.db.models import Avg, Count, OuterRef, Subquery

    materials = _materials_filtered(_materials_visible(viewer), filters)
    if active_only:
        materials = materials.filter(is_active=True)
    if is_manufacturer(viewer):
        materials = materials.annotate(
            average_rating=Avg("feedback__rating"), rating_count=Count("feedback")
        )
    else:
        own = MaterialFeedback.objects.filter(material=OuterRef("pk"), by=viewer.pk)
        materials = materials.annotate(
            my_rating=Subquery(own.order_by("-at", "-id").values("rating")[:1])
        )
    return materials.select_related("product_line").order_by("kind", "title", "id")


def material_get(*, visible_to, pk):
    """One item as material_list shows it; Material.DoesNotExist when the viewer may not see it
    (a partner never sees an inactive item)."""
    return material_list(viewer=visible_to).get(pk=pk)


def material_ratings(*, visible_to, material=None, materials=None):
    """Average rating and count per item and per stage, over the feedback the viewer may see
    (the manufacturer's staff: every distributor's; a partner: its own distributor's)."""
    from django.db.models import Avg, Count

    feedback = MaterialFeedback.objects.visible_to(visible_to)
    if material is not None:
        feedback = feedback.filter(material=material)
    if materials is not None:
        feedback = feedback.filter(material__in=materials)
    return list(
        feedback.values("material_id", "stage")
        .annotate(average=Avg("rating"), count=Count("id"))
        .order_by("material_id", "stage")
    )


def material_rating_matrix(*, visible_to, materials):
    """For each of `materials` (a page of items), one cell per sales stage in Material.Stage
    order: {"stage", "average", "count"}, or None where nobody rated it at that stage."""
    materials = list(materials)
    rows = material_ratings(visible_to=visible_to, materials=[m.pk for m in materials])
    cells = {(row["material_id"], row["stage"]): row for row in rows}
    return [
        {
            "material": material,
            "cells": [cells.get((material.pk, stage)) for stage in Material.Stage.values],
        }
        for material in materials
    ]


def material_stage_ratings(*, visible_to, filters=None):
    """Average rating and count per kind of item and per stage, over the items `filters`
    select and the feedback the viewer may see: what works where in the sales process."""
    from django.db.models import Avg, Count

    materials = _materials_filtered(_materials_visible(visible_to), filters)
    return list(
        MaterialFeedback.objects.visible_to(visible_to)
        .filter(material__in=materials.values("pk"))
        .values("material__kind", "stage")
        .annotate(average=Avg("rating"), count=Count("id"))
        .order_by("material__kind", "stage")
    )


def material_feedback_list(*, visible_to, material):
    """The feedback on an item the viewer may see: every distributor's for the manufacturer's
    staff, its own distributor's for a partner. Newest first."""
    return (
        MaterialFeedback.objects.visible_to(visible_to)
        .filter(material=material)
        .select_related("by", "distributor", "lead")
        .order_by("-at", "-id")
    )


# --- "Waiting for you": what a user has to act on, each with the page that lists the same rows --


def leads_to_accept(*, user, distributor=None):
    """Leads handed over and waiting for an answer that `user` gives, most urgent first (by
    accept deadline), each annotated with `time_left` (a timedelta, negative once overdue).

    A partner admin: its distributor's. A partner rep: those handed to it (Lead.owner, set by
    lead_hand_to_rep). The manufacturer's staff accept nothing: none, unless `distributor` names
    the distributor whose waiting leads they want. A partner naming another distributor gets
    none. The same rows: leads_to_accept_url().
    """
    leads = waiting_for_answer(Lead.objects.visible_to(user))
    if is_manufacturer(user):
        if distributor is None:
            return leads.none()
        leads = leads.filter(distributor=distributor)
    else:
        membership = user_membership(user)
        if membership is None or (
            distributor is not None and distributor.pk != membership.distributor_id
        ):
            return leads.none()
        if user_role(user) != Role.PARTNER_ADMIN:
            leads = leads.filter(owner=user)
    return (
        leads.select_related("source", "product_line", "owner", "distributor")
        .annotate(
            # The app's clock, not the database's: what the pages show as time left.
            time_left=ExpressionWrapper(
                F("accept_deadline") - Value(timezone.now(), output_field=DateTimeField()),
                output_field=DurationField(),
            )
        )
        .order_by(F("accept_deadline").asc(nulls_last=True), "id")
    )


def leads_to_accept_url(*, user, distributor=None):
    """The page listing exactly leads_to_accept(user=user, distributor=distributor), or None:
    the partner inbox's "To accept" view, or for the manufacturer's staff the lead list of
    `distributor`'s waiting leads."""
    if is_manufacturer(user):
        if distributor is None:
            return None
        query = urlencode({"status": Lead.Status.ASSIGNED, "distributor": distributor.code})
        return f"{reverse('leads:list')}?{query}&scope={DistributorScope.ALL}"
    if user_membership(user) is None or not is_partner(user):
        return None
    return f"{reverse('leads:inbox')}?view={INBOX_TO_ACCEPT}"


def _scope(user, scope):
    return scope or distributor_scope_default(user=user)


def leads_overdue(*, user, scope=None, now=None):
    """For the manufacturer's staff: leads past their accept deadline (Lead.overdue_q) at `now`
    (default: the clock's), of the distributors they manage (`scope` "mine") or all ("all";
    None: the lead list's default scope), newest first as the list shows them. Anyone else:
    none. The same rows: leads_overdue_url()."""
    if not is_manufacturer(user):
        return Lead.objects.none()
    return lead_list(
        visible_to=user, filters={"overdue": "1", "scope": _scope(user, scope)}, now=now
    )


def leads_overdue_count(*, user, scope=None, now=None):
    """len(leads_overdue(…)), its SQL compiled once per viewer and scope (the dashboard's
    headline and its "Waiting for you" count them)."""
    scope = _scope(user, scope)
    return compiled.count(
        ("leads.overdue", viewer_key(user), scope),
        lambda now: leads_overdue(user=user, scope=scope, now=now),
        # Planned each time: a generic plan cannot use the partial index of overdue leads.
        prepare=False,
        now=now or timezone.now(),
    )


def leads_overdue_url(*, user, scope=None):
    """`/leads/?overdue=1&scope=…`: exactly leads_overdue(user=user, scope=scope), or None."""
    if not is_manufacturer(user):
        return None
    return f"{reverse('leads:list')}?overdue=1&scope={_scope(user, scope)}"


def registrations_to_approve(*, user, scope=None):
    """For the manufacturer's staff: deal registrations waiting for a decision, of the
    distributors they manage (`scope` "mine") or all ("all"; None: the page's default), newest
    first. Anyone else (partners register, they do not decide): none. The same rows:
    registrations_to_approve_url()."""
    registrations = registration_list(visible_to=user, status=DealRegistration.Status.PENDING)
    if not is_manufacturer(user):
        return registrations.none()
    if _scope(user, scope) == DistributorScope.MINE:
        registrations = registrations.filter(distributor__account_manager=user)
    return registrations


def registrations_to_approve_url(*, user, scope=None):
    """`/leads/registrations/?status=pending&scope=…`: exactly registrations_to_approve()."""
    if not is_manufacturer(user):
        return None
    query = urlencode({"status": DealRegistration.Status.PENDING, "scope": _scope(user, scope)})
    return f"{reverse('leads:registrations')}?{query}"
