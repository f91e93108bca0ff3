"""Every state change of a goal and its refusals: entry, co-setting, amendments, landmarks,
payouts, reviews and their accounting, steps, the activity log and the daily job's parts."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from drm.errors import NotAllowed, ValidationFailed
from goals import services
from goals.models import ActionStep, Amendment, BonusBand, Goal, LandmarkReview
from goals.services import Terms
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def pumps(distributor, manager):
    distributor.account_manager = manager
    distributor.save()
    line = factories.ProductLineFactory(code="pumps", name="Pumps")
    distributor.product_lines.add(line)
    return line


def terms(
    distributor,
    pumps,
    landmarks=None,
    bands=((100, "fixed", 5000),),
    reason="The order book of the spring says so.",
    **over,
):
    fields = {
        "level": "distributor",
        "distributor": distributor,
        "subtitle": "The Bavarian pump plan",
        "description": "Pumps through the Bavarian dealers.",
        "metric": "revenue",
        "product_line": pumps,
        "baseline": D("100000"),
        "baseline_start": datetime.date(2025, 1, 1),
        "baseline_end": datetime.date(2025, 12, 31),
        "target": D("120000"),
        "start": datetime.date(2026, 1, 1),
        "due": datetime.date(2026, 12, 31),
    }
    fields.update(over)
    return Terms(fields=fields, landmarks=landmarks, bands=list(bands), reason=reason)


def team_terms(**over):
    fields = {
        "level": "team",
        "subtitle": "Channel revenue of 5 M EUR in 2026",
        "metric": "revenue",
        "baseline": D("4500000"),
        "baseline_start": datetime.date(2025, 1, 1),
        "baseline_end": datetime.date(2025, 12, 31),
        "target": D("5000000"),
        "start": datetime.date(2026, 1, 1),
        "due": datetime.date(2026, 12, 31),
    }
    fields.update(over)
    return Terms(fields=fields)


@pytest.fixture
def draft(today, distributor, pumps, partner):
    return services.goal_create(by=partner, terms=terms(distributor, pumps))


@pytest.fixture
def proposed(draft, partner):
    return services.goal_propose(goal=draft, by=partner)


@pytest.fixture
def active(proposed, manager):
    return services.goal_accept(goal=proposed, by=manager)


def fresh(goal):
    return Goal.objects.get(pk=goal.pk)


def notices(user, kind):
    return Notification.objects.filter(recipient=user, kind=kind).count()


# --- entry -------------------------------------------------------------------------------------


def test_a_partner_admin_drafts_its_own_distributors_goal(draft, partner):
    goal = fresh(draft)
    assert (goal.status, goal.created_by, goal.unit) == ("draft", partner, "EUR")
    assert [(lm.date, lm.expected) for lm in goal.landmarks.all()][-1] == (
        datetime.date(2026, 12, 31),
        D("120000.00"),
    )
    assert list(goal.bands.values_list("threshold", "kind", "amount")) == [
        (D("100.00"), "fixed", D("5000.00"))
    ]


def test_a_partner_admin_cannot_draft_another_distributors_goal(
    today, other_distributor, pumps, partner
):
    other_distributor.product_lines.add(pumps)
    with pytest.raises(NotAllowed):
        services.goal_create(by=partner, terms=terms(other_distributor, pumps))
    assert not Goal.objects.exists()


def test_a_partner_rep_cannot_draft_a_goal(today, distributor, pumps, colleague):
    with pytest.raises(NotAllowed):
        services.goal_create(by=colleague, terms=terms(distributor, pumps))


def test_someone_without_a_role_cannot_draft_a_goal(today, distributor, pumps, nobody):
    with pytest.raises(NotAllowed):
        services.goal_create(by=nobody, terms=terms(distributor, pumps))


def test_a_partner_admin_cannot_draft_a_team_goal(today, partner):
    with pytest.raises(NotAllowed):
        services.goal_create(by=partner, terms=team_terms())


def test_a_manager_drafts_team_and_support_goals_that_he_owns(today, manager):
    team = services.goal_create(by=manager, terms=team_terms())
    support = services.goal_create(
        by=manager,
        terms=team_terms(
            level="support",
            subtitle="Twelve one-to-one meetings in 2026",
            metric="one_to_ones",
            baseline=D("8"),
            target=D("12"),
        ),
    )
    assert (team.owner, team.distributor, team.status) == (manager, None, "draft")
    assert (support.owner, support.unit) == (manager, "count")


def test_a_team_goal_naming_a_distributor_is_refused(today, manager, distributor):
    with pytest.raises(ValidationFailed):
        services.goal_create(by=manager, terms=team_terms(distributor=distributor))
    assert not Goal.objects.exists()


def test_only_a_distributor_goal_aligns_under_a_team_goal(today, manager, distributor, pumps):
    team = services.goal_create(by=manager, terms=team_terms())
    aligned = services.goal_create(by=manager, terms=terms(distributor, pumps, parent=team))
    assert aligned.parent == team
    with pytest.raises(ValidationFailed) as refused:
        services.goal_create(by=manager, terms=team_terms(parent=aligned))
    assert refused.value.field == "parent"


# --- co-setting --------------------------------------------------------------------------------


def test_proposing_needs_a_landmark(today, distributor, partner):
    goal = factories.GoalFactory(distributor=distributor)
    with pytest.raises(ValidationFailed) as refused:
        services.goal_propose(goal=goal, by=partner)
    assert refused.value.field == "landmarks"
    assert fresh(goal).status == "draft"


def test_proposing_puts_the_terms_to_the_other_side_with_the_proposers_acceptance(
    proposed, partner, manager
):
    goal = fresh(proposed)
    assert (goal.status, goal.proposed_by_side, goal.awaiting_side) == (
        "proposed",
        "partner",
        "manufacturer",
    )
    assert goal.partner_accepted_by == partner and goal.partner_accepted_at is not None
    assert goal.manufacturer_accepted_by is None
    assert notices(manager, "goal_proposed") == 1
    assert notices(partner, "goal_proposed") == 0


def test_only_a_draft_is_proposed(proposed, partner):
    with pytest.raises(ValidationFailed) as refused:
        services.goal_propose(goal=proposed, by=partner)
    assert "proposed" in refused.value.message


def test_a_team_goal_is_activated_not_proposed(today, manager):
    team = services.goal_create(by=manager, terms=team_terms())
    with pytest.raises(ValidationFailed):
        services.goal_propose(goal=team, by=manager)


def test_the_proposer_cannot_counter_its_own_proposal(proposed, partner, distributor, pumps):
    with pytest.raises(NotAllowed):
        services.goal_counter(goal=proposed, by=partner, terms=terms(distributor, pumps))
    assert fresh(proposed).status == "proposed"


def test_counter_proposals_alternate_between_the_sides(
    proposed, partner, manager, distributor, pumps
):
    services.goal_counter(
        goal=proposed, by=manager, terms=terms(distributor, pumps, target=D("125000"))
    )
    goal = fresh(proposed)
    assert (goal.status, goal.proposed_by_side, goal.target) == (
        "counter_proposed",
        "manufacturer",
        D("125000.00"),
    )
    assert goal.manufacturer_accepted_by == manager
    assert goal.partner_accepted_by is None and goal.partner_accepted_at is None
    assert notices(partner, "goal_proposed") == 1

    services.goal_counter(
        goal=goal, by=partner, terms=terms(distributor, pumps, target=D("122000"))
    )
    goal = fresh(goal)
    assert (goal.status, goal.proposed_by_side, goal.target) == (
        "proposed",
        "partner",
        D("122000.00"),
    )
    assert goal.partner_accepted_by == partner and goal.manufacturer_accepted_by is None


def test_a_draft_cannot_be_countered(draft, manager, distributor, pumps):
    with pytest.raises(ValidationFailed) as refused:
        services.goal_counter(goal=draft, by=manager, terms=terms(distributor, pumps))
    assert "draft" in refused.value.message and "counter-proposed" in refused.value.message


def test_the_proposer_cannot_accept_its_own_proposal(proposed, partner):
    with pytest.raises(NotAllowed):
        services.goal_accept(goal=proposed, by=partner)
    assert fresh(proposed).status == "proposed"


def test_accepting_a_started_goal_makes_it_active_with_both_acceptances(proposed, partner, manager):
    services.goal_accept(goal=proposed, by=manager)
    goal = fresh(proposed)
    assert goal.status == "active"
    assert goal.partner_accepted_by == partner and goal.manufacturer_accepted_by == manager
    assert goal.partner_accepted_at and goal.manufacturer_accepted_at
    assert notices(partner, "goal_agreed") == 1
    assert notices(manager, "goal_agreed") == 0  # who accepted needs no notice


def test_accepting_a_goal_not_started_makes_it_agreed(today, distributor, pumps, partner, manager):
    goal = services.goal_create(
        by=manager,
        terms=terms(
            distributor, pumps, start=datetime.date(2026, 7, 1), due=datetime.date(2027, 6, 30)
        ),
    )
    services.goal_propose(goal=goal, by=manager)
    assert notices(partner, "goal_proposed") == 1
    services.goal_accept(goal=goal, by=partner)
    goal = fresh(goal)
    assert goal.status == "agreed"
    assert goal.partner_accepted_by == partner and goal.manufacturer_accepted_by == manager
    assert services.goals_activate_started(today=datetime.date(2026, 6, 30)) == 0
    assert services.goals_activate_started(today=datetime.date(2026, 7, 1)) == 1
    assert fresh(goal).status == "active"


def test_a_rep_or_an_outsider_cannot_accept(
    today, distributor, pumps, manager, colleague, outsider
):
    goal = services.goal_create(by=manager, terms=terms(distributor, pumps))
    services.goal_propose(goal=goal, by=manager)
    for user in (colleague, outsider):
        with pytest.raises(NotAllowed):
            services.goal_accept(goal=goal, by=user)
    assert fresh(goal).status == "proposed"


def test_accepting_an_active_goal_names_the_current_and_the_asked_status(active, partner):
    with pytest.raises(ValidationFailed) as refused:
        services.goal_accept(goal=active, by=partner)
    assert refused.value.message == "The goal is active; it cannot become agreed."


def test_a_manager_activates_a_team_goal(today, manager, partner):
    team = services.goal_create(by=manager, terms=team_terms())
    with pytest.raises(NotAllowed):
        services.goal_activate(goal=team, by=partner)
    services.goal_activate(goal=team, by=manager)
    team = fresh(team)
    assert (team.status, team.manufacturer_accepted_by) == ("active", manager)
    with pytest.raises(ValidationFailed) as refused:
        services.goal_activate(goal=team, by=manager)
    assert refused.value.message == "The goal is active; it cannot become active."


def test_a_distributor_goal_is_not_activated_by_the_manager_alone(draft, manager):
    with pytest.raises(ValidationFailed):
        services.goal_activate(goal=draft, by=manager)
    assert fresh(draft).status == "draft"


def test_closing_needs_a_reason_and_the_manufacturer(active, manager, partner):
    with pytest.raises(NotAllowed):
        services.goal_close(goal=active, by=partner, reason="We give up.")
    with pytest.raises(ValidationFailed) as refused:
        services.goal_close(goal=active, by=manager, reason="  ")
    assert refused.value.field == "reason"
    services.goal_close(goal=active, by=manager, reason="The product line is discontinued.")
    goal = fresh(active)
    assert (goal.status, goal.closed_reason) == ("closed", "The product line is discontinued.")
    with pytest.raises(ValidationFailed) as again:
        services.goal_close(goal=goal, by=manager, reason="Again.")
    assert again.value.message == "The goal is closed; it cannot become closed."


def test_the_terms_of_an_agreed_goal_change_by_amendment_only(
    active, manager, partner, distributor, pumps
):
    for user in (manager, partner):
        with pytest.raises(ValidationFailed) as refused:
            services.goal_update(
                goal=active, by=user, terms=terms(distributor, pumps, target=D("90000"))
            )
        assert refused.value.field == "status"
    assert fresh(active).target == D("120000.00")


def test_a_proposal_on_the_table_is_not_revised_in_place_by_either_side(
    proposed, partner, manager, distributor, pumps
):
    """The other side could be accepting it that instant: it is answered, never edited."""
    for user in (manager, partner):
        with pytest.raises(NotAllowed):
            services.goal_update(
                goal=proposed, by=user, terms=terms(distributor, pumps, target=D("130000"))
            )
    assert fresh(proposed).target == D("120000.00")


def test_a_draft_is_revised_by_either_side_but_not_by_a_rep(
    draft, manager, colleague, distributor, pumps
):
    with pytest.raises(NotAllowed):
        services.goal_update(
            goal=draft, by=colleague, terms=terms(distributor, pumps, target=D("1"))
        )
    services.goal_update(
        goal=draft, by=manager, terms=terms(distributor, pumps, target=D("121000"))
    )
    assert fresh(draft).target == D("121000.00")


# --- amendments --------------------------------------------------------------------------------

NEW_LANDMARKS = [
    (datetime.date(2026, 3, 31), D("29589.04")),
    (datetime.date(2026, 6, 30), D("50000")),
    (datetime.date(2026, 9, 30), D("89753.42")),
    (datetime.date(2026, 12, 31), D("110000")),
]


def test_an_accepted_amendment_applies_its_terms_and_shows_in_the_history(active, manager, partner):
    amendment = services.amendment_propose(
        goal=active,
        by=manager,
        fields={"target": D("110000"), "due": datetime.date(2026, 12, 31)},
        landmarks=NEW_LANDMARKS,
        bands=[(100, "fixed", 4000), (110, "percent_above", 10)],
        reason="The pump range is delayed by a quarter.",
    )
    assert amendment.changes["target"] == "110000.00"
    assert amendment.previous["target"] == "120000.00"
    assert "due" not in amendment.changes  # unchanged terms are not part of it
    assert fresh(active).target == D("120000.00")  # nothing applies before the answer
    assert notices(partner, "goal_amendment") == 1

    services.amendment_accept(amendment=amendment, by=partner)
    amendment.refresh_from_db()
    goal = fresh(active)
    assert (amendment.status, amendment.decided_by) == ("accepted", partner)
    assert goal.target == D("110000.00") and goal.status == "active"
    assert [(lm.date, lm.expected) for lm in goal.landmarks.all()] == NEW_LANDMARKS
    assert list(goal.bands.values_list("threshold", "kind", "amount")) == [
        (D("100.00"), "fixed", D("4000.00")),
        (D("110.00"), "percent_above", D("10.00")),
    ]
    assert notices(manager, "goal_amendment") == 1  # the author hears of the decision

    history = services.goal_history(goal)
    target = [c for c in history if c.field == "Target" and c.action == "changed"]
    # Written as the pages write the figure.
    assert [(c.who, c.old, c.new) for c in target] == [(partner, "€120,000", "€110,000")]
    landmark = [
        c for c in history if c.subject == "landmark of 30 June 2026" and c.action == "changed"
    ]
    assert (landmark[0].who, landmark[0].old, landmark[0].new) == (partner, "€59,507", "€50,000")
    band_changed = [c for c in history if c.subject.startswith("bonus band from 100") and c.old]
    assert (band_changed[0].who, band_changed[0].old, band_changed[0].new) == (
        partner,
        "€5,000",
        "€4,000",
    )
    assert any(
        c.subject.startswith("bonus band from 110") and c.action == "created" for c in history
    )


def test_an_amended_due_date_shows_in_the_history(active, manager, partner):
    amendment = services.amendment_propose(
        goal=active,
        by=partner,
        fields={"due": datetime.date(2027, 3, 31)},
        reason="Longer season.",
    )
    services.amendment_accept(amendment=amendment, by=manager)
    goal = fresh(active)
    assert goal.due == datetime.date(2027, 3, 31)
    due = [c for c in services.goal_history(goal) if c.field == "Due"]
    assert [(c.who, c.old, c.new) for c in due] == [(manager, "31/12/2026", "31/03/2027")]


def test_the_author_of_an_amendment_cannot_accept_it(active, manager):
    amendment = services.amendment_propose(
        goal=active, by=manager, fields={"target": D("130000")}, reason="Strong market."
    )
    with pytest.raises(NotAllowed):
        services.amendment_accept(amendment=amendment, by=manager)
    amendment.refresh_from_db()
    assert amendment.status == "proposed"
    assert fresh(active).target == D("120000.00")


def test_one_amendment_at_a_time(active, manager, partner):
    services.amendment_propose(
        goal=active, by=manager, fields={"target": D("130000")}, reason="Strong market."
    )
    with pytest.raises(ValidationFailed) as refused:
        services.amendment_propose(
            goal=active, by=partner, fields={"target": D("100000")}, reason="Weak market."
        )
    assert refused.value.field == "amendment"
    assert Amendment.objects.count() == 1


def test_an_amendment_is_rejected_by_the_other_side_or_withdrawn_by_its_author(
    active, manager, partner
):
    first = services.amendment_propose(
        goal=active, by=manager, fields={"target": D("130000")}, reason="Strong market."
    )
    services.amendment_reject(amendment=first, by=partner)
    first.refresh_from_db()
    assert (first.status, first.decided_by) == ("rejected", partner)
    second = services.amendment_propose(
        goal=active, by=manager, fields={"target": D("125000")}, reason="Still strong."
    )
    services.amendment_reject(amendment=second, by=manager)
    second.refresh_from_db()
    assert second.status == "withdrawn"
    assert fresh(active).target == D("120000.00")
    with pytest.raises(ValidationFailed):
        services.amendment_accept(amendment=second, by=partner)


def test_only_an_agreed_or_active_goal_is_amended(proposed, manager):
    with pytest.raises(ValidationFailed) as refused:
        services.amendment_propose(
            goal=proposed, by=manager, fields={"target": D("1")}, reason="Why not."
        )
    assert refused.value.field == "status"


def test_an_amendment_needs_a_reason_and_a_change(active, manager):
    with pytest.raises(ValidationFailed) as no_reason:
        services.amendment_propose(goal=active, by=manager, fields={"target": D("1")}, reason="")
    assert no_reason.value.field == "reason"
    with pytest.raises(ValidationFailed):
        services.amendment_propose(
            goal=active, by=manager, fields={"target": D("120000")}, reason="Nothing."
        )
    with pytest.raises(ValidationFailed) as not_amendable:
        services.amendment_propose(
            goal=active, by=manager, fields={"metric": "units"}, reason="Other metric."
        )
    assert not_amendable.value.field == "metric"


def test_a_team_goal_takes_its_amendment_at_once(today, manager):
    team = services.goal_create(by=manager, terms=team_terms())
    services.goal_activate(goal=team, by=manager)
    amendment = services.amendment_propose(
        goal=team, by=manager, fields={"target": D("5500000")}, reason="New plant."
    )
    assert amendment.status == "accepted"
    assert fresh(team).target == D("5500000.00")


# --- suggested landmarks -----------------------------------------------------------------------


def unsaved(distributor, pumps, **fields):
    goal = Goal(**terms(distributor, pumps, **fields).fields)
    goal.unit = "EUR"
    return goal


def test_linear_landmarks_fall_on_quarter_ends_with_cumulative_values(today, distributor, pumps):
    assert services.landmarks_propose(unsaved(distributor, pumps)) == [
        # Whole euros, as the target is written: 90 / 365 of 120,000 …
        (datetime.date(2026, 3, 31), D("29589")),
        (datetime.date(2026, 6, 30), D("59507")),  # 181 / 365
        (datetime.date(2026, 9, 30), D("89753")),  # 273 / 365
        (datetime.date(2026, 12, 31), D("120000")),
    ]


def test_linear_landmarks_in_even_steps(today, distributor, pumps):
    assert services.landmarks_propose(unsaved(distributor, pumps), count=2) == [
        (datetime.date(2026, 7, 2), D("60164")),  # 183 / 365 of 120,000
        (datetime.date(2026, 12, 31), D("120000")),
    ]


def test_landmarks_of_a_level_step_from_the_baseline_to_the_target(today, distributor, pumps):
    goal = unsaved(distributor, pumps, metric="margin_pct", baseline=D("20"), target=D("30"))
    assert services.landmarks_propose(goal) == [
        # A percentage keeps at least one decimal: 20 + 10 × 89 / 364 = 22.445 …
        (datetime.date(2026, 3, 31), D("22.4")),
        (datetime.date(2026, 6, 30), D("24.9")),  # 20 + 10 × 180 / 364
        (datetime.date(2026, 9, 30), D("27.5")),  # 20 + 10 × 272 / 364
        (datetime.date(2026, 12, 31), D("30.0")),
    ]


def test_profile_landmarks_follow_last_years_monthly_revenue(today, distributor, pumps):
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2024, 1, 1), rate=1)
    valves = factories.ProductLineFactory(code="valves")
    for month, amount, line in [
        (2, 10000, pumps),
        (5, 20000, pumps),
        (8, 30000, pumps),
        (11, 40000, pumps),
        (1, 90000, valves),  # another line: no part of the shape
    ]:
        factories.RevenueRecordFactory(
            distributor=distributor,
            month=datetime.date(2025, month, 1),
            product_line=line,
            amount=D(amount),
        )
    goal = unsaved(distributor, pumps)
    assert services.landmarks_propose(goal, method="profile") == [
        (datetime.date(2026, 3, 31), D("12000.00")),  # 10 % of last year's pumps by March
        (datetime.date(2026, 6, 30), D("36000.00")),  # 30 %
        (datetime.date(2026, 9, 30), D("72000.00")),  # 60 %
        (datetime.date(2026, 12, 31), D("120000.00")),
    ]


def test_profile_landmarks_without_last_years_figures_are_linear(today, distributor, pumps):
    goal = unsaved(distributor, pumps)
    assert services.landmarks_propose(goal, method="profile") == services.landmarks_propose(goal)


# --- payout ------------------------------------------------------------------------------------


@pytest.fixture
def banded(today, distributor):
    goal = factories.GoalFactory(distributor=distributor, target=D("100000"))
    factories.BonusBandFactory(goal=goal, threshold=D("100"), kind="fixed", amount=D("5000"))
    factories.BonusBandFactory(goal=goal, threshold=D("110"), kind="percent_above", amount=D("10"))
    return goal


def test_below_every_band_nothing_is_paid(banded):
    pay = services.payout_for(banded, D("95000"))
    assert (pay.band, pay.amount, pay.attainment, pay.earned) == (
        None,
        D("0.00"),
        D("95.00"),
        False,
    )


def test_a_fixed_band_pays_its_amount(banded):
    pay = services.payout_for(banded, D("105000"))
    assert (pay.band.threshold, pay.amount) == (D("100.00"), D("5000.00"))


def test_a_percent_band_pays_its_share_of_the_value_above_target(banded):
    pay = services.payout_for(banded, D("120000"))
    # 10 % of the 20,000 above target; the fixed band below is not added.
    assert (pay.band.threshold, pay.amount) == (D("110.00"), D("2000.00"))


def test_no_figures_pay_nothing(banded):
    assert services.payout_for(banded, None).amount == D("0.00")


def test_bands_passed_in_are_used_in_threshold_order(banded):
    bands = [
        BonusBand(threshold=D("120"), kind="fixed", amount=D("9000")),
        BonusBand(threshold=D("50"), kind="fixed", amount=D("100")),
    ]
    assert services.payout_for(banded, D("130000"), bands).amount == D("9000.00")
    assert services.payout_for(banded, D("60000"), bands).amount == D("100.00")


# --- reviews and their accounting --------------------------------------------------------------


@pytest.fixture
def euro(db):
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2024, 1, 1), rate=1)


def monthly_revenue(distributor, line, amount, months):
    for month in months:
        factories.RevenueRecordFactory(
            distributor=distributor, month=month, product_line=line, amount=D(amount)
        )


@pytest.fixture
def missed(today, euro, distributor, pumps, partner, manager):
    """An active goal whose March landmark (30,000) was missed: 15,000 by March."""
    goal = factories.goal_with_landmarks(
        distributor=distributor, product_line=pumps, status="active"
    )
    monthly_revenue(distributor, pumps, 5000, [datetime.date(2026, m, 1) for m in (1, 2, 3, 4, 5)])
    assert services.reviews_open_due(today=today) == 1
    return goal.reviews.get()


def test_a_passed_landmark_opens_a_review_for_both_sides(missed, partner, manager):
    assert (missed.outcome, missed.status, missed.early) == ("missed", "open", False)
    assert (missed.expected, missed.actual) == (D("30000.00"), D("15000.00"))
    assert notices(partner, "landmark_review") == 1
    assert notices(manager, "landmark_review") == 1


def test_reviews_open_due_is_idempotent(missed, today, partner):
    assert services.reviews_open_due(today=today) == 0
    assert LandmarkReview.objects.count() == 1
    assert notices(partner, "landmark_review") == 1


def test_a_review_with_no_figures_is_opened_once(today, distributor, partner):
    goal = factories.goal_with_landmarks(
        distributor=distributor,
        metric="dql_conversion",
        target=D("50"),
        baseline=D("40"),
        quarters=(45, 47, 49),
        status="active",
    )
    assert services.reviews_open_due(today=today) == 1
    review = goal.reviews.get()
    assert (review.actual, review.outcome) == (None, "missed")
    assert services.reviews_open_due(today=today) == 0
    assert notices(partner, "landmark_review") == 1


LIVE_ACTION = (
    "a live corrective action (to do, in progress or done) or a goal adjustment agreed by both "
    "sides"
)


def test_a_missed_review_cannot_close_unaccounted(missed, manager):
    with pytest.raises(ValidationFailed) as refused:
        services.review_close(review=missed, by=manager)
    message = refused.value.message
    assert "a cause and an explanation" in message
    assert "a live corrective action" in message
    assert "acknowledgement" in message
    assert services.review_missing(missed) == [
        "a cause and an explanation",
        LIVE_ACTION,
        "the distributor admin's acknowledgement",
    ]


def test_a_managers_accounting_waits_for_the_partner_admins_acknowledgement(
    missed, manager, partner, colleague
):
    services.review_account(
        review=missed,
        by=manager,
        cause="supply",
        explanation="The new pump was late from the plant.",
        actions=[("Demo tour in April", colleague, datetime.date(2026, 7, 15))],
    )
    review = LandmarkReview.objects.get(pk=missed.pk)
    assert (review.status, review.cause, review.accounted_by) == ("accounted", "supply", manager)
    assert review.acknowledged_by is None
    [action] = review.actions.all()
    assert (action.what, action.owner, action.goal_id) == (
        "Demo tour in April",
        colleague,
        review.goal_id,
    )
    with pytest.raises(ValidationFailed) as refused:
        services.review_close(review=review, by=manager)
    assert "acknowledgement" in refused.value.message
    with pytest.raises(NotAllowed):
        services.review_acknowledge(review=review, by=manager)
    with pytest.raises(NotAllowed):
        services.review_acknowledge(review=review, by=colleague)
    services.review_acknowledge(review=review, by=partner)
    services.review_close(review=review, by=manager)
    review.refresh_from_db()
    assert (review.status, review.closed_by, review.acknowledged_by) == ("closed", manager, partner)


def test_a_changed_accounting_needs_a_new_acknowledgement(missed, manager, partner):
    services.review_account(
        review=missed,
        by=partner,
        cause="market",
        explanation="The market fell.",
        actions=[("Call every dealer", partner, datetime.date(2026, 7, 1))],
    )
    assert LandmarkReview.objects.get(pk=missed.pk).acknowledged_by == partner
    services.review_account(
        review=missed, by=manager, cause="capacity", explanation="Too few reps on the road."
    )
    review = LandmarkReview.objects.get(pk=missed.pk)
    assert review.cause == "capacity" and review.acknowledged_at is None
    with pytest.raises(ValidationFailed):
        services.review_close(review=review, by=manager)


def test_a_partner_admins_accounting_carries_the_acknowledgement(missed, manager, partner):
    services.review_account(
        review=missed,
        by=partner,
        cause="competition",
        explanation="A rival cut prices.",
        actions=[("Match the rival's offer", partner, datetime.date(2026, 7, 1))],
    )
    review = LandmarkReview.objects.get(pk=missed.pk)
    assert review.acknowledged_by == partner
    with pytest.raises(NotAllowed):
        services.review_close(review=review, by=partner)
    services.review_close(review=review, by=manager)
    assert LandmarkReview.objects.get(pk=missed.pk).status == "closed"


def _accounted_with_one_action(review, manager, partner):
    services.review_account(
        review=review,
        by=manager,
        cause="supply",
        explanation="The new pump was late from the plant.",
        actions=[("Demo tour in April", partner, datetime.date(2026, 7, 15))],
    )
    services.review_acknowledge(review=review, by=partner)
    return review.actions.get()


def test_a_review_whose_only_corrective_action_was_dropped_does_not_close(missed, manager, partner):
    """Accountability holds to the end: dropping the action after the acknowledgement leaves
    the missed landmark unanswered."""
    action = _accounted_with_one_action(missed, manager, partner)
    services.step_set_status(step=action, by=partner, status=ActionStep.Status.DROPPED)

    with pytest.raises(ValidationFailed) as refused:
        services.review_close(review=missed, by=manager)

    assert refused.value.field == "status"
    assert refused.value.message == f"The review cannot close yet. Still missing: {LIVE_ACTION}."
    review = LandmarkReview.objects.get(pk=missed.pk)
    assert services.review_missing(review) == [LIVE_ACTION]
    assert review.status == "accounted"


@pytest.mark.parametrize("status", ["todo", "doing", "done"])
def test_a_review_closes_with_a_live_corrective_action(missed, manager, partner, status):
    action = _accounted_with_one_action(missed, manager, partner)
    services.step_set_status(step=action, by=partner, status=status)

    services.review_close(review=missed, by=manager)

    assert LandmarkReview.objects.get(pk=missed.pk).status == "closed"


def test_a_dropped_action_beside_an_agreed_adjustment_lets_the_review_close(
    missed, manager, partner
):
    action = _accounted_with_one_action(missed, manager, partner)
    services.step_set_status(step=action, by=partner, status=ActionStep.Status.DROPPED)
    amendment = services.amendment_propose(
        goal=missed.goal,
        by=partner,
        fields={"target": D("100000")},
        landmark_rule="linear",
        reason="The plant cannot deliver before autumn.",
        review=missed,
    )
    services.amendment_accept(amendment=amendment, by=manager)

    services.review_close(review=missed, by=manager)

    assert LandmarkReview.objects.get(pk=missed.pk).status == "closed"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            "The review cannot close yet. Still missing: a cause and an explanation; "
            f"{LIVE_ACTION}; the distributor admin's acknowledgement.",
        ),
        (
            "fr",
            "La revue ne peut pas encore être close. Il manque encore : une cause et une "
            "explication ; une action corrective en vigueur (à faire, en cours ou terminée) ou "
            "un ajustement de l'objectif convenu par les deux parties ; la confirmation de "
            "prise de connaissance par l'administrateur du distributeur.",
        ),
    ],
)
def test_the_refusal_to_close_is_one_sentence_listing_what_is_missing(
    missed, manager, language, expected
):
    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        services.review_close(review=missed, by=manager)

    assert refused.value.message == expected


def test_an_accepted_amendment_for_the_review_stands_for_a_corrective_action(
    missed, manager, partner
):
    services.review_account(
        review=missed, by=partner, cause="market", explanation="Construction stalled."
    )
    assert services.review_missing(LandmarkReview.objects.get(pk=missed.pk)) == [LIVE_ACTION]
    amendment = services.amendment_propose(
        goal=missed.goal,
        by=partner,
        fields={"target": D("100000")},
        landmark_rule="linear",
        reason="The market is down 15 %.",
        review=missed,
    )
    with pytest.raises(ValidationFailed):
        services.review_close(review=missed, by=manager)  # proposed is not agreed
    services.amendment_accept(amendment=amendment, by=manager)
    services.review_close(review=missed, by=manager)
    assert LandmarkReview.objects.get(pk=missed.pk).status == "closed"


def test_an_amendment_cannot_answer_another_goals_review(missed, manager, distributor):
    other = factories.GoalFactory(distributor=distributor, status="active")
    with pytest.raises(ValidationFailed) as refused:
        services.amendment_propose(
            goal=other, by=manager, fields={"target": D("1000")}, reason="x", review=missed
        )
    assert refused.value.field == "review"


def test_an_on_track_review_closes_at_once(today, euro, distributor, pumps, manager):
    goal = factories.goal_with_landmarks(
        distributor=distributor, product_line=pumps, status="active"
    )
    monthly_revenue(distributor, pumps, 10000, [datetime.date(2026, m, 1) for m in (1, 2, 3)])
    services.reviews_open_due(today=today)
    review = goal.reviews.get()
    assert review.outcome == "on_track" and services.review_missing(review) == []
    services.review_close(review=review, by=manager)
    assert LandmarkReview.objects.get(pk=review.pk).status == "closed"


def test_accounting_needs_a_listed_cause_an_explanation_and_a_side(
    missed, partner, colleague, outsider
):
    with pytest.raises(ValidationFailed) as cause:
        services.review_account(review=missed, by=partner, cause="weather", explanation="Rain.")
    assert cause.value.field == "cause"
    with pytest.raises(ValidationFailed) as explanation:
        services.review_account(review=missed, by=partner, cause="market", explanation=" ")
    assert explanation.value.field == "explanation"
    for user in (colleague, outsider):
        with pytest.raises(NotAllowed):
            services.review_account(review=missed, by=user, cause="market", explanation="x")
    with pytest.raises(ValidationFailed) as owner:
        services.review_account(
            review=missed,
            by=partner,
            cause="market",
            explanation="x",
            actions=[("Ask the rival", outsider, datetime.date(2026, 7, 1))],
        )
    assert owner.value.field == "actions"
    assert LandmarkReview.objects.get(pk=missed.pk).status == "open"


def test_there_is_nothing_to_acknowledge_before_the_accounting(missed, partner):
    with pytest.raises(ValidationFailed):
        services.review_acknowledge(review=missed, by=partner)


def test_a_review_shows_the_earlier_reviews_actions_and_whether_they_were_done(
    missed, manager, partner, today
):
    services.review_account(
        review=missed,
        by=partner,
        cause="market",
        explanation="Slow start.",
        actions=[
            ("Call every dealer", partner, datetime.date(2026, 4, 30)),
            ("Run a webinar", manager, datetime.date(2026, 5, 31)),
        ],
    )
    call = ActionStep.objects.get(what="Call every dealer")
    services.step_set_status(step=call, by=partner, status="done")
    later = services.reviews_open_due(today=datetime.date(2026, 7, 1))
    assert later == 1
    june = LandmarkReview.objects.get(landmark__date=datetime.date(2026, 6, 30))
    shown = {(step.what, step.status) for step in services.previous_actions(june)}
    assert shown == {("Call every dealer", "done"), ("Run a webinar", "todo")}
    assert services.previous_actions(missed) == []


# --- steps and the activity log ----------------------------------------------------------------


def test_a_rep_adds_and_updates_steps_of_its_distributors_goal(active, colleague):
    step = services.step_add(
        goal=active,
        by=colleague,
        what=" Visit the Munich dealer ",
        owner=colleague,
        due=datetime.date(2026, 7, 1),
    )
    assert (step.what, step.status, step.created_by) == (
        "Visit the Munich dealer",
        "todo",
        colleague,
    )
    services.step_set_status(step=step, by=colleague, status="done")
    step.refresh_from_db()
    assert step.status == "done" and step.done_at is not None
    services.step_set_status(step=step, by=colleague, status="doing")
    step.refresh_from_db()
    assert step.status == "doing" and step.done_at is None


def test_an_outsider_neither_adds_nor_updates_steps(active, colleague, outsider, nobody):
    step = services.step_add(
        goal=active, by=colleague, what="Visit", owner=None, due=datetime.date(2026, 7, 1)
    )
    for user in (outsider, nobody):
        with pytest.raises(NotAllowed):
            services.step_add(
                goal=active, by=user, what="Sneak in", owner=None, due=datetime.date(2026, 7, 1)
            )
        with pytest.raises(NotAllowed):
            services.step_set_status(step=step, by=user, status="dropped")
    step.refresh_from_db()
    assert step.status == "todo" and active.steps.count() == 1


def test_a_step_needs_words_an_owner_of_either_side_and_an_open_goal(
    active, manager, colleague, outsider
):
    with pytest.raises(ValidationFailed):
        services.step_add(goal=active, by=colleague, what=" ", owner=None, due=None)
    with pytest.raises(ValidationFailed) as owner:
        services.step_add(
            goal=active, by=colleague, what="x", owner=outsider, due=datetime.date(2026, 7, 1)
        )
    assert owner.value.field == "owner"
    assert (
        services.step_add(
            goal=active, by=colleague, what="Webinar", owner=manager, due=datetime.date(2026, 7, 1)
        ).owner
        == manager
    )
    services.goal_close(goal=active, by=manager, reason="Line discontinued.")
    with pytest.raises(ValidationFailed):
        services.step_add(goal=fresh(active), by=colleague, what="x", owner=None, due=None)


def test_a_rep_cannot_work_the_steps_of_a_team_goal(today, manager, colleague):
    team = services.goal_create(by=manager, terms=team_terms())
    with pytest.raises(NotAllowed):
        services.step_add(goal=team, by=colleague, what="x", owner=None, due=None)


def test_the_manager_logs_activities_that_have_happened(today, manager, partner, distributor):
    visit = services.activity_record(
        by=manager, kind="visit", distributor=distributor, date=today, note="Showroom"
    )
    assert (visit.manager, visit.kind, visit.distributor) == (manager, "visit", distributor)
    with pytest.raises(ValidationFailed) as future:
        services.activity_record(
            by=manager, kind="visit", distributor=distributor, date=today + datetime.timedelta(1)
        )
    assert future.value.field == "date"
    with pytest.raises(ValidationFailed):
        services.activity_record(by=manager, kind="party", distributor=distributor, date=today)
    with pytest.raises(NotAllowed):
        services.activity_record(by=partner, kind="visit", distributor=distributor, date=today)


# --- the daily job's parts ---------------------------------------------------------------------


def test_goals_past_due_settle_as_achieved_or_missed_with_their_payout(
    today, euro, distributor, other_distributor, pumps
):
    other_distributor.product_lines.add(pumps)
    achieved = factories.GoalFactory(
        distributor=distributor,
        product_line=pumps,
        status="active",
        start=datetime.date(2026, 1, 1),
        due=datetime.date(2026, 5, 31),
        target=D("20000"),
        at_risk=True,
    )
    factories.BonusBandFactory(goal=achieved, threshold=D("100"), kind="fixed", amount=D("1000"))
    factories.BonusBandFactory(
        goal=achieved, threshold=D("110"), kind="percent_above", amount=D("10")
    )
    missed = factories.GoalFactory(
        distributor=other_distributor,
        product_line=pumps,
        status="active",
        start=datetime.date(2026, 1, 1),
        due=datetime.date(2026, 5, 31),
        target=D("20000"),
    )
    factories.BonusBandFactory(goal=missed)
    running = factories.GoalFactory(distributor=distributor, product_line=pumps, status="active")
    months = [datetime.date(2026, m, 1) for m in range(1, 7)]  # June is after the due date
    monthly_revenue(distributor, pumps, 5000, months)  # 25,000 by May
    monthly_revenue(other_distributor, pumps, 3000, months)  # 15,000 by May

    assert services.goals_settle(today=today) == 2
    achieved, missed, running = fresh(achieved), fresh(missed), fresh(running)
    assert (achieved.status, achieved.final_actual, achieved.payout, achieved.at_risk) == (
        "achieved",
        D("25000.00"),
        D("500.00"),  # 125 %: 10 % of the 5,000 above target
        False,
    )
    assert (missed.status, missed.final_actual, missed.payout) == (
        "missed",
        D("15000.00"),
        D("0.00"),
    )
    assert running.status == "active" and running.final_actual is None

    assert services.goals_settle(today=today) == 0
    assert fresh(achieved).payout == D("500.00") and fresh(missed).status == "missed"


@pytest.fixture
def behind(today, euro, distributor, pumps):
    """25,000 by mid-June against a June landmark of 60,000."""
    goal = factories.goal_with_landmarks(
        distributor=distributor, product_line=pumps, status="active"
    )
    monthly_revenue(distributor, pumps, 5000, [datetime.date(2026, m, 1) for m in range(1, 6)])
    return goal


def test_the_early_warning_projects_the_run_rate_and_opens_the_review_early(
    behind, today, partner, manager
):
    assert services.goals_at_risk_refresh(today=today) == 1
    goal = fresh(behind)
    # The pace is read over complete months: May 31 is day 151, June 30 day 181;
    # 25,000 × 181 / 151
    assert (goal.at_risk, goal.projection) == (True, D("29966.89"))
    # The actual it measured is kept for the rankings, with the day it runs up to.
    assert (goal.actual, goal.actual_on) == (D("25000.00"), datetime.date(2026, 5, 31))
    review = goal.reviews.get()
    assert (review.landmark.date, review.early, review.outcome, review.actual) == (
        datetime.date(2026, 6, 30),
        True,
        "at_risk",
        None,
    )
    assert notices(partner, "goal_at_risk") == 1 and notices(manager, "goal_at_risk") == 1
    assert notices(partner, "landmark_review") == 1

    assert services.goals_at_risk_refresh(today=today) == 0
    assert goal.reviews.count() == 1
    assert notices(partner, "goal_at_risk") == 1 and notices(partner, "landmark_review") == 1


def test_a_goal_on_pace_is_not_at_risk(today, euro, distributor, pumps):
    goal = factories.goal_with_landmarks(
        distributor=distributor, product_line=pumps, status="active", quarters=(10000, 20000)
    )
    monthly_revenue(distributor, pumps, 5000, [datetime.date(2026, m, 1) for m in range(1, 6)])
    assert services.goals_at_risk_refresh(today=today) == 0
    goal = fresh(goal)
    assert (goal.at_risk, goal.projection) == (False, D("29966.89"))
    assert not goal.reviews.exists()


def test_the_pace_ignores_the_month_not_reported_yet(today, euro, distributor, pumps):
    """Mid-June, June's revenue is not in: counting its days would make the goal look behind."""
    goal = factories.goal_with_landmarks(
        distributor=distributor, product_line=pumps, status="active", quarters=(10000, 29000)
    )
    monthly_revenue(distributor, pumps, 5000, [datetime.date(2026, m, 1) for m in range(1, 6)])
    services.goals_at_risk_refresh(today=today)
    # Over the days to June 15 the pace (25,000 × 181 / 166 = 27,259) would miss 29,000.
    assert fresh(goal).at_risk is False


def test_a_goal_still_at_risk_opens_its_next_landmarks_review_early_too(behind, today):
    services.goals_at_risk_refresh(today=today)
    services.reviews_open_due(today=datetime.date(2026, 7, 2))  # June is now missed
    june = behind.reviews.get(landmark__date=datetime.date(2026, 6, 30))
    assert (june.early, june.outcome, june.actual) == (True, "missed", D("25000.00"))
    services.goals_at_risk_refresh(today=datetime.date(2026, 7, 2))
    september = behind.reviews.get(landmark__date=datetime.date(2026, 9, 30))
    assert (september.early, september.outcome) == (True, "at_risk")
    assert fresh(behind).at_risk


def test_an_early_review_is_completed_when_its_date_passes_and_keeps_its_accounting(
    behind, today, partner
):
    services.goals_at_risk_refresh(today=today)
    review = behind.reviews.get()
    services.review_account(
        review=review,
        by=partner,
        cause="market",
        explanation="Slow spring.",
        actions=[("Spring promotion", partner, datetime.date(2026, 6, 25))],
    )
    with pytest.raises(ValidationFailed) as refused:
        services.review_close(review=review, by=factories.ManagerFactory())
    assert "has not come yet" in refused.value.message
    services.reviews_open_due(today=datetime.date(2026, 7, 1))
    review.refresh_from_db()
    assert (review.outcome, review.actual, review.cause, review.status) == (
        "missed",
        D("25000.00"),
        "market",
        "accounted",
    )
