"""Resources invested against revenue: per distributor, with the peers' median ratio."""

from decimal import Decimal

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
URL = reverse("scoring:resources")


def test_the_manager_sees_invested_against_revenue_with_the_median(login, manager, scored):
    response = login(manager).get(URL)
    assert response.status_code == 200
    rows = {v.distributor.code: v for v in response.context["page"]}
    assert set(rows) == {"acme", "bolt"}  # zinc invested nothing
    assert rows["acme"].denominator == Decimal("4000.00")
    assert rows["acme"].numerator == Decimal("12000.00")
    assert rows["acme"].raw == Decimal("3.0000") and rows["bolt"].raw == Decimal("1.5000")
    assert rows["acme"].peer_median == Decimal("2.2500")
    assert response.context["summary"]["median"] == pytest.approx(2.25)
    points = response.context["scatter_chart"]["datasets"][0]["data"]
    assert {"x": 4000.0, "y": 12000.0, "label": "acme"} in points
    assert b'id="resources-chart"' in response.content


@pytest.mark.parametrize("persona", ["partner", "outsider", "nobody"])
def test_others_get_403(login, scored, persona, request):
    assert login(request.getfixturevalue(persona)).get(URL).status_code == 403


def test_without_a_run_the_page_says_so(login, manager, page_channel):
    response = login(manager).get(URL)
    assert response.status_code == 200 and b'id="no-run"' in response.content
