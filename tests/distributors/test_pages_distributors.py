"""Distributor pages: list, export, detail, create/edit and the partner's own page."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from distributors import exports, selectors
from distributors.models import Distributor
from drm import periods
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(distributor, other_distributor, today):
    pumps = factories.ProductLineFactory(code="pumps", name="Pumps")
    valves = factories.ProductLineFactory(code="valves", name="Valves")
    # The last complete month: the newest month every "last 12 months" figure counts.
    month = periods.complete_months(12).last
    for line, amount in ((pumps, "1000"), (valves, "500")):
        factories.RevenueRecordFactory(
            distributor=distributor, month=month, product_line=line, amount=Decimal(amount)
        )
    factories.RevenueRecordFactory(
        distributor=other_distributor, month=month, product_line=pumps, amount=Decimal("9")
    )
    factories.InvestmentFactory(distributor=distributor, date=month, value=Decimal("750"))
    return pumps, valves


def test_manager_sees_every_distributor_in_the_list(login, manager, distributor, other_distributor):
    response = login(manager).get(reverse("distributors:list"))
    assert response.status_code == 200
    assert [d.code for d in response.context["page"].object_list] == ["acme", "rival"]


def test_list_filters_by_status_tier_country_and_search(
    login, manager, distributor, other_distributor
):
    other_distributor.status = Distributor.Status.PROBATION
    other_distributor.country = "FR"
    other_distributor.save()
    client = login(manager)

    def codes(**params):
        response = client.get(reverse("distributors:list"), params)
        return [d.code for d in response.context["page"].object_list]

    assert codes(status="probation") == ["rival"]
    assert codes(country="fr") == ["rival"]
    assert codes(q="acme") == ["acme"]
    assert codes(tier=distributor.tier.code) == ["acme"]


def test_list_sorts_by_revenue_in_the_reporting_currency(
    login, manager, distributor, other_distributor, catalogue
):
    response = login(manager).get(reverse("distributors:list"), {"sort": "-revenue"})
    rows = list(response.context["page"].object_list)
    assert [d.code for d in rows] == ["acme", "rival"]
    assert rows[0].revenue_12m == Decimal("1500.00")


def test_list_converts_foreign_currency_revenue_with_the_months_rate(
    login, manager, other_distributor, catalogue, today
):
    month = periods.complete_months(12).last
    factories.ExchangeRateFactory(currency="USD", month=month, rate=Decimal("0.5"))
    factories.RevenueRecordFactory(
        distributor=other_distributor,
        month=month,
        product_line=catalogue[1],
        currency="USD",
        amount=Decimal("9"),
    )
    response = login(manager).get(reverse("distributors:list"), {"q": "rival"})
    # 9.00 EUR of pumps, plus 9 USD of valves at 0.5.
    assert response.context["page"].object_list[0].revenue_12m == Decimal("13.50")


def test_list_paginates(login, manager):
    factories.DistributorFactory.create_batch(30)
    response = login(manager).get(reverse("distributors:list"), {"page": 2})
    assert response.context["page"].number == 2
    assert len(response.context["page"].object_list) == 5


def test_list_query_count_does_not_grow_with_rows(login, manager):
    client = login(manager)
    factories.DistributorFactory.create_batch(3)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("distributors:list"))
    factories.DistributorFactory.create_batch(20)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("distributors:list"))
    assert len(many) == len(few)


@pytest.mark.parametrize("persona", ["partner", "colleague", "outsider", "nobody"])
def test_only_manufacturer_staff_may_open_the_list(login, request, persona):
    response = login(request.getfixturevalue(persona)).get(reverse("distributors:list"))
    assert response.status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("distributors:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_csv_export_follows_the_filters_and_neutralises_formulas(
    login, manager, distributor, other_distributor
):
    distributor.name = '=HYPERLINK("http://evil")'
    distributor.save()
    response = login(manager).get(reverse("distributors:export"), {"format": "csv", "q": "acme"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "code"
    assert len(rows) == 2
    assert rows[1][1] == '\'=HYPERLINK("http://evil")'


def test_xlsx_export_stores_formula_like_text_as_text(login, manager, distributor):
    distributor.name = "+cmd|' /C calc'!A0"
    distributor.save()
    response = login(manager).get(reverse("distributors:export"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "code"
    assert sheet["B2"].value == "'+cmd|' /C calc'!A0"
    assert sheet["B2"].data_type == "s"


@pytest.mark.parametrize(
    ("accept", "number_format"),
    [("en-GB", "dd/mm/yyyy"), ("en-US", "mm/dd/yyyy"), ("fr", "dd/mm/yyyy")],
)
def test_exports_give_iso_dates_in_csv_and_real_dates_in_xlsx(
    login, manager, distributor, accept, number_format
):
    """CSV files are for scripts and re-import: ISO 8601. XLSX cells are dates a spreadsheet
    sorts and computes with, shown in the reader's short date."""
    client = login(manager)
    url = reverse("distributors:export")
    with translation.override(accept.lower()):
        start_header, end_header = gettext("contract_start"), gettext("contract_end")
    text = client.get(url, {"format": "csv"}, HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert (rows[0][start_header], rows[0][end_header]) == ("2024-01-01", "2027-12-31")

    response = client.get(url, {"format": "xlsx"}, HTTP_ACCEPT_LANGUAGE=accept)
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in sheet[1]]
    start = sheet.cell(row=2, column=headers.index(start_header) + 1)
    assert start.is_date and start.value.date() == distributor.contract_start
    assert start.number_format == number_format


@pytest.fixture
def named_managers(distributor, other_distributor):
    """acme's manager has a full name (and a username that sorts last), rival's only a username."""
    anna = factories.ManagerFactory(username="zz-anna", first_name="Anna", last_name="Berg")
    bob = factories.ManagerFactory(username="bob")
    distributor.account_manager = anna
    distributor.save()
    other_distributor.account_manager = bob
    other_distributor.save()
    return anna, bob


def test_list_shows_account_managers_by_full_name_else_username(login, manager, named_managers):
    response = login(manager).get(reverse("distributors:list"))
    html = response.content.decode()
    assert "<td>Anna Berg</td>" in html
    assert "<td>bob</td>" in html
    assert "zz-anna</td>" not in html
    assert '<option value="zz-anna">Anna Berg</option>' in html


def test_list_filters_and_sorts_by_the_managers_shown_name(login, manager, named_managers):
    client = login(manager)

    def codes(**params):
        response = client.get(reverse("distributors:list"), params)
        return [d.code for d in response.context["page"].object_list]

    assert codes(manager="zz-anna") == ["acme"]
    assert codes(manager="bob") == ["rival"]
    assert codes(sort="manager") == ["acme", "rival"]
    assert codes(sort="-manager") == ["rival", "acme"]


def test_exports_name_account_managers_by_full_name_else_username(login, manager, named_managers):
    client = login(manager)
    response = client.get(reverse("distributors:export"), {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {row["code"]: row["account_manager"] for row in rows} == {
        "acme": "Anna Berg",
        "rival": "bob",
    }
    response = client.get(reverse("distributors:export"), {"format": "xlsx", "manager": "zz-anna"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in sheet[1]]
    values = [dict(zip(headers, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    assert [(v["code"], v["account_manager"]) for v in values] == [("acme", "Anna Berg")]


def test_partner_cannot_export(login, partner):
    assert login(partner).get(reverse("distributors:export")).status_code == 403


def test_detail_shows_profile_chart_and_return_on_investment(
    login, manager, distributor, catalogue
):
    response = login(manager).get(distributor.get_absolute_url())
    assert response.status_code == 200
    revenue = {section.key: section.context for section in response.context["sections"]}["revenue"]
    chart = revenue["chart"]
    assert [d["label"] for d in chart["datasets"]] == ["Pumps", "Valves"]
    assert chart["datasets"][0]["data"][-1] == 1000.0
    assert len(chart["labels"]) == 24
    roi = revenue["return_on_investment"]
    assert roi["revenue"] == Decimal("1500.00")
    assert roi["ratio"] == Decimal("2.00")
    assert b'id="revenue-chart"' in response.content


def test_partner_sees_its_own_distributor_page(login, partner, distributor, catalogue):
    response = login(partner).get(reverse("distributors:mine"))
    assert response.status_code == 200
    assert response.context["distributor"] == distributor


@pytest.mark.parametrize("persona", ["partner", "colleague"])
def test_partner_pages_do_not_show_the_manufacturers_internal_fields(
    login, request, persona, distributor
):
    client = login(request.getfixturevalue(persona))

    for url in (reverse("distributors:mine"), distributor.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200
        assert b"Market potential" not in response.content
        assert b"1,000,000" not in response.content


def test_manager_pages_show_the_internal_fields(login, manager, distributor):
    client = login(manager)

    for url in (reverse("distributors:list"), distributor.get_absolute_url()):
        assert b"Market potential" in client.get(url).content


def test_the_export_leaves_out_internal_fields_for_a_partner(partner, manager, distributor):
    queryset = selectors.distributor_list(visible_to=partner)

    headers, rows = exports.distributor_table(queryset, viewer=partner)
    manager_headers, _ = exports.distributor_table(queryset, viewer=manager)

    rows = list(rows)
    assert "market_potential" not in headers
    assert [len(row) for row in rows] == [len(headers)]
    assert 1000000.0 not in rows[0]
    assert "market_potential" in manager_headers


def test_manager_export_carries_the_internal_fields(login, manager, distributor):
    response = login(manager).get(reverse("distributors:export"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][rows[0].index("market_potential")] == "1000000.0"


def test_colleague_sees_the_same_distributor(login, colleague, distributor):
    assert login(colleague).get(distributor.get_absolute_url()).status_code == 200


def test_outsider_gets_404_for_another_distributors_page(login, outsider, distributor):
    assert login(outsider).get(distributor.get_absolute_url()).status_code == 404


def test_manager_has_no_my_distributor_page(login, manager):
    assert login(manager).get(reverse("distributors:mine")).status_code == 403


def test_home_sends_each_role_to_its_start_page(login, manager, partner):
    # The manager's dashboard is a scoring page; distributors only knows its URL name.
    assert login(manager).get("/")["Location"] == reverse("scoring:dashboard")
    assert login(partner).get("/")["Location"] == reverse("distributors:mine")


def form_data(distributor, **changes):
    data = {
        "code": distributor.code,
        "name": distributor.name,
        "country": distributor.country,
        "region": distributor.region,
        "currency": distributor.currency,
        "tier": distributor.tier_id,
        "status": distributor.status,
        "contract_start": "2024-01-01",
        "contract_end": "2027-12-31",
        "market_potential": "100000",
    }
    data.update(changes)
    return data


def test_manager_creates_a_distributor(login, manager, distributor):
    tier = distributor.tier
    data = form_data(distributor, code="newco", name="NewCo", country="se", currency="sek")
    data["status"] = "onboarding"
    response = login(manager).post(reverse("distributors:create"), data)
    assert response.status_code == 302
    created = Distributor.objects.get(code="newco")
    assert (created.country, created.currency, created.tier) == ("SE", "SEK", tier)


def test_a_forbidden_status_change_is_refused_on_the_status_field(login, manager, distributor):
    distributor.status = Distributor.Status.TERMINATED
    distributor.save()
    response = login(manager).post(
        reverse("distributors:edit", args=[distributor.code]),
        form_data(distributor, status="active"),
    )
    assert response.status_code == 200
    assert "cannot go from Terminated to Active" in response.context["form"].errors["status"][0]
    distributor.refresh_from_db()
    assert distributor.status == Distributor.Status.TERMINATED


def test_a_contract_that_ends_before_it_starts_is_refused(login, manager, distributor):
    response = login(manager).post(
        reverse("distributors:edit", args=[distributor.code]),
        form_data(distributor, contract_end="2020-01-01", name="Changed"),
    )
    assert "contract_end" in response.context["form"].errors
    distributor.refresh_from_db()
    assert distributor.name != "Changed"


@pytest.mark.parametrize("persona", ["partner", "outsider"])
def test_partners_cannot_edit_distributors(login, request, persona, distributor):
    client = login(request.getfixturevalue(persona))
    url = reverse("distributors:edit", args=[distributor.code])
    assert client.post(url, form_data(distributor, name="Hacked")).status_code == 403
    distributor.refresh_from_db()
    assert distributor.name != "Hacked"


def test_edit_saves_territories_and_product_lines_with_the_profile(login, manager, distributor):
    north = factories.TerritoryFactory(code="north")
    pumps = factories.ProductLineFactory(code="pumps")
    response = login(manager).post(
        reverse("distributors:edit", args=[distributor.code]),
        form_data(distributor, territories=[north.pk], product_lines=[pumps.pk]),
    )
    assert response.status_code == 302
    assert list(distributor.territories.all()) == [north]
    assert list(distributor.product_lines.all()) == [pumps]


def test_the_pager_keeps_the_filters(login, manager):
    factories.DistributorFactory.create_batch(30)
    response = login(manager).get(reverse("distributors:list"), {"status": "active"})
    assert b"status=active&amp;page=2" in response.content


def test_list_charts_the_top_distributors_by_revenue(
    login, manager, distributor, other_distributor, catalogue
):
    response = login(manager).get(reverse("distributors:list"))
    chart = response.context["top_chart"]
    assert chart["labels"] == ["acme", "rival"]
    assert chart["datasets"][0]["data"] == [1500.0, 9.0]
    assert b'id="top-revenue-chart"' in response.content


def list_codes(client, url_name="distributors:list", **params):
    response = client.get(reverse(url_name), params)
    return [d.code for d in response.context["page"].object_list]


def export_codes(client, **params):
    response = client.get(reverse("distributors:export"), {"format": "csv", **params})
    return [row["code"] for row in csv.DictReader(io.StringIO(response.content.decode()))]


@pytest.fixture
def managed(manager, distributor, other_distributor):
    """The manager is acme's account manager; rival belongs to another manager."""
    distributor.account_manager = manager
    distributor.save()
    other_distributor.account_manager = factories.ManagerFactory(username="bob")
    other_distributor.save()


def test_a_channel_manager_starts_on_its_own_distributors_and_all_is_one_click_away(
    login, manager, managed
):
    client = login(manager)
    response = client.get(reverse("distributors:list"))
    assert [d.code for d in response.context["page"].object_list] == ["acme"]
    assert response.context["scope"] == "mine"
    html = response.content.decode()
    assert 'id="scope-mine" href="?scope=mine" aria-current="page">My distributors</a>' in html
    assert 'id="scope-all" href="?scope=all">All distributors</a>' in html

    assert list_codes(client, scope="all") == ["acme", "rival"]
    assert list_codes(client, scope="mine") == ["acme"]


def test_admin_and_a_manager_who_manages_none_start_on_all_distributors(
    login, manager, admin_user, distributor, other_distributor
):
    distributor.account_manager = admin_user
    distributor.save()
    assert list_codes(login(admin_user)) == ["acme", "rival"]
    assert list_codes(login(manager)) == ["acme", "rival"]
    assert list_codes(login(admin_user), scope="mine") == ["acme"]


def test_the_export_follows_the_scope(login, manager, managed):
    client = login(manager)
    assert export_codes(client) == ["acme"]
    assert export_codes(client, scope="mine") == ["acme"]
    assert export_codes(client, scope="all") == ["acme", "rival"]
    response = client.get(reverse("distributors:list"), {"scope": "all"})
    assert b"?scope=all&amp;format=csv" in response.content


def test_filters_apply_inside_the_scope_and_a_chosen_manager_lists_that_managers(
    login, manager, managed, other_distributor
):
    client = login(manager)
    assert list_codes(client, q="rival") == []
    assert list_codes(client, q="rival", scope="all") == ["rival"]
    assert list_codes(client, manager="bob") == ["rival"]
    assert list_codes(client, manager="bob", scope="mine") == ["rival"]
    assert export_codes(client, manager="bob") == ["rival"]


def test_the_tabs_keep_the_other_filters_but_not_the_page_or_manager(login, manager, managed):
    response = login(manager).get(
        reverse("distributors:list"), {"status": "active", "manager": "bob", "page": "1"}
    )
    tabs = {tab["value"]: tab["query"] for tab in response.context["scope_tabs"]}
    assert tabs == {"mine": "status=active&scope=mine", "all": "status=active&scope=all"}
    assert b'<input type="hidden" name="scope" value="all">' in response.content


def test_an_unknown_scope_lists_nothing_and_exports_nothing(login, manager, managed):
    client = login(manager)
    response = client.get(reverse("distributors:list"), {"scope": "everything"})
    assert list(response.context["page"].object_list) == []
    assert b'id="filter-errors"' in response.content
    response = client.get(reverse("distributors:export"), {"scope": "everything"})
    assert response.status_code == 400
