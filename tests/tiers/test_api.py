"""/api/v1/tier-requirements/, tier-proposals/ and tier-standing/: the manufacturer sets the
requirements and decides the proposals; a partner reads the requirements, its own proposals and
its own standing, nothing of another distributor's."""

import pytest

from tests.funds.api import client_for, refused, results, route
from tiers.models import TierRequirement

pytestmark = pytest.mark.django_db

REQUIREMENTS = route("tier-requirement-list")
PROPOSALS = route("tier-proposal-list")
STANDING = route("tier-standing")


def test_every_portal_user_reads_the_requirements(partner, tiers):
    rows = results(client_for(partner).get(REQUIREMENTS))
    assert {(row["tier"], row["key"]) for row in rows} == {
        ("gold", "revenue_12m"),
        ("gold", "certified_reps"),
        ("silver", "revenue_12m"),
    }


def test_the_manager_sets_a_requirement_and_a_partner_may_not(manager, partner, tiers):
    body = {"tier": "silver", "key": "growth", "threshold": "5.00"}
    created = client_for(manager).post(REQUIREMENTS, body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["unit"] == "percent"
    refused(client_for(partner).post(REQUIREMENTS, body, format="json"), 403)
    refused(
        client_for(manager).post(REQUIREMENTS, {**body, "key": "nope"}, format="json"),
        400,
        "key",
    )
    requirement = TierRequirement.objects.get(tier__code="silver", key="growth")
    refused(client_for(partner).delete(route("tier-requirement-detail", requirement.pk)), 403)
    assert (
        client_for(manager).delete(route("tier-requirement-detail", requirement.pk)).status_code
        == 204
    )


def test_a_partner_sees_its_own_proposals_only(partner, outsider, manager, proposed):
    assert [row["distributor"] for row in results(client_for(partner).get(PROPOSALS))] == ["acme"]
    assert results(client_for(outsider).get(PROPOSALS)) == []
    refused(client_for(outsider).get(route("tier-proposal-detail", proposed.pk)), 404)
    row = results(client_for(manager).get(PROPOSALS, {"status": "proposed"}))[0]
    assert row["figures"]["revenue_12m"]["earned"] == "100000.00"


def test_the_manager_confirms_over_the_api_and_a_partner_may_not(
    partner, manager, proposed, distributor, tiers
):
    refused(client_for(partner).post(route("tier-proposal-confirm", proposed.pk)), 403)
    response = client_for(manager).post(
        route("tier-proposal-confirm", proposed.pk), {}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed"
    distributor.refresh_from_db()
    assert distributor.tier == tiers["gold"]
    refused(client_for(manager).post(route("tier-proposal-confirm", proposed.pk)), 400)


def test_an_override_needs_a_reason_over_the_api(manager, proposed):
    url = route("tier-proposal-override", proposed.pk)
    refused(client_for(manager).post(url, {"reason": ""}, format="json"), 400, "reason")
    done = client_for(manager).post(url, {"reason": "Not yet", "tier": "bronze"}, format="json")
    assert done.status_code == 200 and done.json()["tier_set"] == "bronze"


def test_the_partner_reads_its_standing(partner, proposed, today):
    body = client_for(partner).get(STANDING).json()
    assert body["distributor"] == "acme" and body["tier"] == "silver"
    assert body["earned_tier"] == "gold" and body["next_tier"] == "gold"
    assert all(line["met"] for line in body["next_requirements"])
    assert body["open_proposal"] == proposed.pk


def test_the_standing_is_a_partners_alone(manager, nobody, api_client):
    refused(client_for(manager).get(STANDING), 403)
    refused(client_for(nobody).get(STANDING), 403)
    assert api_client.get(STANDING).status_code == 401
