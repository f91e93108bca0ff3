"""Incomplete terms get a SMART verdict, never a crash: in the check itself, the API's check and
entry, and the form's live check."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from goals import services
from goals.models import Goal
from goals.smart import Draft, smart_check
from tests.goals.terms_data import goal_fields

pytestmark = pytest.mark.django_db

D = Decimal
NO_DATES = "Give a start and a due date."
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def complete(distributor, pumps):
    return goal_fields(distributor, pumps)


@pytest.mark.parametrize("missing", ["start", "due"])
def test_a_missing_date_is_a_refusal_not_a_crash(today, distributor, pumps, missing):
    fields = {**complete(distributor, pumps), missing: None}
    verdict = smart_check(Draft(goal=Goal(**fields), landmarks=[], bands=[]))
    assert verdict.verdict == "refused"
    assert NO_DATES in [f.message for f in verdict.refusals]


@pytest.mark.parametrize("missing", ["start", "due"])
def test_the_api_check_and_entry_refuse_a_missing_date(partner, goal_body, missing):
    client = APIClient()
    client.force_authenticate(partner)
    response = client.post(reverse("api:goal-check"), goal_body(**{missing: None}), format="json")
    assert response.status_code == 200
    assert NO_DATES in [r["message"] for r in response.json()["reasons"]]
    response = client.post(reverse("api:goal-list"), goal_body(**{missing: None}), format="json")
    assert response.status_code == 400
    assert not Goal.objects.exists()


def test_the_forms_live_check_answers_without_a_start(login, manager, pumps):
    data = {
        "level": "distributor",
        "distributor": "acme",
        "subtitle": "Pump revenue of 120,000 EUR in 2026",
        "metric": "revenue",
        "product_line": pumps.pk,
        "baseline": "100000",
        "baseline_start": "2025-01-01",
        "baseline_end": "2025-12-31",
        "target": "120000",
        "start": "",
        "due": "2026-12-31",
    }
    response = login(manager).post(reverse("goals:check"), data)
    assert response.status_code == 200
    assert NO_DATES in [f["message"] for f in response.context["findings"]]


# --- any combination of present and absent terms -----------------------------------------------

METRICS = ["revenue", "units", "margin_pct", "growth_pct", "line_share", "visits", "nonsense"]
TEXTS = [
    "Pump revenue of 120,000 EUR in 2026",
    "Be number one in Italy by 2027",
    "Revenue of 72 k EUR in Q3 2026",
    "Gross margin of 30.4 % in H1 2027",
    "Chiffre d'affaires de 1,2 M€ d'ici fin 2027",
    "Pumps 1 300 000 € 2026-12-31",
]
DAYS = st.dates(min_value=datetime.date(2024, 1, 1), max_value=datetime.date(2028, 12, 31))
AMOUNTS = st.decimals(min_value=0, max_value=10_000_000, places=2)


def maybe(strategy):
    return st.one_of(st.none(), strategy)


TERMS = st.fixed_dictionaries(
    {
        "metric": maybe(st.sampled_from(METRICS)),
        "target": maybe(AMOUNTS),
        "baseline": maybe(AMOUNTS),
        "baseline_start": maybe(DAYS),
        "baseline_end": maybe(DAYS),
        "start": maybe(DAYS),
        "due": maybe(DAYS),
        "subtitle": maybe(
            st.one_of(
                st.sampled_from(TEXTS), st.from_regex(r"[A-Za-z][\w ,.%€]{0,40}", fullmatch=True)
            )
        ),
        "description": maybe(st.sampled_from(TEXTS)),
    }
)


@FUZZ
@given(terms=TERMS)
def test_any_terms_get_a_verdict_from_the_check(today, distributor, pumps, terms):
    fields = {**complete(distributor, pumps), **terms}
    fields["metric"] = fields["metric"] or ""
    fields["subtitle"] = fields["subtitle"] or ""
    fields["description"] = fields["description"] or ""
    verdict = smart_check(Draft(goal=Goal(**fields), landmarks=[], bands=[]))
    assert verdict.verdict in ("ok", "warnings", "refused")
    if not (terms["start"] and terms["due"]):
        assert NO_DATES in [f.message for f in verdict.refusals]


@FUZZ
@given(terms=TERMS)
def test_any_terms_get_a_verdict_from_the_service(today, partner, distributor, pumps, terms):
    fields = {
        **complete(distributor, pumps),
        **{name: value for name, value in terms.items() if value is not None},
    }
    for name, value in terms.items():
        if value is None:
            fields.pop(name)
    verdict = services.goal_smart_check(by=partner, fields=fields)
    assert verdict.verdict in ("ok", "warnings", "refused")


@FUZZ
@given(terms=TERMS)
def test_any_terms_get_a_verdict_from_the_api(partner, goal_body, terms):
    body = goal_body(
        **{
            name: None if value is None else str(value) if name != "subtitle" else value
            for name, value in terms.items()
        }
    )
    if body.get("metric") == "nonsense":
        body.pop("metric")  # a shape error (400), not the check's
    client = APIClient()
    client.force_authenticate(partner)
    response = client.post(reverse("api:goal-check"), body, format="json")
    assert response.status_code == 200, response.content
    verdict = response.json()
    assert verdict["verdict"] in ("ok", "warnings", "refused")
    if "start" not in body or "due" not in body:
        assert NO_DATES in [r["message"] for r in verdict["reasons"]]
