"""The manager's dashboard at /dashboard/ (where "/" sends the manufacturer's people): what
needs attention, with links to act, and the page_channel's headline figures."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scoring.models import Scorecard
from tests import factories
from tests.scoring.conftest import run_now

pytestmark = pytest.mark.django_db
URL = reverse("scoring:dashboard")


def test_home_sends_the_manager_to_the_dashboard_and_a_partner_to_its_page(login, manager, partner):
    assert login(manager).get("/")["Location"] == URL
    assert login(partner).get("/")["Location"] == reverse("distributors:mine")


@pytest.mark.parametrize("persona", ["partner", "outsider", "nobody"])
def test_others_get_403(login, persona, request):
    assert login(request.getfixturevalue(persona)).get(URL).status_code == 403


def test_before_any_run_the_attention_lists_still_show(login, manager, page_channel):
    response = login(manager).get(URL)
    assert response.status_code == 200
    assert b'id="no-run"' in response.content and b'id="goals-at-risk"' in response.content


def test_the_headline_figures_come_from_the_last_run(login, manager, scored):
    response = login(manager).get(URL)
    assert response.status_code == 200
    headline = response.context["headline"]
    assert headline["ranked"] == 3
    scores = sorted(Scorecard.objects.filter(run=scored["run"]).values_list("score", flat=True))
    assert Decimal(str(headline["median_score"])) == scores[1]
    assert headline["revenue_t12m"] == Decimal("27000")
    assert b'id="buckets-chart"' in response.content


def test_a_runs_figures_are_read_once_and_a_new_run_brings_its_own(login, manager, scored):
    client = login(manager)
    first = client.get(URL).context["headline"]
    with CaptureQueriesContext(connection) as again:
        assert client.get(URL).context["headline"] == first
    # The run's aggregates (metric values, the spread of its scores) are not read again.
    assert not [q for q in again.captured_queries if "scoring_metricvalue" in q["sql"]]
    run_now()
    response = client.get(URL)
    assert response.context["run"] != scored["run"]
    assert (
        response.context["headline"]["ranked"]
        == Scorecard.objects.filter(run=response.context["run"], score__isnull=False).count()
    )


def test_the_bottom_quartile_is_listed_with_a_link_to_its_scorecard(login, manager, scored):
    response = login(manager).get(URL)
    assert [c.distributor.code for c in response.context["bottom"]] == ["zinc"]
    assert reverse("scoring:scorecard", args=["zinc"]).encode() in response.content


def test_distributors_falling_three_runs_in_a_row_are_listed(login, manager, scored):
    runs = [scored["run"], run_now(), run_now()]
    for run in runs:
        Scorecard.objects.filter(run=run, distributor=scored["bolt"]).update(rank_change=-1)
    # acme fell twice only.
    for run in runs[1:]:
        Scorecard.objects.filter(run=run, distributor=scored["acme"]).update(rank_change=-1)
    response = login(manager).get(URL)
    assert [c.distributor.code for c in response.context["falling"]] == ["bolt"]


def test_fewer_than_three_runs_list_nobody_as_falling(login, manager, scored):
    Scorecard.objects.update(rank_change=-1)
    assert login(manager).get(URL).context["falling_count"] == 0


def test_missed_landmarks_goals_at_risk_and_overdue_leads(login, manager, scored):
    acme = scored["acme"]
    review = factories.LandmarkReviewFactory(landmark__goal__distributor=acme)
    factories.LandmarkReviewFactory(landmark__goal__distributor=acme, status="accounted")
    goal = factories.GoalFactory(distributor=acme, at_risk=True, subtitle="Pumps at risk")
    factories.GoalFactory(distributor=acme, at_risk=False)
    factories.LeadFactory(
        status="assigned",
        distributor=acme,
        accept_deadline=timezone.now() - datetime.timedelta(hours=1),
    )
    factories.LeadFactory(
        status="assigned",
        distributor=acme,
        accept_deadline=timezone.now() + datetime.timedelta(hours=1),
    )
    response = login(manager).get(URL)
    assert response.context["missed"] == [review]
    assert response.context["at_risk"] == [goal]
    assert response.context["overdue_leads"] == 1
    content = response.content.decode()
    assert reverse("goals:review", args=[review.pk]) in content
    assert reverse("goals:detail", args=[goal.pk]) in content
    assert "/goals/?at_risk=on" in content and "/leads/?overdue=1" in content


def test_the_missed_landmarks_link_lists_exactly_the_count_shown(
    login, manager, partner, outsider, scored, distributor, other_distributor
):
    """The dashboard counts missed landmarks not accounted for; its link opens the review queue
    on exactly those, for the manager; a partner's queue on that link lists its own, the same
    selector's count (the dashboard is the manufacturer's)."""
    from goals import selectors as goal_selectors

    for owner in (scored["acme"], distributor, distributor, other_distributor):
        factories.LandmarkReviewFactory(landmark__goal__distributor=owner)
    factories.LandmarkReviewFactory(landmark__goal__distributor=distributor, status="accounted")
    factories.LandmarkReviewFactory(landmark__goal__distributor=distributor, outcome="on_track")
    factories.LandmarkReviewFactory(landmark__goal__distributor=distributor, status="closed")

    page = login(manager).get(URL)
    count = page.context["missed_count"]
    assert count == 4
    link = page.context["missed_url"]
    assert f'href="{link.replace("&", "&amp;")}"' in page.content.decode()
    listed = login(manager).get(link)
    assert listed.status_code == 200
    assert listed.context["page"].paginator.count == count
    assert len(listed.context["page"].object_list) == count

    for user, mine in ((partner, 3), (outsider, 1)):
        expected = goal_selectors.reviews_missed_not_accounted(user)
        assert expected.count() == mine
        listed = login(user).get(link)
        assert {r.pk for r in listed.context["page"].object_list} == {r.pk for r in expected}


@pytest.mark.parametrize(("scope", "counts"), [("all", 1), ("mine", 2)])
def test_the_channels_overdue_leads_are_counted_once_when_the_page_is_over_all(
    login, manager, scored, scope, counts, settings
):
    """Over all distributors the headline's overdue leads are the "Waiting for you" item's, read
    once; over "mine" the headline still counts the whole channel."""
    settings.COMPILED_QUERIES_CHECK = False  # its own recount would be a query of its own
    other = factories.DistributorFactory(code="elsewhere", account_manager=None)
    for distributor in (scored["acme"], other, other):
        factories.LeadFactory(
            status="assigned",
            distributor=distributor,
            accept_deadline=timezone.now() - datetime.timedelta(hours=1),
        )
    scored["acme"].account_manager = manager
    scored["acme"].save(update_fields=["account_manager"])
    with CaptureQueriesContext(connection) as queries:
        response = login(manager).get(URL, {"scope": scope})
    todo = next(todo for todo in response.context["todos"] if todo.key == "leads_overdue")
    assert response.context["overdue_leads"] == 3
    assert todo.count == (3 if scope == "all" else 1)
    overdue_counts = [
        query["sql"]
        for query in queries
        if "COUNT(*)" in query["sql"] and '"leads_lead"."accept_deadline" <' in query["sql"]
    ]
    assert len(overdue_counts) == counts
