"""The manager's lead list: filters, keyset pages, the capped count, bulk acts and the export."""

import csv
import datetime
import html
import io
import re

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leads import selectors, services
from leads.models import Lead
from leads.views import leads as lead_views
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("leads:list")
EXPORT = reverse("leads:export")
BULK = reverse("leads:bulk")
UTC = datetime.UTC


def companies(response):
    return [lead.company for lead in response.context["leads"]]


def notes(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def spread(time_machine, manager, partner, new_lead, distributor, other_distributor):
    """Leads that differ in one thing each, on a clock the filters read.

    Old Mill: 44 days old. Alpha Pumpen: pool, pumps. Bistro Lyon: fair source, FR, with acme.
    Crane Works: with rival, past its deadline. Delta: acme let it expire, nobody else fits:
    escalated. The clock ends on 2026-06-14 10:00 UTC.
    """
    fair = factories.LeadSourceFactory(code="fair", name="Trade fair")
    pumps = factories.ProductLineFactory(code="pumps", name="Pumps")
    time_machine.move_to(datetime.datetime(2026, 5, 1, 10, 0, tzinfo=UTC), tick=False)
    old = new_lead(company="Old Mill GmbH")
    time_machine.move_to(datetime.datetime(2026, 6, 10, 8, 0, tzinfo=UTC), tick=False)
    alpha = new_lead(company="Alpha Pumpen AG", product_line=pumps)
    delta = new_lead(company="Delta Escalated KG")
    services.lead_assign(lead=delta, distributor=distributor, by=manager)
    time_machine.shift(datetime.timedelta(hours=49))
    assert services.leads_deadlines_enforce() == (0, 1)
    crane = new_lead(company="Crane Works Ltd")
    services.lead_assign(lead=crane, distributor=other_distributor, by=manager)
    time_machine.shift(datetime.timedelta(hours=48))
    bistro = new_lead(company="Bistro Lyon SARL", source=fair, country="FR")
    services.lead_assign(lead=bistro, distributor=distributor, by=manager)
    time_machine.shift(datetime.timedelta(hours=1))
    return {"old": old, "alpha": alpha, "delta": delta, "crane": crane, "bistro": bistro}


def test_the_manager_sees_every_lead_newest_first(login, manager, spread):
    response = login(manager).get(URL)
    assert response.status_code == 200
    assert companies(response) == [
        "Bistro Lyon SARL",
        "Crane Works Ltd",
        "Delta Escalated KG",
        "Alpha Pumpen AG",
        "Old Mill GmbH",
    ]
    page = response.content.decode()
    assert 'id="lead-count">(5)' in page
    assert "overdue by 1 h 00 min" in page  # Crane Works, with rival
    assert "Escalated" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "mql"}, ["Delta Escalated KG", "Alpha Pumpen AG", "Old Mill GmbH"]),
        ({"status": "assigned"}, ["Bistro Lyon SARL", "Crane Works Ltd"]),
        ({"distributor": "acme"}, ["Bistro Lyon SARL"]),
        ({"distributor": "rival"}, ["Crane Works Ltd"]),
        ({"source": "fair"}, ["Bistro Lyon SARL"]),
        ({"country": "fr"}, ["Bistro Lyon SARL"]),
        ({"product_line": "pumps"}, ["Alpha Pumpen AG"]),
        (
            {"age": "30"},
            ["Bistro Lyon SARL", "Crane Works Ltd", "Delta Escalated KG"] + ["Alpha Pumpen AG"],
        ),
        ({"overdue": "on"}, ["Crane Works Ltd"]),
        ({"escalated": "on"}, ["Delta Escalated KG"]),
        ({"q": "pumpen"}, ["Alpha Pumpen AG"]),
        ({"status": "mql", "age": "30"}, ["Delta Escalated KG", "Alpha Pumpen AG"]),
    ],
)
def test_each_filter_narrows_the_list_to_the_leads_it_names(
    login, manager, spread, params, expected
):
    response = login(manager).get(URL, params)
    assert response.status_code == 200
    assert companies(response) == expected
    assert f'id="lead-count">({len(expected)})' in response.content.decode()


def test_the_search_finds_a_lead_by_its_exact_reference(login, manager, spread):
    response = login(manager).get(URL, {"q": spread["crane"].external_ref})
    assert companies(response) == ["Crane Works Ltd"]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "sleeping"},
        {"distributor": "nope"},
        {"source": "nope"},
        {"country": "XX"},
        {"country": "DEU"},
        {"product_line": "nope"},
        {"age": "12"},
        {"status": "mql", "distributor": "nope"},
    ],
)
def test_an_invalid_filter_value_shows_an_error_and_lists_nothing(login, manager, spread, params):
    response = login(manager).get(URL, params)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="filter-errors"' in page
    assert companies(response) == []
    assert 'id="lead-table"' not in page
    assert 'id="lead-count">(0)' in page


def test_older_pages_reach_every_lead_exactly_once_and_keep_the_filters(
    login, manager, new_lead, distributor, time_machine, monkeypatch
):
    monkeypatch.setattr(lead_views, "PAGE_SIZE", 3)
    time_machine.move_to(datetime.datetime(2026, 6, 1, 9, 0, tzinfo=UTC), tick=False)
    pool = []
    for minute in (0, 0, 0, 5, 5, 7, 7, 7, 9, 12):  # ties on created_at cross page borders
        time_machine.move_to(datetime.datetime(2026, 6, 1, 9, minute, tzinfo=UTC), tick=False)
        pool.append(new_lead())
    handed = services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)
    client = login(manager)

    seen, pages, url = [], 0, f"{URL}?status=mql"
    while url:
        response = client.get(url)
        seen += [lead.pk for lead in response.context["leads"]]
        pages += 1
        found = re.search(r'id="next-page" href="([^"]+)"', response.content.decode())
        url = URL + html.unescape(found.group(1)) if found else None
        if url:
            assert "status=mql" in url
    expected = [lead.pk for lead in sorted(pool, key=lambda x: (x.created_at, x.pk), reverse=True)]
    assert seen == expected
    assert handed.pk not in seen
    assert pages == 4


def test_the_count_stops_at_the_cap_and_says_more_than(login, manager, new_lead, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    for _ in range(3):
        new_lead()
    client = login(manager)
    assert 'id="lead-count">(3)' in client.get(URL).content.decode()
    new_lead()
    page = client.get(URL).content.decode()
    assert 'id="lead-count">(more than 3)' in page


def test_bulk_assign_hands_the_ticked_leads_over_and_names_the_ones_it_skips(
    login, manager, partner, new_lead, distributor
):
    # acme fits the leads (a DE territory): only the hard refusals are skipped.
    distributor.territories.add(factories.TerritoryFactory(country="DE", region=""))
    free = new_lead(company="Free")
    also_free = new_lead(company="Also free")
    refused = services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)
    services.lead_reject(lead=refused, by=partner, rating=2, reason="no_need")
    lost = new_lead(company="Lost already")
    services.lead_lose(lead=lost, by=manager, reason="no_decision")
    untouched = new_lead(company="Not ticked")
    response = login(manager).post(
        BULK,
        {
            "action": "assign",
            "distributor": "acme",
            "leads": [free.pk, also_free.pk, refused.pk, lost.pk],
            "next": f"{URL}?status=mql",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?status=mql"
    said = notes(response)
    assert "2 leads assigned." in said
    assert (
        f"Lead {refused.pk} skipped: acme rejected this lead or let it expire; it is not offered "
        "to it again." in said
    )
    assert f"Lead {lost.pk} skipped: A lead cannot go from Lost to Assigned." in said
    statuses = dict(Lead.objects.values_list("company", "status"))
    assert statuses["Free"] == statuses["Also free"] == "assigned"
    assert statuses["Lost already"] == "lost"
    assert Lead.objects.get(pk=refused.pk).status == "mql"
    assert Lead.objects.get(pk=untouched.pk).status == "mql"


def test_bulk_assign_without_a_distributor_is_an_error_and_assigns_nothing(
    login, manager, new_lead
):
    lead = new_lead()
    response = login(manager).post(BULK, {"action": "assign", "leads": [lead.pk]})
    assert response.status_code == 302
    assert any("Choose the distributor" in note for note in notes(response))
    assert Lead.objects.get(pk=lead.pk).status == "mql"


def test_bulk_route_routes_the_pool_leads_and_names_the_ones_it_skips(
    login, manager, partner, new_lead, distributor
):
    distributor.territories.add(factories.TerritoryFactory(country="DE", region=""))
    fits = new_lead(country="DE")
    nobody_fits = new_lead(country="PT")
    accepted = services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)
    services.lead_accept(lead=accepted, by=partner)
    response = login(manager).post(
        BULK, {"action": "route", "leads": [fits.pk, nobody_fits.pk, accepted.pk]}
    )
    assert response.status_code == 302
    said = notes(response)
    assert "1 lead routed. 1 left in the pool (no distributor fits)." in said
    assert any(note.startswith(f"Lead {accepted.pk} skipped:") for note in said), said
    fits.refresh_from_db()
    assert (fits.status, fits.distributor) == ("assigned", distributor)
    assert Lead.objects.get(pk=nobody_fits.pk).status == "mql"
    assert Lead.objects.get(pk=accepted.pk).status == "accepted"


def test_bulk_acts_never_send_the_manager_off_the_portal(login, manager, new_lead):
    lead = new_lead()
    response = login(manager).post(
        BULK, {"action": "route", "leads": [lead.pk], "next": "https://evil.example/leads/"}
    )
    assert response["Location"] == URL


@pytest.mark.parametrize("persona", ["partner", "colleague", "outsider", "nobody"])
def test_only_manufacturer_staff_open_the_list_export_and_bulk_acts(
    login, request, persona, new_lead, manager, distributor
):
    lead = services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)
    client = login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT, {"format": "csv"}).status_code == 403
    response = client.post(BULK, {"action": "route", "leads": [lead.pk]})
    assert response.status_code == 403
    assert Lead.objects.get(pk=lead.pk).distributor == distributor


def test_anonymous_is_sent_to_login(client):
    for url in (URL, EXPORT):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def csv_rows(response):
    content = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(content)))


def test_the_csv_export_follows_the_filters(login, manager, spread):
    response = login(manager).get(EXPORT, {"format": "csv", "status": "assigned"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert [row["company"] for row in rows] == ["Bistro Lyon SARL", "Crane Works Ltd"]
    assert [row["distributor"] for row in rows] == ["acme", "rival"]
    assert rows[0]["contact_email"] == spread["bistro"].contact_email


def test_the_xlsx_export_follows_the_filters(login, manager, spread):
    response = login(manager).get(EXPORT, {"format": "xlsx", "country": "fr"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.values)
    headers = list(rows[0])
    assert [row[headers.index("company")] for row in rows[1:]] == ["Bistro Lyon SARL"]


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_an_invalid_filter_exports_nothing(login, manager, spread, file_format):
    response = login(manager).get(EXPORT, {"format": file_format, "distributor": "nope"})
    assert response.status_code == 400
    body = response.content.decode()
    assert body.startswith("Invalid filter, nothing exported:")
    assert "distributor:" in body
    assert "Bistro" not in body


def test_formula_like_text_is_neutralised_in_both_exports(login, manager, new_lead):
    new_lead(company='=HYPERLINK("http://evil.example")', contact_name="@SUM(A1)")
    client = login(manager)
    row = csv_rows(client.get(EXPORT, {"format": "csv"}))[0]
    assert row["company"] == '\'=HYPERLINK("http://evil.example")'
    assert row["contact_name"] == "'@SUM(A1)"
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(EXPORT, {"format": "xlsx"}).content)
    ).active
    headers = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=headers.index("company") + 1)
    assert cell.value == '\'=HYPERLINK("http://evil.example")'
    assert cell.data_type == "s"


def test_the_exports_date_a_lead_in_iso_for_csv_and_as_a_date_time_cell_for_xlsx(
    login, manager, new_lead
):
    lead = new_lead()
    client = login(manager)
    row = csv_rows(client.get(EXPORT, {"format": "csv"}))[0]
    assert row["created_at"] == lead.created_at.isoformat()
    response = client.get(EXPORT, {"format": "xlsx"}, HTTP_ACCEPT_LANGUAGE="en-US")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    headers = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=headers.index("created_at") + 1)
    assert cell.is_date and cell.number_format == "mm/dd/yyyy h:mm AM/PM"
    # The portal's clock (TIME_ZONE), to the second.
    local = timezone.localtime(lead.created_at).replace(tzinfo=None, microsecond=0)
    assert cell.value.replace(microsecond=0) == local


def test_the_list_query_count_does_not_grow_with_the_leads(
    login, manager, new_lead, partner, distributor, other_distributor
):
    client = login(manager)

    def add(number):
        for n in range(number):
            lead = new_lead(
                source=factories.LeadSourceFactory(),
                product_line=factories.ProductLineFactory(),
            )
            handed_to = distributor if n % 2 else other_distributor
            services.lead_assign(lead=lead, distributor=handed_to, by=manager)

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    add(12)
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few)


def test_the_import_page_lists_the_columns_of_an_mql_file(login, manager):
    page = login(manager).get("/leads/import/").content.decode()
    for column in ("source", "external_ref", "company", "country", "contact_email", "mql_score"):
        assert f"<code>{column}</code>" in page
