"""/api/v1/goals/: the scoped list with today's figures, one goal, entry, revision, the
co-setting acts, closing, amendments and landmarks."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from goals.models import Amendment, Goal
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("api:goal-list")


def one(goal):
    return reverse("api:goal-detail", args=[goal.pk])


def act(name, goal):
    return reverse(f"api:goal-{name}", args=[goal.pk])


def ids(response):
    return [item["id"] for item in response.json()["results"]]


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def snapshot(goal):
    goal = Goal.objects.get(pk=goal.pk)
    return (
        goal.status,
        goal.title,
        goal.target,
        goal.distributor_id,
        goal.level,
        goal.manufacturer_accepted_by_id,
        goal.partner_accepted_by_id,
        sorted(goal.landmarks.values_list("date", "expected")),
    )


@pytest.fixture
def acme_goal(distributor, pumps):
    return factories.goal_with_landmarks(distributor=distributor, product_line=pumps)


@pytest.fixture
def rival_goal(other_distributor):
    return factories.GoalFactory(distributor=other_distributor, subtitle="Rival revenue 2026")


@pytest.fixture
def team_goal(manager):
    return factories.GoalFactory(
        level="team", distributor=None, owner=manager, subtitle="Channel revenue 2026"
    )


def proposed_by_partner(goal, partner):
    from goals import services

    return services.goal_propose(goal=goal, by=partner)


# --- the list and one goal ---------------------------------------------------------------------


def test_manager_lists_every_goal_with_its_figures(
    manager, distributor, pumps, acme_goal, rival_goal, team_goal
):
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2025, 1, 1), rate=1)
    for month in range(1, 6):
        factories.RevenueRecordFactory(
            distributor=distributor,
            product_line=pumps,
            month=datetime.date(2026, month, 1),
            amount=Decimal("5000"),
        )
    response = client_for(manager).get(LIST)
    assert response.status_code == 200
    assert sorted(ids(response)) == sorted([acme_goal.pk, rival_goal.pk, team_goal.pk])
    item = next(i for i in response.json()["results"] if i["id"] == acme_goal.pk)
    assert item["distributor"] == "acme" and item["product_line"] == "pumps"
    assert item["territory"] is None and item["customer_category"] is None
    assert item["level"] == "distributor" and item["status"] == "draft"
    assert item["actual"] == "25000.00"
    assert item["attainment"] == "20.83"
    assert item["expected"] is not None and item["gap"].startswith("behind by")
    assert item["at_risk"] is False
    for key in (
        "parent",
        "metric",
        "unit",
        "baseline",
        "baseline_start",
        "baseline_end",
        "target",
        "start",
        "due",
        "exciting",
        "manufacturer_accepted_by",
        "manufacturer_accepted_at",
        "partner_accepted_by",
        "partner_accepted_at",
        "smart_acknowledgements",
    ):
        assert key in item
    team = next(i for i in response.json()["results"] if i["id"] == team_goal.pk)
    assert team["distributor"] is None


def test_partner_sees_only_its_distributors_goals(partner, acme_goal, rival_goal, team_goal):
    response = client_for(partner).get(LIST)
    assert ids(response) == [acme_goal.pk]


def test_rep_reads_its_distributors_goals(colleague, acme_goal, rival_goal):
    assert ids(client_for(colleague).get(LIST)) == [acme_goal.pk]
    assert client_for(colleague).get(one(acme_goal)).status_code == 200


def test_outsider_cannot_see_acmes_goal(outsider, acme_goal, rival_goal):
    client = client_for(outsider)
    assert ids(client.get(LIST)) == [rival_goal.pk]
    response = client.get(one(acme_goal))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert client.get(act("landmarks", acme_goal)).status_code == 404
    assert client.get(act("amendments", acme_goal)).status_code == 404
    # Naming acme in a filter answers like an unknown code.
    assert client.get(LIST, {"distributor": "acme"}).status_code == 400


def test_outsider_changes_nothing_of_acmes_goal(outsider, partner, acme_goal, goal_body):
    client = client_for(outsider)
    before = snapshot(acme_goal)
    assert client.patch(one(acme_goal), {"subtitle": "Ours now"}, format="json").status_code == 404
    for name in ("propose", "accept", "activate"):
        assert client.post(act(name, acme_goal)).status_code == 404
    assert client.post(act("counter", acme_goal), goal_body(), format="json").status_code == 404
    assert client.post(act("close", acme_goal), {"reason": "x"}, format="json").status_code == 404
    assert (
        client.post(act("amend", acme_goal), {"target": "1", "reason": "x"}, format="json")
    ).status_code == 404
    landmarks = {"landmarks": [{"date": "2026-06-30", "expected": "1"}]}
    assert client.put(act("landmarks", acme_goal), landmarks, format="json").status_code == 404
    assert snapshot(acme_goal) == before


def test_user_without_role_and_anonymous_get_nothing(nobody, acme_goal):
    assert client_for(nobody).get(LIST).status_code == 403
    assert APIClient().get(LIST).status_code in (401, 403)


def test_list_filters(manager, distributor, pumps, acme_goal, rival_goal, team_goal):
    other_year = factories.GoalFactory(
        distributor=distributor,
        start=datetime.date(2027, 1, 1),
        due=datetime.date(2027, 6, 30),
        status="active",
        at_risk=True,
        metric="units",
    )
    client = client_for(manager)
    assert sorted(ids(client.get(LIST, {"level": "team"}))) == [team_goal.pk]
    assert sorted(ids(client.get(LIST, {"distributor": "acme"}))) == sorted(
        [acme_goal.pk, other_year.pk]
    )
    assert ids(client.get(LIST, {"status": "active"})) == [other_year.pk]
    assert ids(client.get(LIST, {"year": 2027})) == [other_year.pk]
    assert ids(client.get(LIST, {"at_risk": "true"})) == [other_year.pk]
    assert ids(client.get(LIST, {"metric": "units"})) == [other_year.pk]
    for bad in ({"distributor": "nope"}, {"level": "x"}, {"year": "soon"}, {"metric": "x"}):
        response = client.get(LIST, bad)
        assert response.status_code == 400
        assert next(iter(bad)) in response.json()["error"]["fields"]


def test_list_query_count_does_not_grow_with_rows(manager, distributor, pumps):
    client = client_for(manager)

    def goals(count):
        for index in range(count):
            goal = factories.goal_with_landmarks(
                distributor=factories.DistributorFactory(),
                subtitle=f"Revenue {index}",
                status="active",
                manufacturer_accepted_by=manager,
            )
            factories.BonusBandFactory(goal=goal)

    goals(2)
    client.get(LIST)  # the caller's role is read once, then kept on the user
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(LIST).json()["results"]) == 2
    goals(8)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(LIST).json()["results"]) == 10
    assert len(many.captured_queries) == len(few.captured_queries)


def test_list_is_paginated(manager, distributor):
    for index in range(3):
        factories.GoalFactory(distributor=distributor, subtitle=f"Revenue {index}")
    body = client_for(manager).get(LIST, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


# --- entry -------------------------------------------------------------------------------------


def test_partner_admin_enters_its_own_distributors_goal(partner, goal_body):
    response = client_for(partner).post(LIST, goal_body(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    goal = Goal.objects.get(pk=body["id"])
    assert body["status"] == "draft" and body["distributor"] == "acme"
    assert goal.created_by == partner and goal.product_line.code == "pumps"
    assert goal.landmarks.count() == 4  # quarter ends, proposed
    assert [(b.threshold, b.kind) for b in goal.bands.all()] == [(Decimal("100.00"), "fixed")]


def test_entry_with_its_own_landmarks(partner, goal_body):
    landmarks = [
        {"date": "2026-06-30", "expected": "60000"},
        {"date": "2026-12-31", "expected": "120000"},
    ]
    response = client_for(partner).post(LIST, goal_body(landmarks=landmarks), format="json")
    assert response.status_code == 201
    goal = Goal.objects.get(pk=response.json()["id"])
    assert list(goal.landmarks.values_list("expected", flat=True)) == [
        Decimal("60000.00"),
        Decimal("120000.00"),
    ]


def test_partner_cannot_enter_another_distributors_goal(partner, other_distributor, goal_body):
    response = client_for(partner).post(LIST, goal_body(distributor="rival"), format="json")
    assert response.status_code == 400
    assert "distributor" in response.json()["error"]["fields"]
    assert not Goal.objects.exists()


def test_partner_cannot_enter_a_team_goal(partner, goal_body):
    body = goal_body(level="team", distributor=None, product_line=None)
    response = client_for(partner).post(LIST, body, format="json")
    assert response.status_code == 403
    assert not Goal.objects.exists()


def test_rep_cannot_enter_a_goal(colleague, goal_body):
    response = client_for(colleague).post(LIST, goal_body(), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not Goal.objects.exists()


def test_manager_enters_and_activates_a_team_goal(manager, goal_body):
    body = goal_body(
        level="team",
        distributor=None,
        product_line=None,
        bands=None,
        subtitle="The channel's plan",
        description="Through every dealer.",
    )
    response = client_for(manager).post(LIST, body, format="json")
    assert response.status_code == 201, response.json()
    goal = Goal.objects.get(pk=response.json()["id"])
    assert goal.owner == manager and goal.distributor is None
    response = client_for(manager).post(act("activate", goal))
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert response.json()["manufacturer_accepted_by"] == "manager-test"


def test_entry_refused_by_the_smart_check_says_which_letter(partner, goal_body):
    response = client_for(partner).post(
        LIST, goal_body(subtitle="Be number one", description=""), format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert "specific" in error["fields"]
    assert any(d["letter"] == "specific" and d["severity"] == "refusal" for d in error["details"])
    assert not Goal.objects.exists()


def test_warnings_need_an_acknowledgement_that_is_kept(partner, distributor, goal_body):
    distributor.status = "onboarding"
    distributor.save()
    response = client_for(partner).post(LIST, goal_body(), format="json")
    assert response.status_code == 400
    assert "acknowledgement" in response.json()["error"]["fields"]
    response = client_for(partner).post(
        LIST, goal_body(acknowledgement="They start in July, ready."), format="json"
    )
    assert response.status_code == 201
    kept = response.json()["smart_acknowledgements"]
    assert kept and kept[0]["reason"] == "They start in July, ready."
    assert kept[0]["by"] == "partner-test"


def test_entry_validates_its_shape(manager, goal_body):
    client = client_for(manager)
    for bad in (
        {"product_line": "nope"},
        {"start": "tomorrow"},
        {"target": "lots"},
        {"metric": "happiness"},
        {"bands": [{"threshold": "100", "kind": "gift", "amount": "1"}]},
        {"landmarks": [{"date": "2026-06-30"}]},
    ):
        response = client.post(LIST, goal_body(**bad), format="json")
        assert response.status_code == 400, bad
        # A nested error is named by its path: bands[0].kind.
        name, fields = next(iter(bad)), response.json()["error"]["fields"]
        assert any(path == name or path.startswith((f"{name}[", f"{name}.")) for path in fields)
    assert client.post(LIST, goal_body(level=None), format="json").status_code == 400
    assert not Goal.objects.exists()


# --- revision ----------------------------------------------------------------------------------


def test_partner_revises_its_draft(partner, acme_goal):
    response = client_for(partner).patch(
        one(acme_goal),
        {"subtitle": "The southern dealers' plan", "target": "125000", "landmark_rule": "linear"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    acme_goal.refresh_from_db()
    assert acme_goal.target == Decimal("125000.00")
    assert acme_goal.subtitle == "The southern dealers' plan"
    # The title is written from the terms: it follows the target.
    assert response.json()["title"] == acme_goal.title == "Pumps revenue of 125 k EUR in 2026"
    assert acme_goal.description == "Revenue through the Bavarian dealers over 2026."  # not sent
    assert acme_goal.landmarks.last().expected == Decimal("125000.00")


def test_a_new_target_asks_again_for_landmarks_set_by_hand(partner, acme_goal):
    before = snapshot(acme_goal)
    response = client_for(partner).patch(one(acme_goal), {"target": "125000"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"] == {"landmarks": [error["message"]]}
    assert "set by hand" in error["message"] and "€125,000" in error["message"]
    assert snapshot(acme_goal) == before


def test_partner_patch_of_distributor_status_and_level_changes_nothing(
    partner, acme_goal, other_distributor
):
    before = snapshot(acme_goal)
    response = client_for(partner).patch(
        one(acme_goal),
        {"distributor": "rival", "status": "active", "level": "team"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "draft" and response.json()["distributor"] == "acme"
    assert snapshot(acme_goal) == before


def test_rep_cannot_revise(colleague, acme_goal):
    before = snapshot(acme_goal)
    response = client_for(colleague).patch(one(acme_goal), {"subtitle": "Mine"}, format="json")
    assert response.status_code == 403
    assert snapshot(acme_goal) == before


def test_an_active_goal_is_revised_by_amendment_only(manager, acme_goal):
    acme_goal.status = "active"
    acme_goal.save()
    response = client_for(manager).patch(one(acme_goal), {"target": "1"}, format="json")
    assert response.status_code == 400
    assert "amendment" in response.json()["error"]["message"]


def test_goal_has_no_put_nor_delete(manager, acme_goal):
    assert client_for(manager).put(one(acme_goal), {}, format="json").status_code == 405
    assert client_for(manager).delete(one(acme_goal)).status_code == 405


# --- co-setting --------------------------------------------------------------------------------


def test_partner_proposes_manager_counters_partner_accepts(partner, manager, goal_body):
    partner_client, manager_client = client_for(partner), client_for(manager)
    goal_id = partner_client.post(LIST, goal_body(), format="json").json()["id"]
    goal = Goal.objects.get(pk=goal_id)

    response = partner_client.post(act("propose", goal))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "proposed"
    assert response.json()["partner_accepted_by"] == "partner-test"

    countered = goal_body(target="125000", reason="The new plant doubles the pump capacity.")
    response = manager_client.post(act("counter", goal), countered, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "counter_proposed"
    assert response.json()["target"] == "125000.00"
    assert response.json()["partner_accepted_by"] is None
    # The proposed landmarks followed the new target.
    assert response.json()["landmarks"][-1] == {
        "date": "2026-12-31",
        "expected": "125000.00",
        "display": "€125,000",
    }

    # Its own counter-proposal is not the manager's to accept.
    assert manager_client.post(act("accept", goal)).status_code == 403

    response = partner_client.post(act("accept", goal))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "active"  # its start (2026-01-01) has come
    assert body["manufacturer_accepted_by"] == "manager-test" and body["manufacturer_accepted_at"]
    assert body["partner_accepted_by"] == "partner-test" and body["partner_accepted_at"]
    goal.refresh_from_db()
    assert goal.status == Goal.Status.ACTIVE and goal.target == Decimal("125000.00")


def test_rep_cannot_propose_counter_or_accept(colleague, partner, acme_goal, goal_body):
    client = client_for(colleague)
    before = snapshot(acme_goal)
    assert client.post(act("propose", acme_goal)).status_code == 403
    assert snapshot(acme_goal) == before
    from goals import services

    manager = factories.ManagerFactory(username="another-manager")
    services.goal_propose(goal=acme_goal, by=manager)
    before = snapshot(acme_goal)
    countered = goal_body(reason="We sell more.")
    assert client.post(act("counter", acme_goal), countered, format="json").status_code == 403
    assert client.post(act("accept", acme_goal)).status_code == 403
    assert snapshot(acme_goal) == before


def test_accepting_twice_names_the_present_status(partner, manager, acme_goal):
    proposed_by_partner(acme_goal, partner)
    assert client_for(manager).post(act("accept", acme_goal)).status_code == 200
    response = client_for(manager).post(act("accept", acme_goal))
    assert response.status_code == 400
    assert "active" in response.json()["error"]["message"]


def test_manager_closes_a_goal_with_a_reason(manager, partner, acme_goal):
    assert client_for(partner).post(act("close", acme_goal), {"reason": "x"}).status_code == 403
    response = client_for(manager).post(act("close", acme_goal), {"reason": " "}, format="json")
    assert response.status_code == 400
    response = client_for(manager).post(
        act("close", acme_goal), {"reason": "Product line withdrawn"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert response.json()["closed_reason"] == "Product line withdrawn"


# --- amendments --------------------------------------------------------------------------------


@pytest.fixture
def active_goal(acme_goal, manager, partner):
    proposed_by_partner(acme_goal, partner)
    from goals import services

    return services.goal_accept(goal=acme_goal, by=manager)


def test_amendment_proposed_by_the_partner_applies_once_the_manager_accepts(
    partner, manager, active_goal
):
    response = client_for(partner).post(
        act("amend", active_goal),
        {"target": "110000", "landmark_rule": "linear", "reason": "A key customer closed."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    amendment = response.json()
    assert amendment["status"] == "proposed"
    # What changes, and what it was: the landmarks follow the target by the rule now chosen.
    assert set(amendment["changes"]) == {"target", "landmark_rule", "landmarks"}
    assert (amendment["previous"]["target"], amendment["changes"]["target"]) == (
        "120000.00",
        "110000.00",
    )
    assert amendment["changes"]["landmarks"][-1] == ["2026-12-31", "110000.00"]
    active_goal.refresh_from_db()
    assert active_goal.target == Decimal("120000.00")

    listed = client_for(manager).get(act("amendments", active_goal)).json()
    assert [a["id"] for a in listed] == [amendment["id"]]

    decide = reverse("api:goal-amendment-accept", args=[amendment["id"]])
    assert client_for(partner).post(decide).status_code == 403  # not its author's to accept
    response = client_for(manager).post(decide)
    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert response.json()["decided_by"] == "manager-test"
    active_goal.refresh_from_db()
    assert active_goal.target == Decimal("110000.00")


def test_amendment_rejected_or_withdrawn(partner, manager, active_goal):
    amendment_id = (
        client_for(manager)
        .post(
            act("amend", active_goal),
            {"due": "2026-11-30", "landmark_rule": "linear", "reason": "Audit."},
            format="json",
        )
        .json()["id"]
    )
    response = client_for(partner).post(reverse("api:goal-amendment-reject", args=[amendment_id]))
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    amendment_id = (
        client_for(manager)
        .post(
            act("amend", active_goal),
            {"due": "2026-11-30", "landmark_rule": "linear", "reason": "Again."},
            format="json",
        )
        .json()["id"]
    )
    response = client_for(manager).post(reverse("api:goal-amendment-reject", args=[amendment_id]))
    assert response.json()["status"] == "withdrawn"
    active_goal.refresh_from_db()
    assert active_goal.due == datetime.date(2026, 12, 31)


def test_amending_a_draft_or_changing_nothing_is_refused(manager, acme_goal, active_goal):
    draft = factories.GoalFactory(distributor=acme_goal.distributor, subtitle="Draft")
    client = client_for(manager)
    response = client.post(act("amend", draft), {"target": "1", "reason": "x"}, format="json")
    assert response.status_code == 400
    response = client.post(
        act("amend", active_goal), {"target": "120000", "reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert not Amendment.objects.exists()


def test_outsider_cannot_see_or_decide_acmes_amendment(outsider, manager, active_goal):
    amendment_id = (
        client_for(manager)
        .post(
            act("amend", active_goal),
            {"target": "1000", "landmark_rule": "linear", "reason": "x"},
            format="json",
        )
        .json()["id"]
    )
    client = client_for(outsider)
    assert client.get(reverse("api:goal-amendment-detail", args=[amendment_id])).status_code == 404
    for name in ("accept", "reject"):
        url = reverse(f"api:goal-amendment-{name}", args=[amendment_id])
        assert client.post(url).status_code == 404
    assert Amendment.objects.get(pk=amendment_id).status == "proposed"


# --- landmarks ---------------------------------------------------------------------------------


def test_landmarks_with_their_reviews(colleague, acme_goal):
    first = acme_goal.landmarks.order_by("date").first()
    review = factories.LandmarkReviewFactory(landmark=first)
    body = client_for(colleague).get(act("landmarks", acme_goal)).json()
    assert [row["date"] for row in body] == [
        "2026-03-31",
        "2026-06-30",
        "2026-09-30",
        "2026-12-31",
    ]
    assert body[0]["expected"] == "30000.00"
    assert body[0]["review"] == {
        "id": review.pk,
        "status": "open",
        "outcome": "missed",
        "actual": "15000.00",
    }
    assert body[1]["review"] is None


def test_partner_replaces_the_landmarks_of_its_draft(partner, acme_goal):
    rows = [
        {"date": "2026-06-30", "expected": "50000"},
        {"date": "2026-12-31", "expected": "120000"},
    ]
    response = client_for(partner).put(
        act("landmarks", acme_goal), {"landmarks": rows}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert [(r["date"], r["expected"]) for r in response.json()] == [
        ("2026-06-30", "50000.00"),
        ("2026-12-31", "120000.00"),
    ]
    assert acme_goal.landmarks.count() == 2


def test_landmarks_of_an_agreed_goal_change_by_amendment(manager, active_goal):
    before = snapshot(active_goal)
    response = client_for(manager).put(
        act("landmarks", active_goal),
        {"landmarks": [{"date": "2026-06-30", "expected": "1"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "amendment" in response.json()["error"]["message"]
    assert snapshot(active_goal) == before


def test_rep_cannot_replace_landmarks(colleague, acme_goal):
    before = snapshot(acme_goal)
    response = client_for(colleague).put(
        act("landmarks", acme_goal),
        {"landmarks": [{"date": "2026-06-30", "expected": "1"}]},
        format="json",
    )
    assert response.status_code == 403
    assert snapshot(acme_goal) == before


def test_landmark_outside_the_goals_dates_is_refused(partner, acme_goal):
    response = client_for(partner).put(
        act("landmarks", acme_goal),
        {"landmarks": [{"date": "2027-06-30", "expected": "1"}]},
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["fields"] == {
        "landmarks": ["The landmark of 30 June 2027 falls outside the goal's dates."]
    }
