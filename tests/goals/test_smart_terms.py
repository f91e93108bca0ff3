"""The SMART check holds the author's words to the terms: figures, periods and names that
disagree with them are refused, saying what the words say and what the terms say."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from goals.models import Goal
from goals.smart import Draft, smart_check
from tests import factories
from tests.goals.terms_data import goal_fields

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def valves(distributor):
    line = factories.ProductLineFactory(code="valves", name="Industrial valves")
    distributor.product_lines.add(line)
    return line


def fields(distributor, pumps, **over):
    return goal_fields(distributor, pumps, unit="EUR", **over)


def words(distributor, pumps, bands=(), **over):
    """The words-and-terms findings' messages for a goal (no landmarks: none to read as)."""
    goal = Goal(**fields(distributor, pumps, **over))
    verdict = smart_check(Draft(goal=goal, landmarks=[], bands=list(bands)))
    return [f.message for f in verdict.findings if f.check == "words_and_terms"]


# --- amounts -----------------------------------------------------------------------------------


def test_the_demo_title_of_72_k_against_a_target_of_1_3_m_is_refused(today, distributor, pumps):
    messages = words(
        distributor,
        pumps,
        subtitle="Revenue of 72 k EUR in 2026",
        description="",
        target=D("1300000"),
        baseline=D("1100000"),
    )
    assert messages == [
        "The subtitle names 72 k EUR; the target is €1,300,000 and the baseline €1,100,000."
    ]


def test_without_a_baseline_the_message_names_the_target_only(today, distributor, pumps):
    messages = words(
        distributor, pumps, subtitle="Revenue of 72 k EUR in 2026", description="", baseline=None
    )
    assert messages == ["The subtitle names 72 k EUR; the target is €120,000."]


@pytest.mark.parametrize(
    "amount",
    [
        "1,300,000 EUR",
        "1 300 000 €",
        "1\u202f300\u202f000\u00a0€",
        "1.300.000 EUR",
        "1,3 M€",
        "1.3M",
        "EUR 1,300,000.00",
        "1,300 k EUR",
        "1.3 million euros",
    ],
)
def test_the_target_may_be_written_in_english_or_french(today, distributor, pumps, amount):
    subtitle = f"Pump revenue of {amount} in 2026"
    assert (
        words(distributor, pumps, subtitle=subtitle, target=D("1300000"), baseline=D("1100000"))
        == []
    )


@pytest.mark.parametrize(
    ("written", "target", "agrees"),
    [
        ("72 k EUR", "72300", True),
        ("72 k EUR", "71500", True),
        ("72 k EUR", "72499.99", True),
        ("72 k EUR", "72500", False),
        ("68k", "68400", True),
        ("68k", "67000", False),
        ("2.67 M EUR", "2667000", True),
        ("2.67 M EUR", "2680000", False),
        ("120,000 EUR", "120000.40", True),
        ("120,000 EUR", "121000", False),
    ],
)
def test_an_amount_agrees_within_the_rounding_its_writing_implies(
    today, distributor, pumps, written, target, agrees
):
    target = D(target)
    messages = words(
        distributor,
        pumps,
        subtitle=f"Pump revenue of {written} in 2026",
        target=target,
        baseline=(target / D("1.1")).quantize(D(1)),
    )
    assert (messages == []) is agrees, messages


def test_the_baseline_and_the_increase_may_be_named(today, distributor, pumps):
    description = "Up by 20,000 EUR from 100 k EUR in 2025."
    assert words(distributor, pumps, description=description) == []


def test_a_fixed_bonus_may_be_named_a_landmarks_value_is_no_term(today, distributor, pumps):
    bands = [(D(100), "fixed", D(5000))]
    assert words(distributor, pumps, description="A bonus of 5,000 EUR.", bands=bands) == []
    # Landmarks are proposed by a rule: a text that names one would pass for the wrong reason.
    goal = Goal(**fields(distributor, pumps, description="60,000 EUR by June 2026."))
    landmarks = [(datetime.date(2026, 6, 30), D("60000")), (datetime.date(2026, 12, 31), D(120000))]
    verdict = smart_check(Draft(goal=goal, landmarks=landmarks, bands=[]))
    assert [f.check for f in verdict.refusals] == ["words_and_terms"]


def test_a_bonus_in_the_distributors_currency_may_be_named(today, distributor, pumps):
    distributor.currency = "CHF"
    distributor.save()
    bands = [(D(100), "fixed", D(5000))]
    assert words(distributor, pumps, description="A bonus of CHF 5,000.", bands=bands) == []
    assert words(distributor, pumps, description="A bonus of CHF 6,000.", bands=bands) == [
        "The description names an amount in CHF (CHF 6,000); the goal's amounts are in EUR, and "
        "no bonus pays that amount in CHF."
    ]
    # A bonus in francs reads in francs only.
    assert words(distributor, pumps, description="A bonus of 5,000 EUR.", bands=bands)


def test_another_currency_is_refused_even_when_the_number_matches(today, distributor, pumps):
    messages = words(distributor, pumps, subtitle="Pump revenue of 120,000 USD in 2026")
    assert messages == [
        "The subtitle names an amount in USD (120,000 USD); the goal's amounts are in EUR."
    ]
    assert words(distributor, pumps, description="Worth about £ 100 k.")


def test_the_description_is_named_when_it_is_at_fault(today, distributor, pumps):
    [message] = words(distributor, pumps, description="About 150 k EUR through the dealers.")
    assert message.startswith("The description names 150 k EUR;")


def test_money_on_a_percentage_goal_is_no_term_but_its_percentages_are(today, distributor, pumps):
    margin = {"metric": "margin_pct", "target": D("30.4"), "baseline": D("28.9")}
    subtitle = "Gross margin of 30.4 % in 2026"
    description = "On some 1.2 M EUR of pump revenue."
    assert words(distributor, pumps, subtitle=subtitle, description=description, **margin) == []
    assert words(distributor, pumps, subtitle="Gross margin of 31 % in 2026", **margin) == [
        "The subtitle names 31 %; the terms give a target of 30.4%, a baseline of 28.9%."
    ]


def test_a_percentage_agrees_with_the_growth_the_target_implies(today, distributor, pumps):
    assert words(distributor, pumps, subtitle="Pump revenue up 20 % to 120,000 EUR in 2026") == []
    assert words(distributor, pumps, subtitle="Pump revenue up 25 % to 120,000 EUR in 2026") == [
        "The subtitle names 25 %; the terms give 20% growth over the baseline."
    ]


def test_a_percentage_may_be_a_bonus_bands_threshold_or_rate(today, distributor, pumps):
    description = "5,000 EUR from 100 % of the target; 3 % of the revenue above it from 105 %."
    bands = [(D(100), "fixed", D(5000)), (D(105), "percent_above", D(3))]
    assert words(distributor, pumps, description=description, bands=bands) == []
    messages = words(distributor, pumps, description=description)
    assert len(messages) == 4
    assert messages[0].startswith("The description names 5,000 EUR; the target is €120,000")
    assert (
        messages[1] == "The description names 100 %; the terms give 20% growth over the baseline."
    )


def test_points_agree_with_the_change_from_the_baseline(today, distributor, pumps):
    margin = {"metric": "margin_pct", "target": D("30.4"), "baseline": D("28.9")}
    subtitle = "Gross margin up 1.5 points to 30.4 % in 2026"
    assert words(distributor, pumps, subtitle=subtitle, **margin) == []
    # "2 points" is 1.5 rounded as written; 3 is not.
    assert words(distributor, pumps, subtitle="Gross margin up 2 points in 2026", **margin) == []
    assert words(distributor, pumps, subtitle="Gross margin up 3 points in 2026", **margin) == [
        "The subtitle names 3 points; the target is 1.5 points from the baseline."
    ]


def test_counts_agree_with_a_metric_that_counts_them(today, distributor, pumps):
    units = {"metric": "units", "target": D(1200), "baseline": D(1000)}
    assert words(distributor, pumps, subtitle="1,200 pump units in 2026", **units) == []
    assert words(distributor, pumps, subtitle="1,500 pump units in 2026", **units) == [
        "The subtitle names 1,500 pump units; the target is 1,200 units and the baseline "
        "1,000 units."
    ]
    visits = {"metric": "visits", "target": D(12), "baseline": D(10), "description": ""}
    assert words(distributor, pumps, subtitle="12 distributor visits in 2026", **visits) == []
    assert words(distributor, pumps, subtitle="15 visits in 2026", **visits)
    # Customers are no term of a revenue goal: not judged.
    assert words(distributor, pumps, description="Pumps for 30 new customers.") == []


# --- periods -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subtitle", "message"),
    [
        ("Pump revenue of 120,000 EUR in 2026", None),
        ("Pump revenue of 120,000 EUR in Q3 2026", None),
        ("Pump revenue of 120,000 EUR by 2027", None),
        ("Pump revenue of 120,000 EUR by the end of 2026", None),
        ("Chiffre d'affaires pompes de 120 000 EUR d'ici fin 2026", None),
        ("Pump revenue of 120,000 EUR, 2026-2027", None),
        (
            "Pump revenue of 120,000 EUR in 2027",
            "The subtitle puts the goal in 2027; the goal runs from 1 January 2026 to "
            "31 December 2026.",
        ),
        (
            "Chiffre d'affaires pompes de 120 000 EUR en 2027",
            "The subtitle puts the goal in 2027; the goal runs from 1 January 2026 to "
            "31 December 2026.",
        ),
        (
            "Pump revenue of 120,000 EUR in H1 2027",
            "The subtitle puts the goal in H1 2027; the goal runs from 1 January 2026 to "
            "31 December 2026.",
        ),
        (
            "Pump revenue of 120,000 EUR by 2028",
            "The subtitle sets the deadline at 2028; the goal is due on 31 December 2026.",
        ),
        (
            "Pump revenue of 120,000 EUR, as in 2024",
            "The subtitle puts the goal in 2024; the goal runs from 1 January 2026 to "
            "31 December 2026.",
        ),
        (
            "Pump revenue of 120,000 EUR after the 2023 slump",
            "The subtitle names 2023, outside the goal's dates (1 January 2026 to 31 December "
            "2026) and its baseline period (1 January 2025 to 31 December 2025).",
        ),
    ],
)
def test_a_period_named_must_be_the_goals_or_its_baselines(
    today, distributor, pumps, subtitle, message
):
    assert words(distributor, pumps, subtitle=subtitle) == ([message] if message else [])


def test_the_baseline_year_may_be_named(today, distributor, pumps):
    description = "Up from 100,000 EUR in 2025; 2025 was flat."
    assert words(distributor, pumps, description=description) == []


# --- product lines, territories, customer categories -------------------------------------------


def test_a_product_line_named_must_be_the_goals(today, distributor, pumps, valves):
    subtitle = "Industrial valves revenue of 120,000 EUR in 2026"
    assert words(distributor, pumps, subtitle=subtitle, description="") == [
        "The subtitle names the product line Industrial valves; the goal's product line is Pumps."
    ]
    assert words(distributor, pumps, subtitle=subtitle, product_line=valves, description="") == []


def test_a_product_line_named_on_a_goal_for_all_business_is_refused(
    today, distributor, pumps, valves
):
    subtitle = "Industrial valves revenue of 120,000 EUR in 2026"
    assert words(distributor, pumps, subtitle=subtitle, product_line=None, description="") == [
        "The subtitle names the product line Industrial valves; the goal covers every product line."
    ]


def test_a_territory_named_must_be_the_goals(today, distributor, pumps):
    south = factories.TerritoryFactory(name="Southern Germany", country="DE")
    factories.TerritoryFactory(name="Northern Italy", country="IT")
    distributor.territories.add(south)
    subtitle = "Revenue of 120,000 EUR in Southern Germany in 2026"
    scoped = {"metric": "territory_revenue", "product_line": None, "description": ""}
    assert words(distributor, pumps, subtitle=subtitle, territory=south, **scoped) == []
    italy = "Revenue of 120,000 EUR in Northern Italy in 2026"
    assert words(distributor, pumps, subtitle=italy, territory=south, **scoped) == [
        "The subtitle names the territory Northern Italy; the goal's territory is Southern Germany."
    ]
    assert words(distributor, pumps, subtitle=subtitle, description="") == [
        "The subtitle names the territory Southern Germany; the goal covers no single territory."
    ]


def test_a_customer_category_named_must_be_the_goals(today, distributor, pumps):
    oems = factories.CustomerCategoryFactory(code="oem", name="OEMs")
    subtitle = "Pump revenue of 120,000 EUR from OEMs in 2026"
    assert words(distributor, pumps, subtitle=subtitle, description="") == [
        "The subtitle names the customer category OEMs; the goal covers every customer category."
    ]
    scoped = {"metric": "category_revenue", "customer_category": oems, "description": ""}
    assert (
        words(distributor, pumps, subtitle="OEM pump revenue of 120,000 EUR in 2026", **scoped)
        == []
    )


def test_the_distributors_own_name_is_not_read_for_names(today, distributor, pumps):
    factories.TerritoryFactory(name="Kansai", country="JP")
    distributor.name = "Kansai Kiki K.K."
    distributor.save()
    description = "Pump revenue reported by Kansai Kiki K.K. for 2026."
    assert words(distributor, pumps, description=description) == []
    assert words(distributor, pumps, description="Pumps sold in Kansai.")


# --- the reader's language, and the ways in ----------------------------------------------------


def test_the_findings_speak_french_with_french_amounts(today, distributor, pumps):
    with translation.override("fr"):
        [message] = words(
            distributor,
            pumps,
            subtitle="Revenue of 72 k EUR in 2026",
            description="",
            target=D("1300000"),
            baseline=D("1100000"),
        )
    assert message == (
        "Le sous-titre cite 72 k EUR ; la cible est de 1\u202f300\u202f000\u00a0€ et la "
        "référence de 1\u202f100\u202f000\u00a0€."
    )


def test_the_api_check_and_entry_refuse_words_that_disagree(partner, goal_body_for_terms):
    client = APIClient()
    client.force_authenticate(partner)
    body = goal_body_for_terms(subtitle="Revenue of 72 k EUR in 2026", target="1300000")
    verdict = client.post(reverse("api:goal-check"), body, format="json").json()
    assert verdict["verdict"] == "refused"
    [reason] = [r for r in verdict["reasons"] if r["check"] == "words_and_terms"]
    assert reason["letter"] == "specific" and reason["severity"] == "refusal"
    response = client.post(reverse("api:goal-list"), body, format="json")
    assert response.status_code == 400
    assert not Goal.objects.exists()


@pytest.fixture
def goal_body_for_terms(goal_body):
    def body(**over):
        # A target the ambition checks accept, so that the words are the only fault.
        return goal_body(baseline="1100000", bands=None, **over)

    return body


@pytest.mark.parametrize(
    "description",
    [
        "Grow pump revenue to 120,000 EUR over 2026.",
        "Chiffre d'affaires pompes de 120 000 € en 2026, contre 100 000 € en 2025.",
        "Objectif : 120 k€ sur l'année 2026, soit +20 % par rapport à 2025.",
        "Pumps through the Bavarian dealers: +20 % on 2025, 120 k EUR by 31 December 2026.",
        "From 100 k EUR (Jan 2025 – Dec 2025) to 120 k EUR (Jan 2026 – Dec 2026).",
        "Pumps for the 2026 season; orders due 2026-12-31; ISO 9001 dealers, DN50 sizes.",
        "Pumps, 24/7 service, 12 months of stock, 3 new dealers.",
    ],
)
def test_descriptions_that_agree_with_the_terms_pass(today, distributor, pumps, description):
    assert words(distributor, pumps, description=description) == []
