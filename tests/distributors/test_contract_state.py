"""A contract's state has one rule: the state a page shows for one distributor and the filter that
lists distributors in that state agree, for any dates."""

import datetime

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distributors.models import Distributor

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
dates = st.one_of(st.none(), st.dates(datetime.date(2025, 1, 1), datetime.date(2028, 1, 1)))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(start=dates, end=dates)
def test_a_contracts_state_is_the_one_its_filter_finds(distributor, start, end):
    if start and end and end < start:
        start, end = end, start
    Distributor.objects.filter(pk=distributor.pk).update(contract_start=start, contract_end=end)
    distributor.refresh_from_db()
    state = distributor.contract_state(TODAY)
    found = [
        value
        for value in Distributor.Contract.values
        if Distributor.objects.filter(Distributor.contract_q(value, TODAY), pk=distributor.pk)
    ]
    assert found == [state]


@override_settings(CONTRACT_RENEWAL_DAYS=30)
def test_renewal_is_due_within_the_set_days_and_an_ended_contract_says_so(distributor):
    distributor.contract_start = datetime.date(2024, 1, 1)
    distributor.contract_end = TODAY + datetime.timedelta(days=30)
    assert distributor.contract_state(TODAY) == Distributor.Contract.RENEWAL_DUE
    assert distributor.contract_days_left(TODAY) == 30
    distributor.contract_end = TODAY + datetime.timedelta(days=31)
    assert distributor.contract_state(TODAY) == Distributor.Contract.RUNNING
    distributor.contract_end = TODAY - datetime.timedelta(days=1)
    assert distributor.contract_state(TODAY) == Distributor.Contract.ENDED
    assert distributor.contract_days_left(TODAY) == -1
