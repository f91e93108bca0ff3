"""The SMART check's reading of words: wishes refused whatever digits they carry, and the
figures, periods and names read from English and French text."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goals.models import Goal
from goals.smart import Draft, Wording, author_texts
from goals.wording import (
    BY,
    COUNT,
    IN,
    MENTION,
    MONEY,
    PERCENT,
    POINTS,
    SCALED,
    VAGUE_PHRASES,
    fold,
    names_in,
    parse_number,
    read,
    states_a_quantity,
    vague_phrase,
)

D = Decimal

# Wishes, with and without digits, in English and French: all refused.
REFUSED = [
    # the findings of issue 17
    "Be number one in Italy by 2027",
    "Become number 1",
    "Being the market leader",
    "Augmenter nos ventes",
    "Grow the business in 2027",
    # English
    "Become the leader in Bavaria",
    "Becoming market leaders in 2027",
    "Be the #1 pump distributor",
    "Remain the No. 1 in Spain",
    "Market leadership in Southern Germany",
    "Market leader in Bavaria by 2027",
    "Achieve leadership in valves by 2026",
    "Sell more pumps in 2027",
    "Selling more in Q3 2026",
    "More sales in 2026",
    "Greater market share in France",
    "Increase our sales by 2027",
    "Increase pump sales in 2026",
    "Boost revenue in H1 2027",
    "Improve our presence in Bavaria",
    "Expand our footprint in Italy",
    "Do better than 2025",
    "Be the best distributor of the region",
    "Be in the top 3 by 2027",
    "Become the preferred partner of utilities",
    "Outperform the competition in 2026",
    "Win market share from competitors",
    "Maximise revenue in 2027",
    "Grow in Italy, 2027",
    "Sell as much as possible in 2026",
    "BE THE MARKET LEADER",
    # French
    "Être leader en Italie",
    "Devenir le leader du marché d'ici 2027",
    "Etre numero 1 en 2027",
    "Devenir n°1 en France",
    "Être le premier distributeur de la région",
    "Augmenter nos ventes en 2027",
    "Accroître notre chiffre d'affaires en 2026",
    "Développer notre présence en Espagne",
    "Vendre plus en 2027",
    "Vendre davantage de pompes",
    "Faire mieux qu'en 2025",
    "Plus de ventes au T3 2026",
    "Gagner des parts de marché",
    "Devenir la référence du marché",
    "Améliorer notre présence au Québec",
    "ÊTRE LEADER",
    "Dominer le marché des pompes",
    "Booster le CA en 2027",
    "Renforcer notre position en 2026",
    "Croître en Espagne en 2027",
    "Devenir numéro un",
]

# Goals, some with a vague phrase beside a quantity with its unit: none refused for wording.
ACCEPTED = [
    "Pump revenue of 1.2 M EUR in 2027",
    "Chiffre d'affaires pompes de 1,2 M EUR en 2027",
    "Gross margin of 30.4 % in 2026",
    "Marge brute de 30,4 % en 2026",
    "Sell more pumps: 1,200 units in 2027",
    "Vendre plus : 1 200 unités en 2027",
    "Increase pump sales by 12 % in 2027",
    "Augmenter nos ventes de 12 % en 2027",
    "Be the market leader with 1.2 M EUR of pump revenue in 2027",
    "Devenir leader avec 1,2 M€ de chiffre d'affaires en 2027",
    "12 distributor visits in 2026",
    "12 visites de distributeurs en 2026",
    "Revenue of 72 k EUR in Q3 2026",
    "CA de 68k€ au T3 2026",
    "Grow revenue to EUR 1.3 M by the end of 2027",
    "Porter le chiffre d'affaires à 1 300 000 € d'ici fin 2027",
    "MQL to DQL conversion of 45 % in H1 2027",
    "Taux de conversion de 45 % au S1 2027",
    "Eight one-to-one meetings in 2026",
    "Gross margin up 1.5 points to 30.4 % in 2026",
    "Number of trainings: 14 in 2026",
    "Leads answered within the deadline: 90 % in 2026",
    "Part des pompes doseuses de 25 % en 2027",
    "Win 3 new dealers in Bavaria in 2026",
    "Dosing pump revenue of 300,000 EUR in 2027",
]


def wording(subtitle, description=""):
    goal = Goal(subtitle=subtitle, description=description)
    return list(Wording().run(Draft(goal=goal, landmarks=[], bands=[])))


@pytest.mark.parametrize("title", REFUSED)
def test_a_wish_is_refused_whatever_digits_it_carries(title):
    [finding] = wording(title)
    assert (finding.check, finding.letter, finding.severity) == (
        "vague_wording",
        "specific",
        "refusal",
    )
    assert finding.message.startswith("The subtitle says “")


@pytest.mark.parametrize("title", ACCEPTED)
def test_a_goal_with_its_quantity_passes_the_wording_check(title):
    assert wording(title) == []


def test_there_are_forty_refused_and_twenty_accepted_wordings_in_both_languages():
    assert len(REFUSED) >= 40 and len(ACCEPTED) >= 20
    assert sum(1 for text in REFUSED if vague_phrase(text)[0].language == "fr") >= 15


@pytest.mark.parametrize("phrase", VAGUE_PHRASES, ids=lambda p: p.example)
def test_every_vague_phrase_refuses_its_own_example(phrase):
    found = vague_phrase(phrase.example)
    assert found is not None and found[0].language == phrase.language
    assert wording(phrase.example), phrase.example


@pytest.mark.parametrize("title", ["Être leader", "etre LEADER", "ÊTRE  Leader", "Etre leader"])
def test_accents_and_case_are_optional(title):
    assert wording(title)


def test_the_finding_names_the_text_at_fault():
    [finding] = wording("Pump revenue of 1.2 M EUR in 2027", "Be the market leader by 2027.")
    assert finding.message.startswith("The description says “Be the market leader”")


def test_a_quantity_in_the_other_text_does_not_excuse_a_wish():
    assert wording("Be the market leader", "Pump revenue of 1.2 M EUR in 2027.")


def test_the_author_texts_are_the_subtitle_and_the_description():
    goal = Goal(subtitle="Be number one", description="Through the dealers.")
    assert author_texts(goal) == [
        ("subtitle", "Be number one"),
        ("description", "Through the dealers."),
    ]
    assert wording("", "") == []  # a subtitle is optional: the title is written from the terms


def test_descriptive_words_are_not_wishes():
    assert wording("Pump revenue of 120,000 EUR in 2026", "Our customers grow fast.") == []
    assert (
        wording("Pump revenue of 120,000 EUR in 2026", "We compete with the market leader.") == []
    )


# Appending a year or a bare number never turns a wish into a goal.
JOINERS = [" ", " in ", " by ", " en ", " d'ici ", ", ", " – ", " (", ": "]


def _bare_numbers():
    return st.one_of(
        st.integers(min_value=1990, max_value=2099).map(str),
        st.integers(min_value=0, max_value=10**9).map(str),
        st.integers(min_value=1000, max_value=10**9).map(lambda n: f"{n:,}"),
        st.integers(min_value=1000, max_value=10**9).map(lambda n: f"{n:,}".replace(",", " ")),
        st.decimals(min_value=0, max_value=1000, places=1).map(str),
    )


@settings(max_examples=300, deadline=None)
@given(
    wish=st.sampled_from(REFUSED + [p.example for p in VAGUE_PHRASES]),
    joiner=st.sampled_from(JOINERS),
    numbers=st.lists(_bare_numbers(), min_size=1, max_size=3),
)
def test_appending_years_or_bare_numbers_to_a_wish_never_makes_it_pass(wish, joiner, numbers):
    text = wish + joiner + " ".join(numbers)
    assert [f.check for f in wording(text[:200])] == ["vague_wording"], text


# --- reading figures ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "value", "step", "currency"),
    [
        ("72 k EUR", MONEY, "72000", "1000", "EUR"),
        ("1.2 M", SCALED, "1200000", "100000", ""),
        ("1,300,000 EUR", MONEY, "1300000", "1", "EUR"),
        ("1 300 000 €", MONEY, "1300000", "1", "EUR"),
        ("1\u00a0300\u00a0000 €", MONEY, "1300000", "1", "EUR"),
        ("1\u202f300\u202f000\u00a0€", MONEY, "1300000", "1", "EUR"),
        ("1,2 M€", MONEY, "1200000", "100000", "EUR"),
        ("68k", SCALED, "68000", "1000", ""),
        ("1.234,5 EUR", MONEY, "1234.5", "0.1", "EUR"),
        ("1 234,5 EUR", MONEY, "1234.5", "0.1", "EUR"),
        ("1,234.5 EUR", MONEY, "1234.5", "0.1", "EUR"),
        ("2.67 M EUR", MONEY, "2670000", "10000", "EUR"),
        ("EUR 72 k", MONEY, "72000", "1000", "EUR"),
        ("€1.2M", MONEY, "1200000", "100000", "EUR"),
        ("1,2 million d'euros", MONEY, "1200000", "100000", "EUR"),
        ("2 millions de dollars", MONEY, "2000000", "1000000", "USD"),
        ("120 000,00 EUR", MONEY, "120000", "0.01", "EUR"),
        ("1'234 CHF", MONEY, "1234", "1", "CHF"),
        ("$1.2m", MONEY, "1200000", "100000", "USD"),
        ("£ 500", MONEY, "500", "1", "GBP"),
        ("30,4 %", PERCENT, "30.4", "0.1", ""),
        ("12 pour cent", PERCENT, "12", "1", ""),
        ("1.5 points", POINTS, "1.5", "0.1", ""),
        ("1,200 units", COUNT, "1200", "1", ""),
        ("1 200 unités", COUNT, "1200", "1", ""),
    ],
)
def test_figures_are_read_as_written_in_english_and_french(text, kind, value, step, currency):
    [figure] = read(f"Target: {text} in 2027").figures
    assert (figure.kind, figure.value, figure.step, figure.currency) == (
        kind,
        D(value),
        D(step),
        currency,
    )
    assert figure.words == " ".join(text.split())


def test_a_single_separator_before_three_digits_groups_thousands_unless_a_scale_follows():
    assert parse_number("1,200") == (D(1200), D(1))
    assert parse_number("1.200") == (D(1200), D(1))
    assert parse_number("2.675", decimal_hint=True) == (D("2.675"), D("0.001"))
    assert parse_number("1,25") == (D("1.25"), D("0.01"))


@pytest.mark.parametrize(
    "text",
    [
        "Due 2026-12-31",
        "Due 31/12/2026",
        "Due 31.12.2026.",
        "Certified ISO 9001 and EN ISO 14001",
        "Valves DN50 and PN-1234, firmware v1.2.3",
        "Order code AB-2026",
        "Be number one",
        "Top 3",
        "By 2027",
        "Call +49 89 1234567",
    ],
)
def test_dates_codes_ranks_and_bare_numbers_are_not_figures(text):
    assert read(text).figures == []
    assert not states_a_quantity(text)


@pytest.mark.parametrize(
    ("written", "inside", "outside"),
    [
        ("72 k EUR", ["71500", "72000", "72499.99"], ["71499.99", "72500"]),
        ("2.67 M EUR", ["2667000", "2665000", "2674999"], ["2675000", "2664999"]),
        ("1,300,000 EUR", ["1300000", "1300000.49"], ["1300001", "1299999"]),
        ("30.4 %", ["30.35", "30.44"], ["30.45", "30.34"]),
    ],
)
def test_a_figure_matches_what_rounds_to_it_as_written(written, inside, outside):
    [figure] = read(written).figures
    assert all(figure.matches(D(value)) for value in inside)
    assert not any(figure.matches(D(value)) for value in outside)


@given(st.text(alphabet="0123456789 ,.'%€$kKMm-/QTHSEURnoduqenatrby\u00a0\u202f", max_size=60))
@settings(max_examples=300, deadline=None)
def test_reading_any_text_never_fails(text):
    read(text)
    vague_phrase(text)


# --- reading periods ---------------------------------------------------------------------------


def day(text):
    return datetime.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("text", "first", "last", "role"),
    [
        ("Revenue in 2027", "2027-01-01", "2027-12-31", IN),
        ("Chiffre d'affaires en 2027", "2027-01-01", "2027-12-31", IN),
        ("Revenue in Q3 2026", "2026-07-01", "2026-09-30", IN),
        ("CA au T3 2026", "2026-07-01", "2026-09-30", IN),
        ("Margin in H1 2027", "2027-01-01", "2027-06-30", IN),
        ("Marge au S2 2026", "2026-07-01", "2026-12-31", IN),
        ("Revenue for the third quarter of 2026", "2026-07-01", "2026-09-30", IN),
        ("CA du premier semestre 2027", "2027-01-01", "2027-06-30", IN),
        ("Revenue in Jul 2026 – Jun 2027", "2026-07-01", "2027-06-30", IN),
        ("Revenue in FY2027", "2027-01-01", "2027-12-31", IN),
        ("Done by 2027", "2027-01-01", "2027-12-31", BY),
        ("Done by the end of 2026", "2026-01-01", "2026-12-31", BY),
        ("D'ici fin 2027", "2027-01-01", "2027-12-31", BY),
        ("Avant le 31 décembre 2026", "2026-12-31", "2026-12-31", BY),
        ("Up from 2025", "2025-01-01", "2025-12-31", MENTION),
        ("Orders of 2026-03-31", "2026-03-31", "2026-03-31", MENTION),
    ],
)
def test_periods_are_read_with_how_they_are_named(text, first, last, role):
    [period] = read(text).periods
    assert (period.first, period.last, period.role) == (day(first), day(last), role)


# --- reading names -----------------------------------------------------------------------------


def test_names_are_read_on_whole_words_in_any_case_the_longest_first():
    names = [(1, "Pumps"), (2, "Dosing pumps"), (3, "Industrial valves"), (4, "Kansai")]
    assert names_in("Dosing pump revenue and PUMPS", names) == [(2, "Dosing pump"), (1, "PUMPS")]
    assert names_in("Industrial valves revenue", names) == [(3, "Industrial valves")]
    assert names_in("Valvesmith pumpsets", names) == []
    assert names_in("Kansai Kiki K.K. in Kansai", names, unnamed=["Kansai Kiki K.K."]) == [
        (4, "Kansai")
    ]


def test_folding_keeps_one_character_for_one():
    text = "Être n°1 à Québec\u202f: 1\u00a0200 €"
    assert len(fold(text)) == len(text)
    assert fold(text) == "etre n°1 a quebec : 1 200 €"
