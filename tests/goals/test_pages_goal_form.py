import pytest
from django.urls import reverse

from goals.models import Goal
from tests import factories

pytestmark = pytest.mark.django_db
CREATE = reverse("goals:create")


@pytest.fixture
def pumps(distributor):
    line = factories.ProductLineFactory(code="pumps", name="Pumps")
    distributor.product_lines.add(line)
    return line


def form_data(pumps, **over):
    data = {
        "level": "distributor",
        "distributor": "acme",
        "subtitle": "The Bavarian pump plan",
        "description": "Pumps through the Bavarian dealers.",
        "metric": "revenue",
        "product_line": pumps.pk,
        "baseline": "100000",
        "baseline_start": "2025-01-01",
        "baseline_end": "2025-12-31",
        "target": "120000",
        "start": "2026-01-01",
        "due": "2026-12-31",
        "exciting": "We become the pump dealer of the region.",
        "landmarks": "",
        "bands": "100 fixed 5000",
        "acknowledgement": "Agreed in the spring meeting",
    }
    data.update(over)
    return data


def test_partner_admin_creates_its_own_distributor_goal_with_proposed_landmarks(
    login, partner, today, pumps, other_distributor
):
    response = login(partner).post(CREATE, form_data(pumps, distributor="rival", level="team"))
    assert response.status_code == 302, response.content.decode()[-3000:]
    goal = Goal.objects.get()
    assert goal.distributor.code == "acme" and goal.level == "distributor"
    assert goal.landmarks.count() == 4 and goal.bands.count() == 1


def test_bad_landmark_and_band_rows_are_named(login, manager, today, pumps):
    data = form_data(pumps, landmarks="2026-03-31 30000\nlater 5", bands="100 bonus 5")
    response = login(manager).post(CREATE, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Landmark row 2" in body and "Bonus band row 1" in body
    assert not Goal.objects.exists()


def test_smart_refusal_is_shown_on_the_form(login, manager, today, pumps):
    response = login(manager).post(CREATE, form_data(pumps, due="2026-01-02", start="2026-01-01"))
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert response.context["findings"] or response.context["form"].errors


def test_rep_cannot_open_the_goal_form(login, colleague):
    assert login(colleague).get(CREATE).status_code == 403
    assert login(colleague).post(reverse("goals:check"), {}).status_code == 403


def test_live_check_lists_findings_with_letter_and_severity(login, manager, today, pumps):
    response = login(manager).post(
        reverse("goals:check"), form_data(pumps, subtitle="Sell more pumps", description="")
    )
    assert response.status_code == 200
    findings = response.context["findings"]
    assert findings
    letters = {"Specific", "Measurable", "Achievable", "Realistic", "Time-bound"}
    assert all(f["letter_label"] in letters for f in findings)
    assert all(f["severity_label"] in {"refused", "warning", "note"} for f in findings)


def test_live_check_answers_on_an_empty_form(login, manager, today):
    response = login(manager).post(reverse("goals:check"), {"level": "distributor"})
    assert response.status_code == 200


def test_suggested_landmarks_fill_the_rows(login, manager, today, pumps):
    data = form_data(pumps)
    data["method"] = "linear"
    response = login(manager).post(reverse("goals:landmarks-suggest"), data)
    body = response.content.decode()
    # Whole euros, as the target is written; the last one is the target on the due date.
    assert "2026-03-31 29589" in body and "2026-12-31 120000</textarea>" in body


def test_manager_counters_a_partner_proposal_by_editing_it(login, manager, partner, today, pumps):
    client = login(partner)
    client.post(CREATE, form_data(pumps))
    goal = Goal.objects.get()
    client.post(reverse("goals:propose", args=[goal.pk]))
    client = login(manager)
    page = client.get(reverse("goals:edit", args=[goal.pk]))
    assert "Counter-propose" in page.content.decode()
    data = form_data(pumps, target="125000")
    data.pop("level"), data.pop("distributor")
    data["landmarks"] = page.context["form"].initial["landmarks"]
    # A counter-proposal says why.
    response = client.post(reverse("goals:edit", args=[goal.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    data["reason"] = "The new plant doubles the pump capacity."
    response = client.post(reverse("goals:edit", args=[goal.pk]), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    goal.refresh_from_db()
    assert goal.status == "counter_proposed" and goal.awaiting_side == "partner"
    # The landmarks the portal proposed followed the new target.
    assert goal.landmarks.last().expected == goal.target
    # The partner reads what changed, and why, before it answers.
    body = login(partner).get(reverse("goals:detail", args=[goal.pk])).content.decode()
    assert "The new plant doubles the pump capacity." in body
    assert "€120,000" in body and "€125,000" in body


def test_outsider_cannot_edit_acmes_goal(login, outsider, today, distributor):
    goal = factories.goal_with_landmarks(distributor=distributor)
    assert login(outsider).get(reverse("goals:edit", args=[goal.pk])).status_code == 404
