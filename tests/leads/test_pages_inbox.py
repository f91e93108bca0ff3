"""The partner's inbox: waiting leads first, its own leads, the closed ones, the export."""

import csv
import datetime
import html
import io
import re

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leads import services
from leads.views import leads as lead_views
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("leads:inbox")


def companies(response):
    return [lead.company for lead in response.context["leads"]]


@pytest.fixture
def waiting(today, time_machine, new_lead, manager, partner, distributor):
    """Three leads waiting for acme's answer (48 h each) and one it accepted; 50 h later."""
    handed = {}
    for company, after in (("Anton", 0), ("Accepted", 1), ("Berta", 10), ("Dora", 20)):
        time_machine.move_to(
            datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)
            + datetime.timedelta(hours=after),
            tick=False,
        )
        handed[company] = services.lead_assign(
            lead=new_lead(company=company), distributor=distributor, by=manager
        )
    services.lead_accept(lead=handed["Accepted"], by=partner)
    time_machine.move_to(datetime.datetime(2026, 6, 17, 14, 0, tzinfo=datetime.UTC), tick=False)
    return handed


def test_waiting_leads_come_first_the_most_overdue_first_with_the_time_left(
    login, partner, waiting
):
    response = login(partner).get(URL)
    assert response.status_code == 200
    assert companies(response) == ["Anton", "Berta", "Dora", "Accepted"]
    page = response.content.decode()
    assert "overdue by 2 h 00 min" in page
    assert "8 h 00 min left" in page
    assert "18 h 00 min left" in page
    assert "3 leads wait for your answer." in page
    assert "1 is past its deadline and will go to another distributor." in page


def test_a_rep_sees_its_distributors_inbox_too(login, colleague, waiting):
    assert companies(login(colleague).get(URL)) == ["Anton", "Berta", "Dora", "Accepted"]


def test_the_mine_view_lists_the_leads_the_user_works(
    login, partner, colleague, new_lead, distributor, advance, today
):
    advance(new_lead(company="Partner's"), "accepted", distributor=distributor, by=partner)
    advance(new_lead(company="Colleague's"), "accepted", distributor=distributor, by=colleague)
    advance(new_lead(company="Nobody's yet"), "assigned", distributor=distributor)
    assert companies(login(partner).get(URL, {"view": "mine"})) == ["Partner's"]
    assert companies(login(colleague).get(URL, {"view": "mine"})) == ["Colleague's"]
    assert len(companies(login(partner).get(URL, {"view": "open"}))) == 3


def test_the_closed_view_lists_won_and_lost_leads_newest_first(
    login, partner, new_lead, distributor, advance, criteria, today, time_machine
):
    advance(new_lead(company="Won"), "won", distributor=distributor, by=partner)
    time_machine.shift(datetime.timedelta(hours=1))
    lost = advance(new_lead(company="Lost"), "accepted", distributor=distributor, by=partner)
    services.lead_lose(lead=lost, by=partner, reason="price")
    advance(new_lead(company="Open"), "dql", distributor=distributor, by=partner)
    client = login(partner)
    assert companies(client.get(URL, {"view": "closed"})) == ["Lost", "Won"]
    assert companies(client.get(URL)) == ["Open"]


def test_an_unknown_view_shows_the_open_leads(login, partner, waiting):
    response = login(partner).get(URL, {"view": "everything"})
    assert response.context["view"] == "open"
    assert len(companies(response)) == 4


def test_a_lead_the_partner_rejected_leaves_its_inbox(login, partner, waiting):
    services.lead_reject(lead=waiting["Anton"], by=partner, rating=2, reason="no_need")
    assert "Anton" not in companies(login(partner).get(URL))


def test_the_outsider_gets_nothing_of_acmes_leads(login, outsider, waiting):
    client = login(outsider)
    response = client.get(URL)
    assert response.status_code == 200
    assert companies(response) == []
    export = client.get(URL, {"format": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert len(rows) == 1  # the headers only


@pytest.mark.parametrize("persona", ["manager", "admin_user", "nobody"])
def test_only_partner_users_have_an_inbox(login, request, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"format": "csv"}).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_csv_export_hides_the_contact_until_accepted_and_has_no_distributor_column(
    login, partner, waiting
):
    response = login(partner).get(URL, {"format": "csv"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode()
    rows = {row["company"]: row for row in csv.DictReader(io.StringIO(content))}
    assert "distributor" not in next(iter(rows.values()))
    assert "acme" not in content
    assert rows["Accepted"]["contact_email"] == waiting["Accepted"].contact_email
    for company in ("Anton", "Berta", "Dora"):
        lead = waiting[company]
        assert (
            rows[company]["contact_name"],
            rows[company]["contact_email"],
            rows[company]["contact_phone"],
        ) == ("", "", "")
        assert lead.contact_email not in content
        assert lead.contact_name not in content


def test_the_xlsx_export_hides_the_contact_until_accepted_and_has_no_distributor_column(
    login, partner, waiting
):
    response = login(partner).get(URL, {"format": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    headers = list(rows[0])
    assert "distributor" not in headers
    by_company = {row[headers.index("company")]: row for row in rows[1:]}
    email = headers.index("contact_email")
    assert by_company["Accepted"][email] == waiting["Accepted"].contact_email
    assert by_company["Anton"][email] in (None, "")


def test_the_export_follows_the_view(login, partner, colleague, waiting):
    services.lead_hand_to_rep(lead=waiting["Anton"], rep=colleague, by=partner)
    response = login(colleague).get(URL, {"format": "csv", "view": "mine"})
    content = b"".join(response.streaming_content).decode()
    assert [row["company"] for row in csv.DictReader(io.StringIO(content))] == ["Anton"]


def test_the_inbox_query_count_does_not_grow_with_the_leads(
    login, partner, colleague, new_lead, manager, distributor
):
    client = login(partner)

    def add(number):
        for n in range(number):
            lead = services.lead_assign(
                lead=new_lead(
                    source=factories.LeadSourceFactory(),
                    product_line=factories.ProductLineFactory(),
                ),
                distributor=distributor,
                by=manager,
            )
            if n % 2:
                services.lead_accept(lead=lead, by=colleague)

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(URL).status_code == 200
    add(12)
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few)


def test_every_lead_of_a_long_inbox_is_reached_page_by_page(
    login, partner, new_lead, manager, distributor, monkeypatch, today
):
    monkeypatch.setattr(lead_views, "INBOX_PAGE_SIZE", 2)
    handed = [
        services.lead_assign(lead=new_lead(), distributor=distributor, by=manager).pk
        for _ in range(5)
    ]
    client = login(partner)
    seen, url = [], URL
    while url:
        response = client.get(url)
        seen += [lead.pk for lead in response.context["leads"]]
        assert "5 leads wait for your answer." in response.content.decode()
        found = re.search(r'href="(\?[^"]*page=\d+)">Next<', response.content.decode())
        url = URL + html.unescape(found.group(1)) if found else None
    assert sorted(seen) == sorted(handed)
    assert len(seen) == len(set(seen))
