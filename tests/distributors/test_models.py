"""Single-row rules of the distributors models and the scoping of every manager."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from distributors.models import Distributor, ImportBatch, Investment, RevenueRecord, Territory
from identity.access import MANUFACTURER_ADMINS, Role, user_role
from identity.models import Membership
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        ("onboarding", "active", True),
        ("active", "probation", True),
        ("probation", "active", True),
        ("active", "onboarding", False),
        ("terminated", "active", False),
    ],
)
def test_status_transitions(start, target, allowed):
    assert Distributor(status=start).can_move_to(target) is allowed


def test_a_contract_cannot_end_before_it_starts(distributor):
    distributor.contract_end = datetime.date(2020, 1, 1)
    with pytest.raises(ValidationError) as error:
        distributor.full_clean()
    assert "contract_end" in error.value.message_dict


def test_revenue_without_category_is_unique_per_distributor_month_and_line(distributor):
    line = factories.ProductLineFactory()
    factories.RevenueRecordFactory(distributor=distributor, product_line=line)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.RevenueRecordFactory(distributor=distributor, product_line=line)


def test_revenue_with_a_category_may_sit_beside_the_uncategorised_row(distributor):
    line = factories.ProductLineFactory()
    factories.RevenueRecordFactory(distributor=distributor, product_line=line)
    factories.RevenueRecordFactory(
        distributor=distributor,
        product_line=line,
        customer_category=factories.CustomerCategoryFactory(),
    )
    assert RevenueRecord.objects.count() == 2


def test_an_import_is_running_until_it_is_checked_or_committed():
    assert ImportBatch(status=ImportBatch.Status.VALIDATING).is_running
    assert ImportBatch(status=ImportBatch.Status.COMMITTING).is_running
    assert not ImportBatch(status=ImportBatch.Status.VALIDATED).is_running


@pytest.fixture
def both_sides(distributor, other_distributor, partner, outsider):
    territory = factories.TerritoryFactory()
    distributor.territories.add(territory)
    other_distributor.territories.add(factories.TerritoryFactory())
    for d in (distributor, other_distributor):
        factories.RevenueRecordFactory(distributor=d)
        factories.InvestmentFactory(distributor=d)
        ImportBatch.objects.create(
            kind="revenue", filename="f.csv", content=b"", uploaded_by=partner, distributor=d
        )
    return distributor


@pytest.mark.parametrize(
    "model", [Distributor, Territory, Membership, RevenueRecord, Investment, ImportBatch]
)
def test_partner_sees_only_its_own_distributors_rows(both_sides, partner, colleague, model):
    for user in (partner, colleague):
        rows = model.objects.visible_to(user)
        assert rows.exists()
        owner = (
            "pk"
            if model is Distributor
            else ("distributors" if model is Territory else "distributor")
        )
        assert set(rows.values_list(owner, flat=True)) == {both_sides.pk}


@pytest.mark.parametrize("model", [Distributor, Territory, RevenueRecord, Investment])
def test_manager_sees_every_row_and_a_user_without_role_none(both_sides, manager, nobody, model):
    assert model.objects.visible_to(manager).count() == model.objects.count()
    assert model.objects.visible_to(nobody).count() == 0


def test_a_partner_with_a_staff_flag_is_still_scoped(both_sides, partner):
    partner.is_staff = True
    partner.save()
    partner.refresh_from_db()
    assert list(Distributor.objects.visible_to(partner)) == [both_sides]


def test_a_staff_flag_alone_gives_no_manufacturer_role(both_sides):
    staff_only = factories.UserFactory(username="staff-only", is_staff=True)

    assert user_role(staff_only) is None
    assert Distributor.objects.visible_to(staff_only).count() == 0


def test_the_channel_managers_group_makes_a_manager_and_the_admins_group_an_admin(db):
    manager = factories.ManagerFactory(username="grouped-manager")
    admin = factories.UserFactory(username="grouped-admin")
    admin.groups.add(Group.objects.get_or_create(name=MANUFACTURER_ADMINS)[0])

    assert (user_role(manager), user_role(admin)) == (Role.MANAGER, Role.ADMIN)
