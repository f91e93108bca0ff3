"""record.shared: what two builders of one page both read is built once for that page, and
only for a page that asked for it (share_within_page)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from distributors import record
from drm import compiled
from tests import factories

pytestmark = pytest.mark.django_db


def test_built_once_per_page_and_every_time_outside_one(distributor):
    calls = []

    def build():
        calls.append(1)
        return len(calls)

    assert record.shared(distributor, "k", build) == 1
    assert record.shared(distributor, "k", build) == 2  # no page: nothing kept

    record.share_within_page(distributor)
    assert record.shared(distributor, "k", build) == 3
    assert record.shared(distributor, "k", build) == 3
    assert record.shared(distributor, "other", build) == 4
    assert record.shared(None, "k", build) == 5


def test_the_partner_homes_leads_to_accept_is_the_sections_count(login, partner, distributor):
    for _ in range(4):
        factories.LeadFactory(status="assigned", distributor=distributor)

    page = login(partner).get(reverse("distributors:mine"))

    todo = next(todo for todo in page.context["todos"] if todo.key == "leads_to_accept")
    leads = next(s for s in page.context["sections"] if s.key == "leads").context
    assert todo.count == leads["waiting_count"] == 4
    assert [row.text for row in todo.rows] == [
        item["lead"].company for item in leads["waiting"][: record.TODO_PREVIEW]
    ]


def test_the_timelines_profile_changes_are_the_historys_read_once(login, manager, distributor):
    distributor.status = "probation"
    distributor.save()
    distributor.region = "Nordics"  # in the history, not a profile change of the timeline
    distributor.save()

    with CaptureQueriesContext(connection) as captured:
        page = login(manager).get(distributor.get_absolute_url())

    profile = [entry for entry in page.context["timeline"] if str(entry.kind) == "Profile"]
    assert [entry.text for entry in profile] == ["Status: Active → Probation"]
    history = [(change.field, change.new) for change in page.context["history"]]
    assert ("Status", "Probation") in history and ("Region", "Nordics") in history
    reads = [
        sql
        for sql in (compiled.as_written(query["sql"]) for query in captured)
        if sql.startswith('SELECT "distributors_historicaldistributor"."')
    ]
    assert len(reads) == 1, reads
