"""What funds adds to the day's "Waiting for you" (`distributors.record`): a manager's requests
and claims to decide, a partner's approved activities to claim before their deadline. The count
is the list's own: the request list's `needs=me` (`funds.filters.requests_waiting_for`)."""

from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from distributors import record
from drm import compiled
from identity.access import is_manufacturer, viewer_key

from . import selectors
from .filters import requests_waiting_for
from .models import FundRequest


def waiting_url(distributor=None):
    query = {"needs": "me"}
    if distributor is not None:
        query["distributor"] = distributor.code
    return f"{reverse('funds:requests')}?{urlencode(query)}"


def todo_fund_requests(viewer, *, distributor, scope, today):
    manufacturer = is_manufacturer(viewer)
    if distributor is None and not manufacturer:
        return None

    def build(distributor):
        requests = requests_waiting_for(selectors.request_list(visible_to=viewer), viewer)
        if distributor is not None:
            requests = requests.filter(allocation__distributor=distributor)
        ordered = requests.select_related(None).order_by("claim_deadline", "submitted_at", "pk")
        return ordered, {"count": Count("pk")}

    rows, counts = record.frozen_head_and_counts(
        ("funds.todo.requests", viewer_key(viewer)),
        build,
        record.TODO_PREVIEW,
        distributor=distributor,
    )
    if manufacturer:
        label = _("Fund requests and claims to decide")
        action = _("Approve, in full or in part, or reject")
    else:
        label = _("Approved activities to claim")
        action = _("Claim each one with its proof before its deadline")
    return record.Todo(
        key="fund_requests",
        label=label,
        count=counts["count"],
        url=waiting_url(distributor),
        rows=tuple(
            record.TodoRow(
                text=row.title,
                url=reverse("funds:request", args=[row.pk]),
                due=row.claim_deadline if row.status == FundRequest.Status.APPROVED else None,
                due_word=_("claim by"),
            )
            for row in rows
        ),
        action=action,
    )


FUNDS_SHOWN = 5


def funds_section(distributor, viewer, today):
    """The distributor's balance in each fund not expired yet (the figures of every other
    funds page, `selectors.balances`), with the way to its requests, and what the money
    bought it (its impact estimates added up per kind: fund activities, programmes); hidden
    where it has neither."""

    def build(distributor):
        return selectors.balances(visible_to=viewer, distributor=distributor, today=today).filter(
            fund__expires_on__gte=today
        )[:FUNDS_SHOWN]

    rows = compiled.rows(
        ("funds.section", today, viewer_key(viewer)), build, distributor=distributor
    )
    impacts = selectors.distributor_impacts(distributor, visible_to=viewer)
    if not rows and not impacts:
        return None
    query = urlencode({"distributor": distributor.code})
    return {
        "rows": rows,
        "impacts": impacts,
        "requests_url": f"{reverse('funds:requests')}?{query}",
        "may_request": not is_manufacturer(viewer),
        "currency": settings.REPORTING_CURRENCY,
    }


def register():
    record.register_section(
        "funds", order=65, template="funds/record/_funds.html", build=funds_section
    )
    record.register_todo("fund_requests", order=45, build=todo_fund_requests)
