import pytest
from django.urls import reverse
from django.utils import translation

from goals.models import Goal
from tests import factories
from tests.goals.html import parse
from tests.goals.rows import bands_data, landmarks_data, shown_rows_data

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
        "landmark_rule": "linear",
        "acknowledgement": "Agreed in the spring meeting",
        **landmarks_data(),
        **bands_data(("100", "fixed", "5000")),
    }
    for prefix in ("landmarks-", "bands-"):
        if any(key.startswith(prefix) for key in over):  # the rows given replace the default's
            data = {key: value for key, value in data.items() if not key.startswith(prefix)}
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


def test_bad_landmark_and_band_rows_are_named_by_row_and_column(login, manager, today, pumps):
    data = form_data(
        pumps,
        landmark_rule="manual",
        **landmarks_data(("2026-03-31", "30000"), ("", "5")),
        **bands_data(("100", "fixed", "5000"), ("110", "fixed", "-5")),
    )
    response = login(manager).post(CREATE, data)
    assert response.status_code == 400
    errors = response.context["form"].non_field_errors()
    assert "Landmark 2: the date is missing" in errors
    assert "Bonus band 2: the payout cannot be negative" in errors
    # The row's input says it is the one at fault, and its error is beside it.
    page = parse(response.content.decode())
    assert page.find(attr=("name", "landmarks-1-date")).attrs.get("aria-invalid") == "true"
    assert "the date is missing" in page.find(id="landmarks-1-date-error").text()
    assert not Goal.objects.exists()


def test_a_landmark_past_the_due_date_is_named_by_its_row(login, manager, today, pumps):
    data = form_data(
        pumps,
        landmark_rule="manual",
        **landmarks_data(("2026-03-31", "30000"), ("2026-06-30", "60000"), ("2027-01-31", "9")),
    )
    response = login(manager).post(CREATE, data)
    assert response.status_code == 400
    errors = response.context["form"].non_field_errors()
    assert "Landmark 3: the date comes after the goal's due date (31 December 2026)" in errors
    page = parse(response.content.decode())
    assert page.find(attr=("name", "landmarks-2-date")).attrs.get("aria-invalid") == "true"
    assert not Goal.objects.exists()


def test_rows_removed_in_the_page_are_skipped_and_numbering_follows_the_page(
    login, manager, today, pumps
):
    # The second of three rows was removed in the page: the third is "Landmark 2" now.
    rows = landmarks_data(("2026-03-31", "30000"), None, ("2026-06-30", ""))
    rows["landmarks-TOTAL_FORMS"] = "3"
    response = login(manager).post(CREATE, form_data(pumps, landmark_rule="manual", **rows))
    assert response.status_code == 400
    assert "Landmark 2: the value is missing" in response.context["form"].non_field_errors()


def test_hand_set_rows_and_a_removed_band_are_saved(login, manager, today, pumps):
    data = form_data(
        pumps,
        landmark_rule="manual",
        **landmarks_data(("2026-06-30", "50000"), ("2026-12-31", "120000")),
        # The first band was removed in the page (with JavaScript): it is not posted at all.
        **bands_data(None, ("100", "fixed", "5000"), ("110", "percent_above", "3")),
    )
    data["bands-2-DELETE"] = "on"  # ticked "Remove" (a page without JavaScript)
    response = login(manager).post(CREATE, data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    goal = Goal.objects.get()
    assert [(lm.date.isoformat(), lm.expected) for lm in goal.landmarks.all()] == [
        ("2026-06-30", 50000),
        ("2026-12-31", 120000),
    ]
    assert [(b.threshold, b.kind) for b in goal.bands.all()] == [(100, "fixed")]


def test_rows_changed_while_the_portal_proposes_the_landmarks_are_refused(
    login, manager, today, pumps
):
    data = form_data(pumps, landmark_rule="linear", **landmarks_data(("2026-06-30", "1")))
    response = login(manager).post(CREATE, data)
    assert response.status_code == 400
    assert "Set by hand" in str(response.context["form"].errors["landmark_rule"])
    assert not Goal.objects.exists()


def test_the_smart_check_stays_on_the_page_after_a_refused_save(login, manager, today, pumps):
    # Refused by the form (a row without its date): the check still lists what it found.
    data = form_data(pumps, subtitle="Sell more pumps", description="", acknowledgement="")
    data |= landmarks_data(("", "5"))
    data["landmark_rule"] = "manual"
    response = login(manager).post(CREATE, data)
    assert response.status_code == 400
    page = parse(response.content.decode())
    assert page.find(id="smart-feedback").find(cls="smart-findings") is not None
    assert page.find(id="smart-waiting") is None
    # Refused by the service (the SMART check): the same.
    data = form_data(pumps, subtitle="Sell more pumps", description="", acknowledgement="")
    response = login(manager).post(CREATE, data)
    assert response.status_code == 400
    assert response.context["findings"] and not response.context["smart_holds"]
    assert not Goal.objects.exists()


def test_a_goal_that_passes_says_all_five_letters_hold(login, manager, today, pumps, distributor):
    goal = factories.goal_with_landmarks(distributor=distributor)
    response = login(manager).get(reverse("goals:edit", args=[goal.pk]))
    assert response.status_code == 200
    if response.context["smart_holds"]:
        assert "SMART: all five hold." in response.content.decode()
    response = login(manager).post(
        reverse("goals:check"), form_data(pumps, acknowledgement="", baseline="118000")
    )
    assert response.context["smart_holds"], response.context["findings"]
    assert "SMART: all five hold." in response.content.decode()
    with translation.override("fr"):
        response = login(manager).post(
            reverse("goals:check"),
            form_data(pumps, baseline="118000"),
            HTTP_ACCEPT_LANGUAGE="fr",
        )
    assert "SMART : les cinq critères sont remplis." in response.content.decode()


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


def test_landmarks_proposed_by_the_rule_are_shown_with_their_unit(login, manager, today, pumps):
    response = login(manager).post(reverse("goals:landmarks-suggest"), form_data(pumps))
    assert response.status_code == 200
    page = parse(response.content.decode())
    rows = [row.text() for row in page.find(id="landmarks-proposed").find(tag="tbody").iter()]
    # Whole euros, as the target is written; the last one is the target on the due date.
    assert "31 March 2026 €29,589" in rows and "31 December 2026 €120,000" in rows
    # Proposed landmarks are shown, not posted.
    assert page.find(attr=("name", "landmarks-0-date")) is None


def test_setting_landmarks_by_hand_starts_from_the_rules_proposal(login, manager, today, pumps):
    data = form_data(pumps, landmark_rule="manual", landmarks_shown="linear")
    response = login(manager).post(reverse("goals:landmarks-suggest"), data)
    page = parse(response.content.decode())
    assert page.find(id="landmarks-started") is not None
    assert page.find(attr=("name", "landmarks-0-date")).attrs["value"] == "2026-03-31"
    assert page.find(attr=("name", "landmarks-3-value")).attrs["value"] == "120000"
    assert page.find_all(cls="input-group-text")[0].text() == "€"
    # Rows already set by hand are left alone.
    data["landmarks_shown"] = "manual"
    response = login(manager).post(reverse("goals:landmarks-suggest"), data)
    assert response.status_code == 204


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
    data |= shown_rows_data(page.context["form"])
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
