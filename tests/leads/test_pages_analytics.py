"""The lead analytics page: a partner's own funnel against its anonymous peers, the manager's
channel, figures checked against a case counted by hand."""

import re

import pytest
from django.urls import reverse

from leads import services
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("leads:analytics")


def kpi(page, step):
    found = re.search(
        rf'data-step="{step}">([^<]*)</div>\s*'
        r'(?:<div class="small funnel-rate"[^>]*>([^<]*)</div>)?',
        page,
    )
    assert found, step
    return found.group(1), (found.group(2) or "").strip()


def peer_row(page, measure):
    found = re.search(rf'<tr data-measure="{measure}">(.*?)</tr>', page, flags=re.S)
    assert found, measure
    return [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)]


def table_rows(page, table_id):
    found = re.search(rf'id="{table_id}">.*?<tbody>(.*?)</tbody>', page, flags=re.S)
    assert found, table_id
    return [
        [cell.strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)
    ]


def shown(page):
    """The page without what only echoes the request: the language switch's return address and
    the per-response CSRF tokens."""
    page = re.sub(r'name="next" value="[^"]*"', "", page)
    return re.sub(r"[A-Za-z0-9]{64}", "", page)


def mentions(page, *names):
    page = shown(page)
    return [name for name in names if re.search(rf"\b{re.escape(name)}\b", page, re.I)]


OTHERS = ("rival", "Rival Trading", "peer-one", "peer-two", "peer-three", "Peer-One")


def test_the_partner_sees_its_funnel_as_counted_by_hand(login, partner, funnel_case):
    response = login(partner).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Our lead funnel" in page
    assert kpi(page, "assigned") == ("10", "")  # a distributor's funnel starts handed over
    assert kpi(page, "accepted") == ("6", "60% of handed over")
    assert kpi(page, "dql") == ("3", "50% of accepted")
    assert kpi(page, "opportunity") == ("2", "67% of DQL")
    assert kpi(page, "won") == ("1", "50% of opportunities")
    assert '<div class="kpi" id="median-accept">3.0\xa0h</div>' in page
    assert "answered late or never: 20% of handed over" in page
    assert table_rows(page, "reasons-table") == [
        ["No budget", "1", "50%", "2.0"],
        ["Not in our territory", "1", "50%", "4.0"],
    ]
    # Handed over 10, DQL 3, DQL yield 30%, rejected 20%.
    assert table_rows(page, "yield-table") == [
        ["Web form", "10", "3", "30%", "20%", "No budget"],
    ]
    assert mentions(page, *OTHERS) == []


def test_the_partner_sees_the_peer_median_and_its_percentile_only(login, partner, peers):
    page = login(partner).get(URL).content.decode()
    # Acceptance in the tier: acme 60%, peers 25%, 100%, 50%: median 55%; acme does at
    # least as well as 3 of 4.
    assert peer_row(page, "acceptance") == [
        'Accepted <small class="text-body-secondary">of handed over</small>',
        "60%",
        "55%",
        "75",
    ]
    # DQL of accepted: acme 50%, the peers 0%: median 0%, acme the best of 4.
    assert peer_row(page, "qualification") == [
        'Qualified (DQL) <small class="text-body-secondary">of accepted</small>',
        "50%",
        "0%",
        "100",
    ]
    assert "Against the other distributors of your tier (anonymous)" in page
    assert mentions(page, *OTHERS) == []
    assert "Handel GmbH" not in page


def test_with_too_few_peers_the_comparison_is_withheld(
    login, partner, manager, distributor, new_lead, funnel_case
):
    """One peer: a median of two would give its figure away (2 × median − ours)."""
    peer = factories.DistributorFactory(code="lonely", tier=distributor.tier)
    user = factories.MembershipFactory(distributor=peer).user
    services.lead_accept(
        lead=services.lead_assign(lead=new_lead(), distributor=peer, by=manager), by=user
    )
    page = login(partner).get(URL).content.decode()
    assert peer_row(page, "acceptance") == [
        'Accepted <small class="text-body-secondary">of handed over</small>',
        "60%",
        "–",
        "–",
    ]


def test_a_partner_naming_another_distributor_still_sees_only_its_own_figures(
    login, partner, funnel_case
):
    client = login(partner)
    own = client.get(URL).content.decode()
    for other in ("rival", "nope"):
        # Sent to the same page without the parameter: its own figures.
        page = client.get(URL, {"distributor": other}, follow=True).content.decode()
        assert kpi(page, "assigned") == ("10", "")
        assert kpi(page, "accepted") == ("6", "60% of handed over")
        assert mentions(page, *OTHERS) == []
        assert "Select a valid choice" not in page
        assert table_rows(page, "reasons-table") == table_rows(own, "reasons-table")


def test_a_partner_cannot_tell_a_known_distributor_code_from_an_unknown_one(
    login, partner, funnel_case
):
    client = login(partner)

    def page(code):
        response = client.get(URL, {"distributor": code, "start": "2026-01"}, follow=True)
        return shown(response.content.decode())

    known, unknown = page("rival"), page("nope")
    assert known == unknown
    assert '"labels": ["2026-01", "2026-02"' in known  # the period asked for is kept


def test_the_outsider_sees_its_own_figures_never_acmes(login, outsider, funnel_case):
    page = login(outsider).get(URL, {"distributor": "acme"}, follow=True).content.decode()
    assert kpi(page, "assigned") == ("5", "")
    assert kpi(page, "accepted") == ("5", "100% of handed over")
    assert mentions(page, "acme", "Acme Industrial Supply") == []
    assert "No rejection in this period." in page


def test_the_manager_sees_the_channel_and_ranks_the_distributors(login, manager, funnel_case):
    page = login(manager).get(URL).content.decode()
    assert "Lead analytics: the channel" in page
    assert kpi(page, "mql") == ("15", "")  # MQLs that entered the pool
    assert kpi(page, "assigned") == ("15", "100% of MQLs")
    assert kpi(page, "accepted") == ("11", "73% of handed over")
    assert kpi(page, "dql") == ("3", "27% of accepted")
    ranking = page[page.index('id="ranking"') :].split("</table>")[0]
    rows = re.findall(r'<a href="\?distributor=(\w+)">', ranking)
    assert rows == ["rival", "acme"]  # 100% then 60% accepted
    assert 'id="peers"' not in page


def test_the_manager_looks_at_one_distributor_against_its_tier(login, manager, peers):
    page = login(manager).get(URL, {"distributor": "acme"}).content.decode()
    assert "Leads of acme" in page
    assert kpi(page, "accepted") == ("6", "60% of handed over")
    assert peer_row(page, "acceptance") == [
        'Accepted <small class="text-body-secondary">of handed over</small>',
        "60%",
        "55%",
        "75",
    ]
    assert "Against the other distributors of its tier" in page


def test_an_invalid_period_is_shown_as_an_error(login, manager, funnel_case):
    page = login(manager).get(URL, {"start": "June"}).content.decode()
    assert "start:" in page
    assert "Enter a valid date." in page


def test_a_user_without_a_role_gets_403(login, nobody):
    assert login(nobody).get(URL).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
