"""The impact estimates over the API: what each paid activity bought, the method named and the
interval, as the pages show it; a partner reads its own distributor's only."""

from decimal import Decimal

import pytest
from django.utils import translation

from tests.funds.api import client_for, results, route
from tests.funds.factories import ImpactEstimateFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def estimates(distributor, other_distributor):
    mine = ImpactEstimateFactory(subject_id=101, distributor=distributor)
    theirs = ImpactEstimateFactory(subject_id=102, distributor=other_distributor)
    refused = ImpactEstimateFactory(
        kind="programme",
        subject_id=7,
        distributor=distributor,
        method="auto",
        incremental=None,
        low=None,
        high=None,
        effect_percent=None,
        actual=None,
        reason="too_few_pre_months",
    )
    return mine, theirs, refused


def test_the_manager_reads_every_estimate_with_its_interval_and_method(manager, estimates):
    mine, theirs, refused = estimates

    rows = results(client_for(manager).get(route("impact-estimate-list")))

    assert {row["id"] for row in rows} == {mine.pk, theirs.pk, refused.pk}
    [row] = [row for row in rows if row["id"] == mine.pk]
    assert (row["distributor"], row["incremental"], row["currency"]) == (
        "acme",
        f"{mine.incremental:.2f}",
        "EUR",
    )
    assert row["method_text"]
    assert D(row["low"]) <= D(row["incremental"]) <= D(row["high"])


def test_a_refused_estimate_says_why_in_the_callers_language(manager, estimates):
    refused = estimates[2]

    row = (
        client_for(manager)
        .get(route("impact-estimate-detail", refused.pk), HTTP_ACCEPT_LANGUAGE="fr")
        .json()
    )

    assert row["incremental"] is None and row["reason"] == "too_few_pre_months"
    with translation.override("fr"):
        assert row["reason_text"] == str(refused.reason_text)
    with translation.override("en"):
        assert row["reason_text"] != str(refused.reason_text)


def test_a_partner_reads_only_its_own_distributors_estimates(partner, estimates):
    mine, theirs, refused = estimates
    client = client_for(partner)

    rows = results(client.get(route("impact-estimate-list")))

    assert {row["id"] for row in rows} == {mine.pk, refused.pk}
    assert client.get(route("impact-estimate-detail", theirs.pk)).status_code == 404


def test_the_estimates_filter_by_kind_and_by_whether_they_were_made(manager, estimates):
    mine, theirs, refused = estimates
    client = client_for(manager)

    programmes = results(client.get(route("impact-estimate-list"), {"kind": "programme"}))
    made = results(client.get(route("impact-estimate-list"), {"made": "true"}))

    assert [row["id"] for row in programmes] == [refused.pk]
    assert {row["id"] for row in made} == {mine.pk, theirs.pk}
    assert client.get(route("impact-estimate-list"), {"kind": "raffle"}).status_code == 400
