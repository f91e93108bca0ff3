"""A goal's terms hold together wherever they enter: landmarks follow the target or are asked for
again, the title is written from the terms, a counter-proposal says why and what changed, bonus
bands pay in the unit of the payout, and values outside a metric's domain never get in."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from drm.errors import ValidationFailed
from goals import services
from goals.annex import annex_pdf
from goals.models import Amendment, Goal, Proposal
from goals.services import Terms
from identity.models import UserProfile
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal
YEAR = datetime.date(2027, 1, 1), datetime.date(2027, 12, 31)


@pytest.fixture
def filtration(distributor):
    line = factories.ProductLineFactory(code="filtration", name="Filtration systems")
    distributor.product_lines.add(line)
    return line


def fields(distributor, line, **over):
    values = {
        "level": "distributor",
        "distributor": distributor,
        "subtitle": "The food plants of the north",
        "description": "Filters for the food and beverage plants.",
        "metric": "revenue",
        "product_line": line,
        "baseline": D("65000"),
        "baseline_start": datetime.date(2026, 1, 1),
        "baseline_end": datetime.date(2026, 12, 31),
        "target": D("72000"),
        "start": YEAR[0],
        "due": YEAR[1],
    }
    values.update(over)
    return values


def text_of(pdf):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# --- finding 1: a counter-proposal changes the target, the landmarks and the title with it -----


def test_a_counter_proposal_rescales_the_proposed_landmarks_and_the_title_follows(
    today, distributor, filtration, manager, partner
):
    goal = services.goal_create(by=manager, terms=Terms(fields=fields(distributor, filtration)))
    assert goal.title == "Filtration systems revenue of 72 k EUR in 2027"
    services.goal_propose(goal=goal, by=manager)
    services.goal_counter(
        goal=goal,
        by=partner,
        terms=Terms(fields={"target": D("68000")}, reason="Two plants postponed their lines."),
    )
    services.goal_accept(goal=goal, by=manager)
    goal = Goal.objects.get(pk=goal.pk)

    assert goal.status == "agreed"
    assert goal.title == "Filtration systems revenue of 68 k EUR in 2027"
    landmarks = list(goal.landmarks.values_list("date", "expected"))
    assert landmarks[-1] == (YEAR[1], D("68000.00"))
    # Every landmark was derived from the new target, not kept from the old one.
    assert landmarks[0] == (datetime.date(2027, 3, 31), D("16767.00"))  # 90 / 365 of 68,000
    annex = text_of(annex_pdf(distributor=distributor, year=2027))
    assert "Filtration systems revenue of 68 k EUR in 2027" in annex
    assert "72 k" not in annex and "€72,000" not in annex
    assert "€68,000" in annex


def test_landmarks_set_by_hand_are_asked_for_again_when_the_target_changes(
    today, distributor, filtration, manager, partner
):
    landmarks = [(datetime.date(2027, 6, 30), D("30000")), (YEAR[1], D("72000"))]
    goal = services.goal_create(
        by=manager, terms=Terms(fields=fields(distributor, filtration), landmarks=landmarks)
    )
    assert goal.landmark_rule == "manual"
    services.goal_propose(goal=goal, by=manager)
    with pytest.raises(ValidationFailed) as refused:
        services.goal_counter(
            goal=goal, by=partner, terms=Terms(fields={"target": D("68000")}, reason="Less.")
        )
    assert refused.value.field == "landmarks"
    assert "set by hand" in refused.value.message and "€68,000" in refused.value.message
    assert Goal.objects.get(pk=goal.pk).target == D("72000.00")

    services.goal_counter(
        goal=goal,
        by=partner,
        terms=Terms(
            fields={"target": D("68000")},
            landmarks=[(datetime.date(2027, 6, 30), D("28000")), (YEAR[1], D("68000"))],
            reason="Two plants postponed their lines.",
        ),
    )
    assert list(goal.landmarks.values_list("expected", flat=True)) == [D("28000"), D("68000")]


def test_landmarks_typed_without_the_due_date_end_on_the_target(
    today, distributor, filtration, manager
):
    goal = services.goal_create(
        by=manager,
        terms=Terms(
            fields=fields(distributor, filtration),
            landmarks=[(datetime.date(2027, 6, 30), D("30000"))],
        ),
    )
    assert list(goal.landmarks.values_list("date", "expected")) == [
        (datetime.date(2027, 6, 30), D("30000.00")),
        (YEAR[1], D("72000.00")),
    ]


@pytest.mark.parametrize(
    "landmarks, message",
    [
        ([(YEAR[1], D("70000"))], "The last landmark is the target on the due date"),
        (
            [(datetime.date(2027, 6, 30), D("50000")), (datetime.date(2027, 9, 30), D("40000"))],
            "a sum to date never goes down",
        ),
        ([(datetime.date(2027, 6, 30), D("-1"))], "cannot be negative"),
        ([(datetime.date(2028, 6, 30), D("1"))], "falls outside the goal's dates"),
    ],
)
def test_landmarks_that_contradict_the_target_are_refused_naming_the_landmarks(
    today, distributor, filtration, manager, landmarks, message
):
    with pytest.raises(ValidationFailed) as refused:
        services.goal_create(
            by=manager,
            terms=Terms(fields=fields(distributor, filtration), landmarks=landmarks),
        )
    assert refused.value.field == "landmarks"
    assert message in refused.value.message
    assert not Goal.objects.exists()


# --- a counter-proposal says why and what changed ------------------------------------------------


def test_a_counter_proposal_needs_a_reason_and_must_change_something(
    today, distributor, filtration, manager, partner
):
    goal = services.goal_create(by=manager, terms=Terms(fields=fields(distributor, filtration)))
    services.goal_propose(goal=goal, by=manager)
    with pytest.raises(ValidationFailed) as refused:
        services.goal_counter(goal=goal, by=partner, terms=Terms(fields={"target": D("68000")}))
    assert refused.value.field == "reason"
    with pytest.raises(ValidationFailed) as refused:
        services.goal_counter(
            goal=goal, by=partner, terms=Terms(fields={"target": D("72000")}, reason="Same.")
        )
    assert "changes nothing" in refused.value.message
    assert Goal.objects.get(pk=goal.pk).status == "proposed"
    assert not Proposal.objects.filter(kind="counter").exists()


def test_the_other_side_reads_what_changed_and_why_in_the_notice_the_page_and_the_history(
    today, distributor, filtration, manager, partner, login
):
    goal = services.goal_create(by=partner, terms=Terms(fields=fields(distributor, filtration)))
    services.goal_propose(goal=goal, by=partner)
    services.goal_counter(
        goal=goal,
        by=manager,
        terms=Terms(
            fields={"target": D("76000"), "due": datetime.date(2027, 11, 30)},
            reason="The new plant in Verona opens in spring.",
        ),
    )
    counter = Proposal.objects.get(kind="counter")
    assert (counter.previous["target"], counter.changes["target"]) == ("72000.00", "76000.00")
    assert set(counter.changes) == {"target", "due", "landmarks"}

    notice = Notification.objects.get(recipient=partner, kind="goal_proposed", body__contains="76")
    assert "Target: €72,000 → €76,000" in notice.body
    assert "Due: 31 December 2027 → 30 November 2027" in notice.body
    assert "The new plant in Verona opens in spring." in notice.body
    assert (
        "Pumps" not in notice.subject and "Filtration systems revenue of 76 k EUR" in notice.subject
    )

    page = login(partner).get(reverse("goals:detail", args=[goal.pk]))
    body = page.content.decode()
    assert 'id="counter-changes"' in body
    assert "The new plant in Verona opens in spring." in body
    rows = {row.term: (row.old, row.new) for row in page.context["counter_rows"]}
    assert rows["target"] == ("€72,000", "€76,000")
    history = page.context["history"]
    assert any(c.new == "The new plant in Verona opens in spring." for c in history)


def test_the_counter_proposal_reads_in_the_recipients_language(
    today, distributor, filtration, manager, partner
):
    UserProfile.objects.update_or_create(user=partner, defaults={"language": "fr"})
    goal = services.goal_create(by=partner, terms=Terms(fields=fields(distributor, filtration)))
    services.goal_propose(goal=goal, by=partner)
    services.goal_counter(
        goal=goal,
        by=manager,
        terms=Terms(fields={"target": D("76000")}, reason="Verona."),
    )
    notice = Notification.objects.filter(recipient=partner, kind="goal_proposed").latest("pk")
    assert "Chiffre d'affaires Filtration systems de 76 k EUR en 2027" in notice.subject
    assert "Cible : 72\u202f000\u00a0€ → 76\u202f000\u00a0€" in notice.body


# --- finding 2: a bonus pays in the unit of the payout, never in the metric's -------------------


def test_a_fixed_bonus_on_a_percentage_goal_pays_in_the_distributors_currency(
    today, distributor, manager, partner, login
):
    goal = services.goal_create(
        by=manager,
        terms=Terms(
            fields={
                **fields(distributor, None),
                "metric": "margin_pct",
                "baseline": D("28.9"),
                "target": D("30.4"),
            },
            bands=[(100, "fixed", 2500)],
        ),
    )
    services.goal_propose(goal=goal, by=manager)
    services.goal_accept(goal=goal, by=partner)
    body = login(partner).get(reverse("goals:detail", args=[goal.pk])).content.decode()
    assert "€2,500" in body and "2,500 %" not in body and "2,500%" not in body
    annex = text_of(annex_pdf(distributor=distributor, year=2027))
    assert "€2,500" in annex and "2,500.00 %" not in annex and "2,500%" not in annex
    assert "Bonus bands (paid in EUR)" in annex


def test_a_bonus_is_paid_in_a_non_euro_distributors_own_currency(today, manager, partner):
    polish = factories.DistributorFactory(code="wisla", currency="PLN")
    goal = factories.goal_with_landmarks(distributor=polish, status="active")
    factories.BonusBandFactory(goal=goal, threshold=D("100"), kind="fixed", amount=D("9000"))
    payout = services.payout_for(goal, D("130000"))
    assert (payout.amount, payout.currency, payout.text) == (D("9000.00"), "PLN", "PLN\u00a09,000")


def test_a_share_of_revenue_above_target_is_converted_to_the_payout_currency_or_flagged(
    today, manager
):
    polish = factories.DistributorFactory(code="wisla", currency="PLN")
    goal = factories.goal_with_landmarks(distributor=polish, status="active")
    band = factories.BonusBandFactory(
        goal=goal, threshold=D("100"), kind="percent_above", amount=D("10")
    )
    missing = services.payout_for(goal, D("130000"), [band])
    assert (missing.amount, missing.missing_rate) == (None, "PLN")
    # One PLN was worth 0.25 EUR in December: 10 % of 10,000 EUR above target is 4,000 PLN.
    factories.ExchangeRateFactory(currency="PLN", month=datetime.date(2026, 12, 1), rate="0.25")
    paid = services.payout_for(goal, D("130000"), [band])
    assert (paid.amount, paid.currency, paid.missing_rate) == (D("4000.00"), "PLN", "")


def test_a_share_of_revenue_above_target_is_refused_on_a_goal_that_is_not_money(
    today, distributor, manager
):
    with pytest.raises(ValidationFailed) as refused:
        services.goal_create(
            by=manager,
            terms=Terms(
                fields={
                    **fields(distributor, None),
                    "metric": "margin_pct",
                    "baseline": D("28.9"),
                    "target": D("30.4"),
                },
                bands=[(100, "percent_above", 3)],
            ),
        )
    assert refused.value.field == "bands"
    assert "not an amount of money" in refused.value.message


# --- finding 4: a value keeps the precision of its target ---------------------------------------


def test_a_percentage_keeps_its_decimals_on_the_page_and_in_a_review(
    today, distributor, manager, partner, login
):
    goal = services.goal_create(
        by=manager,
        terms=Terms(
            fields={
                **fields(distributor, None),
                "metric": "margin_pct",
                "baseline": D("28.9"),
                "target": D("30.4"),
                "start": datetime.date(2026, 1, 1),
                "due": datetime.date(2026, 12, 31),
                "baseline_start": datetime.date(2025, 1, 1),
                "baseline_end": datetime.date(2025, 12, 31),
            }
        ),
    )
    assert list(goal.landmarks.values_list("expected", flat=True)) == [
        D("29.3"),
        D("29.6"),
        D("30.0"),
        D("30.4"),
    ]
    body = login(manager).get(reverse("goals:detail", args=[goal.pk])).content.decode()
    for text in ("30.4%", "29.3%", "29.6%", "30.0%", "28.9%"):
        assert text in body
    review = factories.LandmarkReviewFactory(
        landmark=goal.landmarks.first(), expected=D("29.3"), actual=D("29.26")
    )
    page = login(manager).get(reverse("goals:review", args=[review.pk])).content.decode()
    assert 'id="review-expected">29.3%<' in page and 'id="review-actual">29.3%<' in page
    with translation.override("fr"):
        from goals import formats

        assert formats.value_text(goal, D("30.4")) == "30,4\u00a0%"


# --- finding 7: the API carries the signed terms ------------------------------------------------


def test_the_goal_api_carries_the_landmarks_and_bands_that_were_signed(
    today, token_client, manager, partner, distributor
):
    goal = factories.agreed_goal(manager, partner, distributor=distributor)
    body = token_client(partner).get(reverse("api:goal-detail", args=[goal.pk])).json()
    assert body["landmarks"][-1] == {
        "date": "2026-12-31",
        "expected": "120000.00",
        "display": "€120,000",
    }
    assert body["bands"] == [
        {
            "threshold": "100.00",
            "kind": "fixed",
            "amount": "5000.00",
            "currency": "EUR",
            "display": "€5,000",
        },
        {
            "threshold": "110.00",
            "kind": "percent_above",
            "amount": "10.00",
            "currency": None,
            "display": "10% of the revenue above target",
        },
    ]
    assert body["bonus_currency"] == "EUR" and body["places"] == 0
    assert body["display"]["target"] == "€120,000"


# --- finding 9: bad terms never get in ----------------------------------------------------------


@pytest.mark.parametrize(
    "over, field",
    [
        ({"target": D("-1")}, "target"),
        ({"baseline": D("-5")}, "baseline"),
        ({"metric": "margin_pct", "target": D("130"), "baseline": D("20")}, "target"),
        ({"metric": "growth_pct", "target": D("-150"), "baseline": D("5")}, "target"),
        ({"due": datetime.date(2026, 12, 31)}, "due"),
        ({"baseline_end": datetime.date(2025, 12, 31)}, "baseline_end"),
    ],
)
def test_terms_outside_their_domain_are_refused_naming_the_field(
    today, distributor, filtration, manager, over, field
):
    with pytest.raises(ValidationFailed) as refused:
        services.goal_create(
            by=manager, terms=Terms(fields=fields(distributor, filtration, **over))
        )
    assert refused.value.field == field, refused.value.message
    assert not Goal.objects.exists()


def test_a_revenue_goal_cannot_name_a_territory_it_does_not_measure(
    today, distributor, filtration, manager
):
    territory = factories.TerritoryFactory(code="it-north", country="IT")
    distributor.territories.add(territory)
    with pytest.raises(ValidationFailed) as refused:
        services.goal_create(
            by=manager,
            terms=Terms(fields=fields(distributor, filtration, territory=territory)),
        )
    assert refused.value.field == "territory"


def test_an_amendment_to_a_negative_target_is_refused_when_proposed(
    today, distributor, manager, partner
):
    goal = factories.agreed_goal(manager, partner, distributor=distributor)
    with pytest.raises(ValidationFailed) as refused:
        services.amendment_propose(
            goal=goal,
            by=partner,
            fields={"target": D("-1")},
            landmark_rule="linear",
            reason="Typo.",
        )
    assert refused.value.field == "target"
    assert not Amendment.objects.exists()


def test_an_amendment_due_before_its_start_names_the_due_date_when_proposed(
    today, distributor, manager, partner
):
    goal = factories.agreed_goal(manager, partner, distributor=distributor)
    with pytest.raises(ValidationFailed) as refused:
        services.amendment_propose(
            goal=goal,
            by=partner,
            fields={"due": datetime.date(2025, 12, 1)},
            landmark_rule="linear",
            reason="Shorter.",
        )
    assert refused.value.field == "due"
    assert "due date must come after the start" in refused.value.message
    assert not Amendment.objects.exists()


def test_an_amendment_of_the_target_rescales_the_proposed_landmarks_but_keeps_reviewed_ones(
    today, distributor, filtration, manager, partner
):
    goal = services.goal_create(
        by=manager,
        terms=Terms(
            fields=fields(
                distributor,
                filtration,
                start=datetime.date(2026, 1, 1),
                due=datetime.date(2026, 12, 31),
                baseline_start=datetime.date(2025, 1, 1),
                baseline_end=datetime.date(2025, 12, 31),
            )
        ),
    )
    services.goal_propose(goal=goal, by=manager)
    services.goal_accept(goal=goal, by=partner)
    first = goal.landmarks.first()
    factories.LandmarkReviewFactory(landmark=first, expected=first.expected)
    amendment = services.amendment_propose(
        goal=goal, by=partner, fields={"target": D("60000")}, reason="A plant closed."
    )
    services.amendment_accept(amendment=amendment, by=manager)
    values = list(goal.landmarks.values_list("date", "expected"))
    assert values[0] == (first.date, first.expected)  # reviewed: as it was
    assert values[-1] == (datetime.date(2026, 12, 31), D("60000.00"))
    assert values[1] == (datetime.date(2026, 6, 30), D("29753.00"))  # 181 / 365 of 60,000


def test_the_api_refuses_an_amendment_to_a_negative_target_with_a_400(
    today, token_client, distributor, manager, partner
):
    goal = factories.agreed_goal(manager, partner, distributor=distributor)
    response = token_client(partner).post(
        reverse("api:goal-amend", args=[goal.pk]),
        {"target": "-1", "landmark_rule": "linear", "reason": "Typo."},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["target"]
    assert not Amendment.objects.exists()


def test_a_goal_without_dates_is_a_400_not_a_crash(today, token_client, manager, goal_body):
    for missing in ("start", "due"):
        response = token_client(manager).post(
            reverse("api:goal-list"), goal_body(**{missing: None}), format="json"
        )
        assert response.status_code == 400, response.content
    assert not Goal.objects.exists()
