"""The daily job tells each account manager, once per contract end and in their own language,
that a contract of theirs is due for renewal; a renewed contract is told about again."""

import datetime

import pytest
from django.test import override_settings

from distributors import services
from distributors.models import Distributor
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def ending(today, manager, distributor):
    distributor.account_manager = manager
    distributor.status = Distributor.Status.ACTIVE
    distributor.contract_start = datetime.date(2024, 1, 1)
    distributor.contract_end = today + datetime.timedelta(days=20)
    distributor.save()
    return distributor


def notices(user):
    return Notification.objects.filter(recipient=user, kind="contract_renewal")


@override_settings(CONTRACT_RENEWAL_DAYS=30)
def test_the_account_manager_is_told_once_per_contract_end(today, manager, ending):
    assert services.contract_renewals_notify(today=today) == 1
    assert services.contract_renewals_notify(today=today) == 0
    [notice] = notices(manager)
    assert ending.name in notice.subject and "20 days left" in notice.body
    assert notice.link == ending.get_absolute_url()
    ending.contract_end = today + datetime.timedelta(days=25)  # renewed for a few more days
    ending.save()
    assert services.contract_renewals_notify(today=today) == 1
    assert notices(manager).count() == 2


@override_settings(CONTRACT_RENEWAL_DAYS=10)
def test_a_contract_further_off_than_the_set_days_waits(today, manager, ending):
    assert services.contract_renewals_notify(today=today) == 0
    assert not notices(manager).exists()


@override_settings(CONTRACT_RENEWAL_DAYS=30)
def test_no_one_is_told_of_a_terminated_distributor_or_one_without_a_manager(
    today, manager, ending
):
    Distributor.objects.filter(pk=ending.pk).update(status=Distributor.Status.TERMINATED)
    other = factories.DistributorFactory(
        code="lone", contract_start=datetime.date(2024, 1, 1), contract_end=ending.contract_end
    )
    assert other.account_manager is None
    assert services.contract_renewals_notify(today=today) == 0


@override_settings(CONTRACT_RENEWAL_DAYS=30)
def test_the_notice_reads_in_the_managers_language(today, manager, ending):
    from identity.models import UserProfile

    UserProfile.objects.update_or_create(user=manager, defaults={"language": "fr"})
    services.contract_renewals_notify(today=today)
    [notice] = notices(manager)
    # "de" elided before the distributor's name (Acme…): French grammar, not only words.
    assert notice.subject.startswith("Le contrat d'Acme ") and "20 jours restants" in notice.body
