"""Which run a scorecard figure comes from, and whether the live figures moved on since: the
scorecard, rankings and dashboard pages and the scorecards API say the run's as-of date and when
it was computed and published, and that revenue, investments or leads changed after it; a new
run takes the note away. The note outlives a cache flush and is never served from the API's
answer cache once it no longer holds."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from distributors import services as distributor_services
from distributors.models import DataChange, ImportBatch, RevenueRecord
from leads import services as lead_services
from scoring import freshness
from tests import factories
from tests.scoring.conftest import run_now

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("scoring:dashboard")
RANKINGS = reverse("scoring:rankings")
LIST = reverse("api:scorecard-list")


def scorecard(code="acme"):
    return reverse("scoring:scorecard", args=[code])


def note(page):
    """The freshness note of a page: its text, or None when the page has none."""
    found = re.search(r'id="changed-since-run"[^>]*>(.*?)</div>', page, flags=re.S)
    return None if found is None else re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip()


def run_info(page):
    found = re.search(r'id="run-info">(.*?)</p>', page, flags=re.S)
    assert found, "no run information"
    return found.group(1)


def import_file(client, kind, content, capture):
    """Upload and commit a file through the import pages, as a person does."""
    data = {"kind": kind, "file": SimpleUploadedFile("report.csv", content.encode())}
    with capture(execute=True):
        client.post(reverse("distributors:import-create"), data)
    batch = ImportBatch.objects.latest("created_at")
    with capture(execute=True):
        client.post(reverse("distributors:import-commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED, batch.message
    return batch


@pytest.fixture
def later(time_machine):
    """Move the frozen clock on by some minutes: a write after the run is later than it."""

    def move(minutes=30):
        time_machine.shift(datetime.timedelta(minutes=minutes))

    return move


def test_each_page_says_which_run_and_when_it_was_computed_and_published(
    login, manager, partner, scored
):
    run = scored["run"]
    for user, url in ((manager, DASHBOARD), (manager, RANKINGS), (partner, scorecard())):
        page = login(user).get(url).content.decode()
        info = run_info(page)
        assert f"Scoring run {run.pk} as of 15/06/2026" in info
        assert "over the 12 complete months June 2025 – May 2026" in info
        assert "computed 15/06/2026 12:00, published 15/06/2026 12:00." in info
        assert note(page) is None, url


def test_a_revenue_import_after_the_run_shows_the_note_until_a_new_run(
    login, manager, partner, scored, later, django_capture_on_commit_callbacks
):
    later()
    import_file(
        login(manager),
        "revenue",
        "distributor,month,product_line,amount\nacme,2026-05,pumps,500\n",
        django_capture_on_commit_callbacks,
    )
    dashboard = login(manager).get(DASHBOARD).content.decode()
    assert note(dashboard).startswith("Revenue changed since this run. Re-run scoring to count it.")
    # The action is one click away: a form posting to the run trigger.
    assert re.search(
        rf'<form method="post" action="{reverse("scoring:run-trigger")}"[^>]*>.*?id="rerun"',
        dashboard,
        flags=re.S,
    )
    # One click starts it: the form posts nothing more (as of today).
    from scoring.models import ScoringRun

    started = login(manager).post(reverse("scoring:run-trigger"))
    assert started.status_code == 302
    assert ScoringRun.objects.filter(status__in=ScoringRun.ACTIVE).count() == 1
    ScoringRun.objects.filter(status__in=ScoringRun.ACTIVE).delete()  # not computed here
    own = login(partner).get(scorecard()).content.decode()
    assert note(own) == "Revenue changed since this run. The next scoring run will count it."
    assert 'id="rerun"' not in own  # a partner reads the note, it starts nothing
    rankings = login(manager).get(RANKINGS).content.decode()
    assert note(rankings).startswith("Revenue changed since this run.")

    later()
    run_now()
    for user, url in ((manager, DASHBOARD), (partner, scorecard()), (manager, RANKINGS)):
        assert note(login(user).get(url).content.decode()) is None, url


def test_the_note_survives_a_cache_flush(login, manager, scored, later, distributor):
    later()
    factories.RevenueRecordFactory(distributor=distributor, month=datetime.date(2026, 5, 1))
    from distributors.revenue_epoch import revenue_changed

    revenue_changed()  # what every revenue write calls
    cache.clear()
    assert note(login(manager).get(DASHBOARD).content.decode()).startswith("Revenue changed")
    assert DataChange.objects.get(source="revenue").changed_at > scored["run"].started_at


def test_a_revenue_deletion_after_the_run_shows_the_note(login, manager, scored, later):
    later()
    distributor_services.revenue_delete(
        record=RevenueRecord.objects.filter(distributor__code="bolt").first(), by=manager
    )
    page = login(manager).get(scorecard("bolt")).content.decode()
    assert note(page).startswith("Revenue changed since this run.")


def test_a_lead_moved_in_the_running_month_changes_no_run_of_today(login, manager, scored, later):
    """A run as of today counts the complete months before it: a lead created today counts in
    this month, which a new run would not count either; no note (it comes once June is over)."""
    later()
    lead_services.lead_create(
        by=manager,
        source=factories.LeadSourceFactory(code="web"),
        external_ref="web-1",
        company="Brasserie du Port",
        country="DE",
    )
    assert note(login(manager).get(scorecard()).content.decode()) is None


def test_a_revenue_write_rolled_back_leaves_no_note(manager, scored, later):
    from django.db import transaction

    from distributors.revenue_epoch import revenue_changed

    later()
    with transaction.atomic():
        revenue_changed()
        transaction.set_rollback(True)
    assert freshness.run_changes(scored["run"]) == {}


def test_an_investment_import_after_the_run_shows_its_note(
    login, manager, scored, later, django_capture_on_commit_callbacks
):
    later()
    import_file(
        login(manager),
        "investment",
        "distributor,date,kind,amount,value\nacme,2026-05-10,training_days,2,1500\n",
        django_capture_on_commit_callbacks,
    )
    page = login(manager).get(scorecard()).content.decode()
    assert note(page).startswith("Investments changed since this run.")


def test_lead_moves_count_once_their_month_is_over(
    login, manager, partner, scored, time_machine, distributor
):
    """A run counts complete months: a move in the running month changes no run computed in it,
    so no note then; once the month is over, a run computed before the move lacks it."""
    time_machine.shift(datetime.timedelta(days=5))  # 20 June
    lead = factories.LeadFactory()
    lead_services.lead_assign(lead=lead, distributor=distributor, by=manager)
    assert note(login(partner).get(scorecard()).content.decode()) is None

    time_machine.shift(datetime.timedelta(days=12))  # 2 July: June is complete
    page = login(partner).get(scorecard()).content.decode()
    assert note(page) == "Leads moved since this run. The next scoring run will count it."
    run_now(as_of=datetime.date(2026, 7, 2))
    assert note(login(partner).get(scorecard()).content.decode()) is None


def test_the_api_items_name_the_run_and_what_changed_since(
    token_client, manager, scored, later, distributor
):
    from distributors.revenue_epoch import revenue_changed

    run = scored["run"]
    client = token_client(manager)
    first = client.get(LIST)
    item = first.json()["results"][0]
    assert (item["run"], item["as_of"]) == (run.pk, "2026-06-15")
    assert item["computed_at"] == "2026-06-15T12:00:00Z"
    assert item["published_at"] == "2026-06-15T12:00:00Z"
    assert item["changed_since_run"] == []
    etag = first["ETag"]
    assert client.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 304

    later()
    revenue_changed()
    # The kept answer said "nothing changed": it is not served again, and the old ETag is stale.
    again = client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert {i["changed_since_run"] for i in map(tuple_of_changes, again.json()["results"])} == {
        ("revenue",)
    }
    assert again["ETag"] != etag
    assert again["Last-Modified"] != first["Last-Modified"]
    detail = client.get(reverse("api:scorecard-detail", args=["acme"])).json()
    assert detail["changed_since_run"] == ["revenue"]
    # Kept under the new ETag: the same bytes, the same note.
    assert client.get(LIST).content == again.content
    assert client.get(LIST, HTTP_IF_NONE_MATCH=again["ETag"]).status_code == 304

    later()
    run_now()
    fresh = client.get(LIST).json()["results"]
    assert {tuple(i["changed_since_run"]) for i in fresh} == {()}


def tuple_of_changes(item):
    return {**item, "changed_since_run": tuple(item["changed_since_run"])}


def test_a_run_named_by_its_date_gets_its_own_note(token_client, manager, scored, later):
    """A run asked for with as_of: what changed since that run, not since the current one. A
    back-dated run computed after a revenue write has nothing to say; the current run, computed
    before it, has."""
    from distributors.revenue_epoch import revenue_changed

    later()
    revenue_changed()
    later()
    run_now(as_of=datetime.date(2026, 6, 14))  # back-dated: history, the current run stays
    client = token_client(manager)
    current = client.get(LIST).json()["results"][0]
    older = client.get(LIST, {"as_of": "2026-06-14"}).json()["results"][0]
    assert (current["as_of"], current["changed_since_run"]) == ("2026-06-15", ["revenue"])
    assert (older["as_of"], older["changed_since_run"]) == ("2026-06-14", [])


def test_the_freshness_costs_one_query(scored, later, django_assert_num_queries):
    later()
    with django_assert_num_queries(1):
        assert freshness.run_changes(scored["run"]) == {}
