"""One figure, every surface: each goal figure (target, actual, attainment, expected, gap,
landmarks, bonus bands) reads the same on the goal page, the list, the quarterly review, the API,
the CSV export and the contract annex PDF, in English and in French."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from goals import formats, services
from goals.models import Goal
from goals.services import Terms
from identity.models import UserProfile
from tests import factories

from .html import norm, parse, row_of

pytestmark = pytest.mark.django_db

D = Decimal
YEAR = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
ACK = "Agreed at the business review."


@pytest.fixture
def world(today, distributor, other_distributor, manager, partner):
    """acme's pump revenue goal (fixed and % bonus) and gross margin goal of 30.4 %, rival's
    pump goal, and the team goal measured on the two pump goals aligned under it."""
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2024, 1, 1), rate=1)
    pumps = factories.ProductLineFactory(code="pumps", name="Pumps")
    for who in (distributor, other_distributor):
        who.product_lines.add(pumps)
        for month in range(1, 6):
            factories.RevenueRecordFactory(
                distributor=who,
                month=datetime.date(2026, month, 1),
                product_line=pumps,
                amount=D("9876.54") if who == distributor else D("4321"),
                margin=D("2980.12"),
            )
    common = {
        "baseline_start": datetime.date(2025, 1, 1),
        "baseline_end": datetime.date(2025, 12, 31),
        "start": YEAR[0],
        "due": YEAR[1],
    }
    team = services.goal_create(
        by=manager,
        terms=Terms(
            fields={
                "level": "team",
                "metric": "revenue",
                "product_line": pumps,
                "team_basis": "aligned",
                "baseline": D("150000"),
                "target": D("175000"),
                **common,
            },
            acknowledgement=ACK,
        ),
    )
    services.goal_activate(goal=team, by=manager)
    goals = {"team": team}
    for name, who, fields, bands in (
        (
            "revenue",
            distributor,
            {"metric": "revenue", "baseline": D("100000"), "target": D("120000")},
            [(100, "fixed", 5000), (110, "percent_above", 2.5)],
        ),
        (
            "margin",
            distributor,
            {"metric": "margin_pct", "baseline": D("28.9"), "target": D("30.4")},
            [(100, "fixed", 2500)],
        ),
        (
            "rival",
            other_distributor,
            {"metric": "revenue", "baseline": D("50000"), "target": D("55000")},
            [],
        ),
    ):
        goal = services.goal_create(
            by=manager,
            terms=Terms(
                fields={
                    "level": "distributor",
                    "distributor": who,
                    "product_line": pumps if name != "margin" else None,
                    "parent": team if name != "margin" else None,
                    **fields,
                    **common,
                },
                bands=bands,
                acknowledgement=ACK,
            ),
        )
        services.goal_propose(goal=goal, by=manager)
        answerer = partner
        if who != distributor:
            answerer = factories.UserFactory(username="rival-admin")
            factories.MembershipFactory(user=answerer, distributor=who)
        services.goal_accept(goal=goal, by=answerer)
        goals[name] = Goal.objects.get(pk=goal.pk)
    return goals


def reader(login, user, language):
    UserProfile.objects.update_or_create(user=user, defaults={"language": language})
    client = login(user)
    client.cookies["django_language"] = language
    return client


def cells(table):
    """The rows of a table with two cells or more ("No bonus band." is not a row of figures)."""
    rows = [[cell.text() for cell in row.find_all(tag="td")] for row in table.find_all(tag="tr")]
    return [row for row in rows if len(row) >= 2]


def page_figures(client, goal):
    page = parse(client.get(reverse("goals:detail", args=[goal.pk])).content)
    terms = page.find(id="terms")
    rows = dict(
        zip(
            [dt.text() for dt in terms.find_all(tag="dt")],
            [dd.text() for dd in terms.find_all(tag="dd")],
            strict=True,
        )
    )
    return {
        "actual": page.find(id="actual").text(),
        "attainment": page.find(id="attainment").text(),
        "expected": page.find(id="expected").text(),
        "gap": page.find(id="gap").text(),
        "terms": rows,
        "landmarks": cells(page.find(id="landmarks")),
        "bands": cells(page.find(id="bonus").find(tag="tbody")),
        "title": page.find(tag="h1").text(),
    }


def list_figures(client, goal):
    page = parse(client.get(reverse("goals:list")).content)
    row = row_of(page, reverse("goals:detail", args=[goal.pk]))
    return {
        name: row.find(cls=name).text()
        for name in ("target", "actual", "attainment", "expected", "gap")
    }


def api_item(client_for, user, goal, language):
    return (
        client_for(user)
        .get(reverse("api:goal-detail", args=[goal.pk]), HTTP_ACCEPT_LANGUAGE=language)
        .json()
    )


# The export's columns, whatever the language of their headers.
TARGET, ACTUAL, ATTAINMENT, EXPECTED, GAP = 7, 11, 12, 13, 14


def csv_rows(client):
    response = client.get(reverse("goals:export"))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    return {row[0]: row for row in rows[1:]}


def number(text):
    return D(text) if text else None


def pdf_text(client, code):
    pdf = client.get(reverse("goals:annex", args=[code, 2026])).content
    return norm(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_goal_figure_reads_the_same_on_every_surface(
    world, login, token_client, manager, distributor, language
):
    distributor.language = language
    distributor.save()
    client = reader(login, manager, language)
    exported = csv_rows(client)
    annex = pdf_text(client, "acme")
    for name, goal in world.items():
        page = page_figures(client, goal)
        listed = list_figures(client, goal)
        item = api_item(token_client, manager, goal, language)
        display = {key: norm(value) for key, value in item["display"].items()}

        # The page, the list and the API write each figure alike.
        assert page["actual"] == listed["actual"] == display["actual"], name
        assert page["attainment"] == listed["attainment"] == display["attainment"], name
        assert page["expected"] == listed["expected"] == display["expected"], name
        assert page["gap"] == listed["gap"] == norm(item["gap"]) == display["gap"], name
        target_label = "Target" if language == "en" else "Cible"
        assert listed["target"] == display["target"] == page["terms"][target_label], name
        assert page["title"].startswith(norm(item["title"])), name

        # The landmarks and the bands: page and API from one formatter.
        assert [row[1] for row in page["landmarks"]] == [
            norm(lm["display"]) for lm in item["landmarks"]
        ], name
        assert [row[1] for row in page["bands"]] == [norm(b["display"]) for b in item["bands"]]

        # The export: the same numbers, at the target's precision.
        row = exported[str(goal.pk)]
        step = D(1).scaleb(-item["places"])
        assert number(row[TARGET]) == D(item["target"]), name
        for column, field in ((ACTUAL, "actual"), (EXPECTED, "expected")):
            value = D(item[field]).quantize(step) if item[field] else None
            assert number(row[column]) == value, (name, field)
        attainment = D(item["attainment"]).quantize(D("0.1")) if item["attainment"] else None
        assert number(row[ATTAINMENT]) == attainment, name
        assert norm(row[GAP]) == display["gap"], name

        # The annex prints the signed terms of acme's goals as the page does.
        if goal.distributor_id == distributor.pk:
            assert norm(item["title"]) in annex, name
            assert display["target"] in annex, name
            for lm in item["landmarks"]:
                assert norm(lm["display"]) in annex, (name, lm)
            for band in item["bands"]:
                assert norm(band["display"]) in annex, (name, band)


def test_the_figures_are_written_with_their_targets_precision_and_unit(
    world, login, token_client, manager
):
    client = reader(login, manager, "en")
    margin = page_figures(client, world["margin"])
    assert margin["landmarks"][-1] == ["31 December 2026", "30.4%"]
    assert margin["bands"] == [["100%", "€2,500"]]
    assert margin["actual"] == "30.2%"  # 2,980.12 / 9,876.54
    revenue = page_figures(client, world["revenue"])
    assert revenue["actual"] == "€49,383"  # 5 × 9,876.54, whole euros as the target
    assert revenue["bands"] == [["100%", "€5,000"], ["110%", "2.5% of the revenue above target"]]
    # The team goal adds up its two aligned goals: 5 × (9,876.54 + 4,321).
    team = page_figures(client, world["team"])
    assert team["actual"] == "€70,988"
    assert formats.attainment_text(D("70987.70") * 100 / D("175000")) in team["attainment"]
