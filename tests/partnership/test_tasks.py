import datetime

import pytest

from notifications.models import Notification
from partnership import services, tasks

pytestmark = pytest.mark.django_db


def test_a_certificate_ending_soon_is_told_once_to_its_holder_and_partner_admins(
    manager, partner, rep, course, today
):
    services.completion_record(
        user=rep, course=course, completed_on=today - datetime.timedelta(days=330), by=manager
    )
    assert tasks.certificates_expiring_notify() == 1
    told = Notification.objects.filter(kind="certificate_expiring")
    assert {n.recipient for n in told} == {rep, partner}
    assert "Certified installer" in told.first().subject
    assert tasks.certificates_expiring_notify() == 0


def test_a_renewed_certificate_is_not_told_of(manager, rep, course, today):
    services.completion_record(
        user=rep, course=course, completed_on=today - datetime.timedelta(days=330), by=manager
    )
    services.completion_record(user=rep, course=course, completed_on=today, by=manager)
    assert tasks.certificates_expiring_notify() == 0
