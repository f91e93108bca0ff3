"""Services that write tiers and territories: manufacturer only, checked, deleted only unused."""

import pytest

from distributors import services
from distributors.models import Territory, Tier
from drm.countries import country_codes
from drm.errors import NotAllowed, ValidationFailed
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_country_list_holds_isos_249_codes_and_no_cldr_grouping():
    codes = country_codes()
    assert len(codes) == 249
    assert {"DE", "FR", "US", "GB", "CH"} <= codes
    assert not {"EU", "UN", "ZZ", "XK", "de"} & codes


def test_manager_creates_a_tier(manager):
    services.tier_save(tier=Tier(code="gold", name="Gold", rank=1), by=manager)

    assert Tier.objects.get(code="gold").rank == 1


def test_a_second_tier_with_a_taken_rank_is_refused_on_rank(manager):
    factories.TierFactory(code="gold", rank=1)

    with pytest.raises(ValidationFailed) as caught:
        services.tier_save(tier=Tier(code="silver", name="Silver", rank=1), by=manager)

    assert caught.value.field == "rank"
    assert not Tier.objects.filter(code="silver").exists()


@pytest.mark.parametrize("persona", ["partner", "nobody"])
def test_only_the_manufacturer_may_save_or_delete_tiers(request, persona):
    user = request.getfixturevalue(persona)
    tier = factories.TierFactory(code="gold")

    with pytest.raises(NotAllowed):
        services.tier_save(tier=Tier(code="silver", name="Silver", rank=99), by=user)
    with pytest.raises(NotAllowed):
        services.tier_delete(tier=tier, by=user)
    assert Tier.objects.filter(code="gold").exists()
    assert not Tier.objects.filter(code="silver").exists()


def test_an_unused_tier_is_deleted(manager):
    tier = factories.TierFactory(code="gold")

    services.tier_delete(tier=tier, by=manager)

    assert not Tier.objects.filter(code="gold").exists()


def test_a_tier_with_distributors_is_not_deleted_and_the_message_names_them(manager, distributor):
    with pytest.raises(ValidationFailed) as caught:
        services.tier_delete(tier=distributor.tier, by=manager)

    assert "acme" in caught.value.message
    assert "Nothing was deleted" in caught.value.message
    assert Tier.objects.filter(pk=distributor.tier_id).exists()


@pytest.mark.parametrize("country", ["de", "XX", "EU", "DEU", ""])
def test_a_territory_country_must_be_an_upper_case_iso_code(manager, country):
    territory = Territory(code="north", name="North", country=country)

    with pytest.raises(ValidationFailed) as caught:
        services.territory_save(territory=territory, by=manager)

    assert caught.value.field == "country"
    assert not Territory.objects.exists()


def test_manager_creates_and_renames_a_territory(manager):
    territory = services.territory_save(
        territory=Territory(code="north", name="North", country="DE", region="Europe"),
        by=manager,
    )
    territory.name = "Northern Germany"
    services.territory_save(territory=territory, by=manager)

    assert Territory.objects.get(code="north").name == "Northern Germany"


def test_partner_cannot_save_a_territory(partner):
    with pytest.raises(NotAllowed):
        services.territory_save(
            territory=Territory(code="north", name="North", country="DE"), by=partner
        )


def test_an_uncovered_territory_is_deleted(manager):
    territory = factories.TerritoryFactory(code="north")

    services.territory_delete(territory=territory, by=manager)

    assert not Territory.objects.exists()


def test_a_covered_territory_is_not_deleted_nor_unlinked(manager, distributor):
    territory = factories.TerritoryFactory(code="north")
    distributor.territories.add(territory)

    with pytest.raises(ValidationFailed) as caught:
        services.territory_delete(territory=territory, by=manager)

    assert "acme" in caught.value.message
    assert list(distributor.territories.all()) == [territory]
