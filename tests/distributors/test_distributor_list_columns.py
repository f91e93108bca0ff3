"""The manager's distributor list, its export and the API: one FilterSet (multi-valued country
and region, the contract's state), the columns the apps above register (score, rank, goal
attainment, overdue leads), the contract flag, names in the reader's order."""

import csv
import datetime
import io
import sqlite3
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from distributors.filters import DistributorFilter
from drm import collation
from drm import columns as list_columns
from leads.models import Lead
from scoring import services as scoring_services
from scoring.models import Scorecard, ScoringRun
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def page_codes(client, params):
    response = client.get(reverse("distributors:list"), params)
    assert response.status_code == 200
    assert "filter-errors" not in response.content.decode(), response.context["form"].errors
    return [d.code for d in response.context["page"].object_list]


def export_rows(client, params, export_format="csv"):
    response = client.get(reverse("distributors:export"), {**params, "format": export_format})
    assert response.status_code == 200, response.content
    if export_format == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    else:
        rows = list(csv.reader(io.StringIO(response.content.decode())))
    return rows[0], rows[1:]


def api_codes(client, params):
    response = client.get(reverse("api:distributor-list"), params)
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


@pytest.fixture
def channel(manager):
    """Five distributors in three countries, with contracts in every state."""
    make = factories.DistributorFactory
    return {
        "paris": make(
            code="paris",
            name="Paris Pompes",
            country="FR",
            region="Ile-de-France",
            contract_start=TODAY - 400 * DAY,
            contract_end=TODAY - 5 * DAY,  # ended
            account_manager=manager,
        ),
        "lyon": make(
            code="lyon",
            name="lyon",
            country="FR",
            region="Rhone",
            contract_start=TODAY - 300 * DAY,
            contract_end=TODAY + 20 * DAY,  # renewal due
        ),
        "milan": make(
            code="milan",
            name="Lombardia",
            country="IT",
            region="Lombardia",
            contract_start=TODAY - 10 * DAY,
            contract_end=TODAY + 700 * DAY,  # running
        ),
        "geneva": make(
            code="geneva",
            name="Léman",
            country="CH",
            region="Leman",
            contract_start=None,
            contract_end=None,
        ),  # none
        "ystad": make(
            code="ystad",
            name="Ångström",
            country="SE",
            region="Skane",
            contract_start=TODAY + 10 * DAY,  # not started
            contract_end=None,
        ),
    }


# --- one filter: page, export and API agree -------------------------------------------------


@override_settings(CONTRACT_RENEWAL_DAYS=30)
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"country": ["FR", "IT"]}, ["lyon", "milan", "paris"]),
        ({"country": ["fr"]}, ["lyon", "paris"]),
        ({"region": ["rhone", "Lombardia"]}, ["lyon", "milan"]),
        ({"country": ["FR"], "region": ["Rhone"]}, ["lyon"]),
        ({"contract": "ended"}, ["paris"]),
        ({"contract": "renewal_due"}, ["lyon"]),
        ({"contract": "running"}, ["milan"]),
        ({"contract": "not_started"}, ["ystad"]),
        ({"contract": "none"}, ["geneva"]),
        ({"contract": "ended", "country": ["FR", "IT"]}, ["paris"]),
        ({"q": "pomp"}, ["paris"]),
    ],
)
def test_the_page_its_exports_and_the_api_list_the_same_rows_for_one_filter(
    login, token_client, manager, channel, params, expected
):
    api = token_client(manager)
    page = login(manager)
    page_params = {**params, "scope": "all", "sort": "code"}

    assert page_codes(page, page_params) == expected
    assert [row[0] for row in export_rows(page, page_params)[1]] == expected
    assert [row[0] for row in export_rows(page, page_params, "xlsx")[1]] == expected
    assert api_codes(api, {**params, "ordering": "code"}) == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("country", "XX"),  # no such country
        ("country", "US"),  # a country, but no distributor is there
        ("region", "Atlantis"),
        ("contract", "expired"),
        ("sort", "shoe_size"),
        ("ordering", "-shoe_size"),
        ("scope", "theirs"),
    ],
)
def test_an_invalid_value_is_an_error_naming_it_on_the_page_the_export_and_the_api(
    login, token_client, manager, channel, field, value
):
    client = login(manager)
    page = client.get(reverse("distributors:list"), {field: value})
    export = client.get(reverse("distributors:export"), {field: value, "format": "csv"})
    api = token_client(manager).get(reverse("api:distributor-list"), {field: value})

    assert field in page.context["form"].errors
    assert list(page.context["page"].object_list) == []
    assert export.status_code == 400
    assert f"{field}: " in export.content.decode()
    assert "paris" not in export.content.decode()
    assert api.status_code == 400
    assert list(api.json()["error"]["fields"]) == [field]


def test_one_wrong_country_among_right_ones_is_still_an_error(login, manager, channel):
    response = login(manager).get(reverse("distributors:list"), {"country": ["FR", "XX"]})

    assert "country" in response.context["form"].errors
    assert list(response.context["page"].object_list) == []


def test_the_page_offers_the_countries_and_regions_present_as_multiple_choices(
    login, manager, channel
):
    response = login(manager).get(reverse("distributors:list"), {"country": ["FR", "IT"]})
    html = response.content.decode()

    assert '<select name="country"' in html and "multiple" in html
    country = response.context["form"].fields["country"]
    assert [key for key, _ in country.choices] == ["CH", "FR", "IT", "SE"]
    region = response.context["form"].fields["region"]
    assert [key for key, _ in region.choices] == [
        "Ile-de-France",
        "Leman",
        "Lombardia",
        "Rhone",
        "Skane",
    ]
    assert 'value="FR" selected' in html and 'value="IT" selected' in html


def test_the_page_reads_empty_fields_as_any_value(login, manager, channel):
    params = {"q": "", "tier": "", "status": "", "contract": "", "manager": "", "scope": "all"}

    assert len(page_codes(login(manager), params)) == 5


def test_a_partner_cannot_open_the_list_or_its_export(login, channel):
    partner = factories.UserFactory()
    factories.MembershipFactory(user=partner, distributor=channel["paris"], role="admin")
    client = login(partner)

    assert client.get(reverse("distributors:list")).status_code == 403
    assert client.get(reverse("distributors:export"), {"format": "csv"}).status_code == 403


def test_a_partner_in_the_api_may_filter_only_by_what_it_can_see(token_client, channel):
    partner = factories.UserFactory()
    factories.MembershipFactory(user=partner, distributor=channel["paris"], role="admin")
    api = token_client(partner)

    assert api_codes(api, {"country": "FR"}) == ["paris"]
    # Another distributor's country or region answers like one nobody has.
    assert api.get(reverse("api:distributor-list"), {"country": "IT"}).status_code == 400
    assert api.get(reverse("api:distributor-list"), {"region": "Rhone"}).status_code == 400


# --- the contract column ----------------------------------------------------------------------


@override_settings(CONTRACT_RENEWAL_DAYS=30)
def test_the_list_flags_an_ended_contract_in_red_and_a_due_renewal_with_the_days_left(
    login, manager, channel
):
    response = login(manager).get(reverse("distributors:list"), {"scope": "all", "sort": "code"})
    html = response.content.decode()
    cells = {d.code: d.contract_cell for d in response.context["page"].object_list}

    assert cells["paris"].state == "ended" and cells["paris"].text == "ended 5 days ago"
    assert cells["lyon"].state == "renewal_due" and cells["lyon"].text == "20 days left"
    assert cells["milan"].state == "running" and cells["milan"].days_left == 700
    assert cells["geneva"].state == "none"
    assert cells["ystad"].state == "not_started"
    assert 'contract-ended"><span class="badge text-bg-danger">Ended' in html
    assert '<small class="text-danger">ended 5 days ago</small>' in html
    assert 'contract-renewal_due"><span class="badge text-bg-warning">Renewal due' in html


@override_settings(CONTRACT_RENEWAL_DAYS=30)
def test_the_export_writes_the_contract_as_the_list_does(login, manager, channel):
    headers, rows = export_rows(login(manager), {"scope": "all", "sort": "code"})
    contract = {
        row[0]: (row[headers.index("contract")], row[headers.index("contract_days_left")])
        for row in rows
    }

    assert contract["paris"] == ("Ended", "-5")
    assert contract["lyon"] == ("Renewal due", "20")
    assert contract["geneva"] == ("No contract dates", "")


def test_the_contract_sorts_by_the_days_left_soonest_first(login, manager, channel):
    codes = page_codes(login(manager), {"scope": "all", "sort": "contract"})

    assert codes[:3] == ["paris", "lyon", "milan"]  # the undated last


# --- the registered columns --------------------------------------------------------------------


def publish_run(cards, *, as_of=TODAY):
    run = ScoringRun.objects.create(
        as_of=as_of,
        model=scoring_services.scoring_model_current(),
        status=ScoringRun.Status.PUBLISHED,
        active=None,
        published_at=timezone.now(),
    )
    for distributor, score, rank in cards:
        Scorecard.objects.create(
            run=run, distributor=distributor, tier=distributor.tier, score=score, rank=rank
        )
    return run


def overdue_lead(distributor, *, hours=5):
    return factories.LeadFactory(
        status=Lead.Status.ASSIGNED,
        distributor=distributor,
        accept_deadline=timezone.now() - datetime.timedelta(hours=hours),
    )


def year_goal(distributor, *, target, actual=None, final_actual=None, status="active"):
    return factories.GoalFactory(
        distributor=distributor,
        target=Decimal(target),
        actual=None if actual is None else Decimal(actual),
        final_actual=None if final_actual is None else Decimal(final_actual),
        status=status,
        start=datetime.date(TODAY.year, 1, 1),
        due=datetime.date(TODAY.year, 12, 31),
    )


@pytest.fixture
def figures(channel):
    """Scores and ranks in the current run (an older run says otherwise), overdue leads, goals."""
    publish_run(
        [(channel["paris"], Decimal(10), 3), (channel["lyon"], Decimal(90), 1)],
        as_of=TODAY - 30 * DAY,
    )
    publish_run(
        [
            (channel["paris"], Decimal("80.25"), 1),
            (channel["lyon"], Decimal("40.00"), 3),
            (channel["milan"], Decimal("60.50"), 2),
        ]
    )
    for _ in range(3):
        overdue_lead(channel["lyon"])
    overdue_lead(channel["milan"])
    # Not overdue: the deadline is ahead, or it was answered.
    factories.LeadFactory(
        status=Lead.Status.ASSIGNED,
        distributor=channel["paris"],
        accept_deadline=timezone.now() + datetime.timedelta(hours=5),
    )
    factories.LeadFactory(status=Lead.Status.ACCEPTED, distributor=channel["paris"])
    # paris: (50 % + 150 %) / 2 = 100 %; milan: 75 %; lyon: none measured yet.
    year_goal(channel["paris"], target=100, actual=50)
    year_goal(channel["paris"], target=200, final_actual=300, status="achieved")
    year_goal(channel["milan"], target=400, actual=300)
    year_goal(channel["lyon"], target=100)  # never measured: left out
    # Left out: last year's, a draft, a zero target.
    factories.GoalFactory(
        distributor=channel["lyon"],
        target=Decimal(100),
        actual=Decimal(900),
        status="active",
        start=datetime.date(TODAY.year - 1, 1, 1),
        due=datetime.date(TODAY.year - 1, 12, 31),
    )
    year_goal(channel["lyon"], target=100, actual=500, status="draft")
    return channel


def test_the_apps_above_register_score_rank_goal_attainment_and_overdue_leads():
    assert [column.key for column in list_columns.registered()] == [
        "score",
        "rank",
        "goal_attainment",
        "overdue_leads",
    ]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-score", ["paris", "milan", "lyon", "geneva", "ystad"]),
        ("score", ["lyon", "milan", "paris", "geneva", "ystad"]),
        ("rank", ["paris", "milan", "lyon", "geneva", "ystad"]),
        ("-goal_attainment", ["paris", "milan", "geneva", "lyon", "ystad"]),
        ("-overdue_leads", ["lyon", "milan", "geneva", "paris", "ystad"]),
        ("name", ["ystad", "geneva", "milan", "lyon", "paris"]),
    ],
)
def test_the_columns_sort_the_page_and_the_api_alike(
    login, token_client, manager, figures, sort, expected
):
    assert page_codes(login(manager), {"scope": "all", "sort": sort}) == expected
    assert api_codes(token_client(manager), {"ordering": sort}) == expected


def test_the_page_and_the_export_write_the_columns_the_same_way(login, manager, figures):
    client = login(manager)
    response = client.get(reverse("distributors:list"), {"scope": "all", "sort": "code"})
    shown = {d.code: d.column_cells for d in response.context["page"].object_list}
    headers, rows = export_rows(client, {"scope": "all", "sort": "code"})
    at = [headers.index(key) for key in ("score", "rank", "goal_attainment", "overdue_leads")]
    exported = {row[0]: [row[i] for i in at] for row in rows}

    assert shown["paris"] == ["80.3", "1", "100.0%", "0"]
    assert shown["lyon"] == ["40.0", "3", "—", "3"]
    assert shown["geneva"] == ["—", "—", "—", "0"]
    assert exported["paris"] == shown["paris"]
    assert exported["lyon"] == ["40.0", "3", "", "3"]  # no figure: an empty cell
    html = response.content.decode()
    assert 'id="column-goal_attainment"' in html and "Goal attainment" in html


def test_the_columns_are_written_the_french_way_for_a_french_reader(login, manager, figures):
    client = login(manager)
    client.cookies["django_language"] = "fr"
    response = client.get(reverse("distributors:list"), {"scope": "all", "sort": "code"})
    shown = {d.code: d.column_cells for d in response.context["page"].object_list}
    headers, rows = export_rows(client, {"scope": "all", "sort": "code"})

    assert shown["paris"][:3] == ["80,3", "1", "100,0\u00a0%"]
    assert "Atteinte des objectifs" in response.content.decode()
    assert "atteinte_objectifs" in headers
    assert "En retard" in response.content.decode() or "en retard" in response.content.decode()


def test_without_a_published_run_score_and_rank_are_blank_and_sort_last(login, manager, channel):
    overdue_lead(channel["geneva"])
    response = login(manager).get(
        reverse("distributors:list"), {"scope": "all", "sort": "-overdue_leads"}
    )
    rows = response.context["page"].object_list

    assert rows[0].code == "geneva"
    assert rows[0].column_cells[:2] == ["—", "—"]


def test_the_list_query_count_does_not_grow_with_rows_and_figures(login, manager):
    client = login(manager)
    tier = factories.TierFactory()

    def add(count):
        made = factories.DistributorFactory.create_batch(count, tier=tier, account_manager=manager)
        for distributor in made:
            overdue_lead(distributor)
            year_goal(distributor, target=100, actual=80)
        return made

    def count_queries(params):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("distributors:list"), params)
        assert response.status_code == 200
        return len(queries)

    few = add(2)
    publish_run([(d, Decimal(50), n) for n, d in enumerate(few, 1)])
    counts = [count_queries({"sort": "-score"}), count_queries({"sort": "overdue_leads"})]
    more = add(20)
    publish_run([(d, Decimal(50), n) for n, d in enumerate(few + more, 1)])

    assert [count_queries({"sort": "-score"}), count_queries({"sort": "overdue_leads"})] == counts


# --- names in the reader's order ---------------------------------------------------------------

NAMES = ["Zeta", "lyon", "Lombardia", "Léman", "Ångström"]


@pytest.fixture
def named():
    for n, name in enumerate(NAMES):
        factories.DistributorFactory(code=f"d{n}", name=name)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_names_sort_by_the_readers_language_accents_and_case_aside(
    login, token_client, manager, named, language
):
    expected = ["Ångström", "Léman", "Lombardia", "lyon", "Zeta"]
    client = login(manager)
    client.cookies["django_language"] = language
    response = client.get(reverse("distributors:list"), {"scope": "all"})

    assert [d.name for d in response.context["page"].object_list] == expected
    descending = client.get(reverse("distributors:list"), {"scope": "all", "sort": "-name"})
    assert [d.name for d in descending.context["page"].object_list] == expected[::-1]
    api = token_client(manager).get(
        reverse("api:distributor-list"), {"ordering": "name"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert [row["name"] for row in api.json()["results"]] == expected


def test_postgres_has_the_icu_collations_the_list_sorts_with():
    if connection.vendor != "postgresql":
        pytest.skip("Postgres only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT collname FROM pg_collation WHERE collname IN (%s, %s, %s)",
            ["und-x-icu", "fr-x-icu", "en-x-icu"],
        )
        assert {row[0] for row in cursor.fetchall()} == {"und-x-icu", "fr-x-icu", "en-x-icu"}


def test_the_collation_follows_the_active_language():
    with translation.override("fr"):
        assert collation.collation_name() == "fr-x-icu"
    with translation.override("de"):
        assert collation.collation_name() == "und-x-icu"


def test_the_sqlite_fallback_compares_without_accents_or_case_first():
    assert sorted(NAMES, key=collation.sort_key) == [
        "Ångström",
        "Léman",
        "Lombardia",
        "lyon",
        "Zeta",
    ]


def test_the_filterset_declares_the_pages_and_the_apis_parameters():
    names = set(DistributorFilter.base_filters)

    assert {"q", "sort", "scope", "manager", "contract", "country", "region"} <= names
    assert {"ordering", "account_manager", "tier", "territory", "product_line"} <= names
    assert {"status", "updated_after"} <= names


def test_a_sqlite_connection_learns_the_collations_so_the_same_query_runs_on_the_demo():
    raw = sqlite3.connect(":memory:")
    collation.register_sqlite_collations(None, SimpleNamespace(vendor="sqlite", connection=raw))
    raw.execute("CREATE TABLE names (name TEXT)")
    raw.executemany("INSERT INTO names VALUES (?)", [(name,) for name in NAMES])
    queries = {
        "fr-x-icu": 'SELECT name FROM names ORDER BY name COLLATE "fr-x-icu"',
        "en-x-icu": 'SELECT name FROM names ORDER BY name COLLATE "en-x-icu"',
        "und-x-icu": 'SELECT name FROM names ORDER BY name COLLATE "und-x-icu"',
    }

    for query in queries.values():
        rows = raw.execute(query)
        assert [row[0] for row in rows] == ["Ångström", "Léman", "Lombardia", "lyon", "Zeta"]


def test_the_page_leaves_out_the_apis_parameter_notes(login, manager, channel):
    html = login(manager).get(reverse("distributors:list")).content.decode()

    assert "repeat for several" not in html
    assert "form-text" not in html
