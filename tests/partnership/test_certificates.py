"""Certificates: the latest end of a person's completions of the courses giving a certification;
its status read the same way in SQL (the page's filter) and in Python (the badge)."""

import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnership import selectors, services
from partnership.models import Completion, certificate_status
from tests import factories

pytestmark = pytest.mark.django_db


def test_passing_again_renews_the_certificate(manager, rep, course, today):
    services.completion_record(
        user=rep, course=course, completed_on=datetime.date(2025, 6, 1), by=manager
    )
    rows = selectors.certificates_read(selectors.certificate_list(visible_to=manager), today)
    assert [(row["ends"], row["status"]) for row in rows] == [
        (datetime.date(2026, 5, 31), "expired")
    ]
    services.completion_record(
        user=rep, course=course, completed_on=datetime.date(2026, 6, 1), by=manager
    )
    rows = selectors.certificates_read(selectors.certificate_list(visible_to=manager), today)
    assert [(row["person"], row["ends"], row["status"]) for row in rows] == [
        ("Rita Rep", datetime.date(2027, 5, 31), "valid")
    ]


def test_a_partner_sees_only_its_own_peoples_certificates(
    manager, partner, outsider, rep, course, today
):
    services.completion_record(user=rep, course=course, completed_on=today, by=manager)
    services.completion_record(user=outsider, course=course, completed_on=today, by=manager)
    mine = selectors.certificate_list(visible_to=partner)
    assert {row["user"] for row in mine} == {rep.pk}
    theirs = selectors.certificate_list(visible_to=outsider)
    assert {row["user"] for row in theirs} == {outsider.pk}


def test_certified_people_count_only_valid_certificates_of_people_still_there(
    manager, rep, colleague, course, distributor, other_distributor, today
):
    services.completion_record(user=rep, course=course, completed_on=today, by=manager)
    services.completion_record(
        user=colleague, course=course, completed_on=datetime.date(2025, 1, 10), by=manager
    )
    assert selectors.certified_people(distributor_ids=[distributor.pk], today=today) == {
        distributor.pk: 1
    }
    rep.membership.distributor = other_distributor
    rep.membership.save()
    assert selectors.certified_people(distributor_ids=[distributor.pk], today=today) == {}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    ends=st.lists(
        st.one_of(st.none(), st.integers(min_value=-400, max_value=400)), min_size=1, max_size=4
    )
)
def test_the_status_filter_and_the_badge_agree(manager, course, ends):
    """Whatever ends a person's completions have, the status filter lists a certificate under
    exactly the status its badge shows."""
    today = datetime.date(2026, 6, 15)
    Completion.objects.all().delete()
    user = factories.MembershipFactory().user
    for index, offset in enumerate(ends):
        day = today - datetime.timedelta(days=500 + index)
        Completion.objects.create(
            user=user,
            distributor=user.membership.distributor,
            course=course,
            completed_on=day,
            expires_on=None if offset is None else today + datetime.timedelta(days=offset),
        )
    rows = selectors.certificates_read(selectors.certificate_list(visible_to=manager), today)
    assert len(rows) == 1
    known = [today + datetime.timedelta(days=o) for o in ends if o is not None]
    expected_end = None if None in ends else max(known)
    assert rows[0]["ends"] == expected_end
    assert rows[0]["status"] == certificate_status(expected_end, today)
    for status in ("valid", "expiring", "expired"):
        listed = selectors.status_filter(
            selectors.certificate_list(visible_to=manager), status, today
        )
        assert (listed.count() == 1) == (rows[0]["status"] == status)
