import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from goals.models import Amendment, Goal
from tests import factories
from tests.goals.rows import shown_rows_data

pytestmark = pytest.mark.django_db


def url(goal, name="goals:detail"):
    return reverse(name, args=[goal.pk])


@pytest.fixture
def agreed(today, distributor, manager, partner):
    return factories.agreed_goal(manager, partner, distributor=distributor)


def test_detail_shows_terms_acceptance_chart_bands_and_payout(login, manager, agreed):
    response = login(manager).get(url(agreed))
    assert response.status_code == 200
    body = response.content.decode()
    assert "manager-test" in body and "partner-test" in body
    assert 'id="goal-chart"' in body and "How it was computed" in body
    assert "earns no payout yet" in body
    chart = response.context["chart"]
    assert chart["labels"][0] == "2026-01" and chart["labels"][-1] == "2026-12"
    assert [d["label"] for d in chart["datasets"]][:2] == ["Actual", "Landmarks"]
    json.dumps(chart)


def test_outsider_gets_404_for_another_distributors_goal(login, outsider, agreed):
    assert login(outsider).get(url(agreed)).status_code == 404
    assert login(outsider).post(url(agreed, "goals:step-add"), {}).status_code == 404


def test_rep_sees_the_goal_but_no_accept_or_propose_button(login, colleague, today, distributor):
    goal = factories.goal_with_landmarks(distributor=distributor)
    body = login(colleague).get(url(goal)).content.decode()
    assert goal.title in body
    assert 'id="propose-goal"' not in body and 'id="accept-goal"' not in body


def test_rep_cannot_propose_or_accept(login, colleague, today, distributor):
    goal = factories.goal_with_landmarks(distributor=distributor)
    assert login(colleague).post(url(goal, "goals:propose")).status_code == 403
    goal.status, goal.proposed_by_side = "proposed", "manufacturer"
    goal.save()
    assert login(colleague).post(url(goal, "goals:accept")).status_code == 403
    goal.refresh_from_db()
    assert goal.status == "proposed"


def test_partner_proposes_and_manager_accepts(login, partner, manager, today, distributor):
    goal = factories.goal_with_landmarks(distributor=distributor)
    login(partner).post(url(goal, "goals:propose"))
    goal.refresh_from_db()
    assert goal.status == "proposed" and goal.partner_accepted_by == partner
    body = login(manager).get(url(goal)).content.decode()
    assert 'id="accept-goal"' in body and 'id="counter-goal"' in body
    login(manager).post(url(goal, "goals:accept"))
    goal.refresh_from_db()
    assert goal.status == "active" and goal.manufacturer_accepted_by == manager


def test_propose_is_post_only(login, partner, today, distributor):
    goal = factories.goal_with_landmarks(distributor=distributor)
    assert login(partner).get(url(goal, "goals:propose")).status_code == 405


def test_manager_activates_a_team_goal_and_sees_its_rollup_in_words(login, manager, today):
    team = factories.GoalFactory(
        level="team", distributor=None, target=Decimal("200000"), team_basis="channel"
    )
    factories.goal_with_landmarks(parent=team, target=Decimal("150000"), status="active")
    factories.goal_with_landmarks(parent=team, target=Decimal("90000"), status="draft")
    login(manager).post(url(team, "goals:activate"))
    team.refresh_from_db()
    assert team.status == "active"
    body = login(manager).get(url(team)).content.decode()
    # Only the goal agreed by both sides counts: 150,000 against 200,000.
    assert "Team roll-up" in body and "behind by 25.0%" in body
    assert "The whole channel: all distributors" in body


def test_manager_closes_a_goal_with_a_reason(login, manager, agreed):
    response = login(manager).post(url(agreed, "goals:close"), {"reason": ""})
    assert response.status_code == 400
    login(manager).post(url(agreed, "goals:close"), {"reason": "Distributor sold"})
    agreed.refresh_from_db()
    assert agreed.status == "closed" and agreed.closed_reason == "Distributor sold"


def test_partner_cannot_close(login, partner, agreed):
    assert login(partner).post(url(agreed, "goals:close"), {"reason": "x"}).status_code == 403


def test_amendment_proposed_by_manager_is_accepted_by_partner(login, manager, partner, agreed):
    response = login(manager).get(url(agreed, "goals:amend"))
    assert response.status_code == 200
    form = response.context["form"]
    data = {k: v for k, v in form.initial.items() if k not in ("landmarks", "bands")}
    data.update(
        target="130000",
        reason="New dealer signed",
        start=agreed.start.isoformat(),
        due=agreed.due.isoformat(),
    )
    data |= shown_rows_data(form)
    # The landmarks were set by hand and end on the old target: they are asked for again, at
    # the row that reads the old one.
    response = login(manager).post(url(agreed, "goals:amend"), data)
    assert response.status_code == 400
    last = len(form.initial["landmarks"])
    errors = response.context["form"].non_field_errors()
    assert any(
        e.startswith(f"Landmark {last}: the last landmark is the target, €130,000") for e in errors
    ), errors
    data[f"landmarks-{last - 1}-value"] = "130000"
    response = login(manager).post(url(agreed, "goals:amend"), data)
    assert response.status_code == 302
    amendment = Amendment.objects.get(goal=agreed)
    assert set(amendment.changes) == {"target", "landmarks"}
    body = login(partner).get(url(agreed)).content.decode()
    assert 'id="accept-amendment"' in body
    login(partner).post(reverse("goals:amendment-accept", args=[amendment.pk]))
    agreed.refresh_from_db()
    assert agreed.target == Decimal("130000.00")
    history = login(partner).get(url(agreed)).context["history"]
    assert any("130" in (change.new or "") for change in history)


def test_rep_adds_a_step_and_moves_it_to_done(login, colleague, agreed):
    client = login(colleague)
    client.post(
        url(agreed, "goals:step-add"),
        {"what": "Visit Bavarian dealers", "due": "2026-07-15", "owner": colleague.pk},
    )
    step = agreed.steps.get()
    assert step.owner == colleague
    client.post(reverse("goals:step-status", args=[step.pk]), {"status": "done"})
    step.refresh_from_db()
    assert step.status == "done" and step.done_at is not None


def test_outsider_cannot_move_a_step(login, outsider, agreed):
    step = factories.ActionStepFactory(goal=agreed)
    response = login(outsider).post(
        reverse("goals:step-status", args=[step.pk]), {"status": "done"}
    )
    assert response.status_code == 404


def test_partner_cannot_see_team_goals(login, partner, today):
    team = factories.GoalFactory(level="team", distributor=None)
    assert login(partner).get(url(team)).status_code == 404
    assert Goal.objects.filter(pk=team.pk).exists()


def test_payout_shown_when_a_band_is_reached(login, manager, agreed, pumps_revenue):
    body = login(manager).get(url(agreed)).content.decode()
    assert "earns a payout of" in body


@pytest.fixture
def pumps_revenue(agreed, distributor):
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2025, 1, 1), rate=1)
    for month in range(1, 7):
        factories.RevenueRecordFactory(
            distributor=distributor,
            month=datetime.date(2026, month, 1),
            amount=Decimal("25000"),
        )


def test_an_amendment_shows_the_landmarks_its_rule_proposes_for_the_new_target(
    login, manager, agreed
):
    client = login(manager)
    page = client.get(url(agreed, "goals:amend"))
    assert 'name="landmarks-0-date"' in page.content.decode()  # set by hand: rows to edit
    response = client.post(
        reverse("goals:landmarks-suggest"),
        {
            "goal": agreed.pk,
            "amending": "1",
            "target": "130000",
            "start": agreed.start.isoformat(),
            "due": agreed.due.isoformat(),
            "landmark_rule": "linear",
            "landmarks_shown": "manual",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="landmarks-proposed"' in body and "€130,000" in body
    assert 'name="landmarks-0-date"' not in body  # proposed: shown, not posted


def test_the_live_parts_of_the_form_refuse_a_goal_out_of_sight(login, outsider, agreed):
    response = login(outsider).post(
        reverse("goals:landmarks-suggest"), {"goal": agreed.pk, "landmark_rule": "linear"}
    )
    assert response.status_code == 404
    response = login(outsider).post(reverse("goals:check"), {"goal": agreed.pk})
    assert response.status_code == 404
