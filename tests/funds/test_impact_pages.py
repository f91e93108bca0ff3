"""What the money bought, on the funds pages: a paid activity's estimate on its request's page
(the method named, the interval, or why none could be made, or when it will be), added up on
the fund's page, per activity type on the funds list, per kind on the distributor's record; a
partner sees only its own distributor's; the pages' query counts do not grow with the
estimates."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from funds import estimates, services
from funds.models import REASON_TEXTS, ImpactEstimate
from tests.funds.factories import ImpactEstimateFactory
from tests.funds.panels import (
    ESTIMATED_ON,
    PAID_ON,
    activity_approved,
    activity_paid,
    activity_settle,
    distributors_make,
    panel,
)

pytestmark = pytest.mark.django_db
D = Decimal


def text(response):
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def rival_allocation(fund, other_distributor, manager):
    return services.allocation_set(
        fund=fund, distributor=other_distributor, amount=D("10000.00"), by=manager
    )


@pytest.fixture
def both_paid(allocation, rival_allocation, partner, outsider, manager, travel):
    """acme's trade show and rival's digital campaign, both paid on `PAID_ON`, each with its
    stored estimate (acme: 12,000 for 1,800 paid; rival: 30,000 for 1,800)."""
    mine = activity_approved(allocation=allocation, partner=partner, manager=manager)
    theirs = activity_approved(
        allocation=rival_allocation,
        partner=outsider,
        manager=manager,
        title="Rival campaign",
        activity_type="digital",
    )
    travel(PAID_ON)
    mine = activity_settle(mine, partner=partner, manager=manager)
    theirs = activity_settle(theirs, partner=outsider, manager=manager)
    travel(ESTIMATED_ON)
    ImpactEstimateFactory(subject_id=mine.pk, distributor=mine.allocation.distributor)
    ImpactEstimateFactory(
        subject_id=theirs.pk,
        distributor=theirs.allocation.distributor,
        incremental=D("30000.00"),
        low=D("20000.00"),
        high=D("40000.00"),
        peers=7,
    )
    return mine, theirs


def test_a_paid_activitys_page_shows_what_it_bought_estimated_by_the_nightly_job(
    login, distributor, allocation, partner, manager, travel
):
    everyone = distributors_make(300, first=distributor)
    panel(1, everyone, noise=0.03)
    request = activity_paid(allocation=allocation, partner=partner, manager=manager, travel=travel)
    travel(ESTIMATED_ON)
    estimates.impact_estimates_refresh()
    row = ImpactEstimate.objects.get()

    for user in (partner, manager):
        page = text(login(user).get(reverse("funds:request", args=[request.pk])))

        assert 'id="impact"' in page and "What it bought" in page
        assert "Difference-in-differences against 10 matched peers" in page
        low, high = f"€{round(row.low):,}", f"€{round(row.high):,}"
        assert f"90 % interval: {low} to {high}" in page
        assert f"€{round(row.incremental):,}" in page
        assert "July 2026 – November 2026" in page


def test_before_its_effect_window_is_over_the_page_says_when_it_will_be_estimated(
    login, allocation, partner, manager, travel
):
    request = activity_paid(allocation=allocation, partner=partner, manager=manager, travel=travel)

    page = text(login(partner).get(reverse("funds:request", args=[request.pk])))

    assert "estimated once its effect window is over, after November 2026" in page


def test_an_unpaid_activity_shows_no_estimate(login, allocation, partner, manager, travel):
    request = activity_approved(allocation=allocation, partner=partner, manager=manager)

    page = text(login(manager).get(reverse("funds:request", args=[request.pk])))

    assert 'id="impact"' not in page


def test_an_activity_that_could_not_be_estimated_says_why(login, both_paid, manager):
    mine, _theirs = both_paid
    ImpactEstimate.objects.filter(subject_id=mine.pk).update(
        reason="too_few_pre_months", incremental=None, low=None, high=None, draws=b""
    )

    page = text(login(manager).get(reverse("funds:request", args=[mine.pk])))

    assert "No estimate could be made:" in page
    assert str(REASON_TEXTS["too_few_pre_months"]).replace("'", "&#x27;") in page


def test_the_fund_page_adds_up_what_its_activities_bought(login, both_paid, manager, fund):
    page = text(login(manager).get(reverse("funds:detail", args=[fund.pk])))

    assert "What the fund bought" in page
    assert "€42,000" in page and "Sum of 2 estimates" in page
    # 42,000 of incremental revenue for 3,600 paid.
    assert "11.67×" in page


def test_a_partner_sees_only_its_own_distributors_estimates(login, both_paid, partner, fund):
    mine, theirs = both_paid
    client = login(partner)

    assert client.get(reverse("funds:request", args=[theirs.pk])).status_code == 404
    fund_page = text(client.get(reverse("funds:detail", args=[fund.pk])))
    list_page = text(client.get(reverse("funds:list")))
    record = text(client.get(reverse("distributors:mine")))

    for page in (fund_page, list_page, record):
        assert "€12,000" in page
        assert "€30,000" not in page and "€42,000" not in page and "7 matched peers" not in page
    assert "Difference-in-differences against 10 matched peers" in fund_page


def test_an_outsider_sees_none_of_another_distributors_estimates(login, both_paid, outsider):
    mine, _theirs = both_paid
    client = login(outsider)

    assert client.get(reverse("funds:request", args=[mine.pk])).status_code == 404
    assert "€12,000" not in text(client.get(reverse("funds:list")))


def test_the_funds_list_adds_up_each_activity_type(login, both_paid, manager):
    page = text(login(manager).get(reverse("funds:list")))

    table = page[page.index('id="activity-impact-table"') :]
    assert table.index("Trade show") < table.index("€12,000") < table.index("Digital marketing")
    assert table.index("Digital marketing") < table.index("€30,000") < table.index("All activities")
    assert table.index("All activities") < table.index("€42,000")


def test_the_record_shows_what_the_money_bought_the_distributor(login, both_paid, manager):
    page = text(login(manager).get(reverse("distributors:detail", args=["acme"])))

    assert 'id="record-impact"' in page and "Fund activities" in page
    assert "€12,000" in page and "€30,000" not in page


def _queries(client, url):
    client.get(url)  # warm the per-process caches
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_pages_query_counts_do_not_grow_with_the_estimates(login, both_paid, manager, fund):
    mine, _theirs = both_paid
    client = login(manager)
    urls = [
        reverse("funds:detail", args=[fund.pk]),
        reverse("funds:list"),
        reverse("funds:request", args=[mine.pk]),
        reverse("distributors:detail", args=["acme"]),
    ]
    before = [_queries(client, url) for url in urls]
    for _ in range(5):
        ImpactEstimateFactory(subject_id=mine.pk, distributor=ImpactEstimateFactory().distributor)
        ImpactEstimateFactory(distributor=mine.allocation.distributor, kind="programme")

    assert [_queries(client, url) for url in urls] == before


def test_estimates_of_an_earlier_day_read_with_their_day(login, both_paid, manager):
    mine, _theirs = both_paid
    ImpactEstimate.objects.update(
        computed_at=datetime.datetime(2026, 12, 2, 1, 30, tzinfo=datetime.UTC)
    )

    page = text(login(manager).get(reverse("funds:request", args=[mine.pk])))

    assert "Estimated on 02/12/2026 01:30" in page


def test_the_estimate_reads_in_french(login, both_paid, partner):
    mine, _theirs = both_paid
    client = login(partner)
    client.cookies["django_language"] = "fr"

    page = text(client.get(reverse("funds:request", args=[mine.pk])))

    assert "Ce que cela a rapporté" in page
    assert "Double différence face à 10 pairs appariés" in page
    assert "Intervalle à 90 % : de 4\u202f000\xa0€ à 20\u202f000\xa0€" in page
    ImpactEstimate.objects.filter(subject_id=mine.pk).update(
        reason="treated_missing_months", incremental=None, low=None, high=None, draws=b""
    )
    page = text(client.get(reverse("funds:request", args=[mine.pk])))
    assert "Aucune estimation n'a pu être faite :" in page
    assert "Le distributeur n&#x27;a pas déclaré chacun des 12 mois" in page
