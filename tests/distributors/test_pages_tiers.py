"""/tiers/: the manufacturer lists, creates, edits and deletes tiers; partners get 403."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from distributors.models import Tier
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def gold(db):
    return factories.TierFactory(code="gold", name="Gold", rank=1)


def test_manager_lists_tiers_by_rank_with_their_distributor_count(login, manager, gold):
    factories.TierFactory(code="silver", name="Silver", rank=2)
    factories.DistributorFactory.create_batch(2, tier=gold)

    response = login(manager).get(reverse("distributors:tiers"))

    assert response.status_code == 200
    tiers = list(response.context["tiers"])
    assert [(t.code, t.distributor_count) for t in tiers] == [("gold", 2), ("silver", 0)]
    assert reverse("distributors:tier-edit", args=["gold"]).encode() in response.content


def test_tier_list_query_count_does_not_grow_with_rows(login, manager):
    client = login(manager)
    factories.TierFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("distributors:tiers"))
    factories.TierFactory.create_batch(15)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("distributors:tiers"))
    assert len(many) == len(few)


def test_the_nav_links_tiers_and_territories_for_managers_only(login, manager, partner):
    page = login(manager).get(reverse("distributors:list")).content
    assert reverse("distributors:tiers").encode() in page
    assert reverse("distributors:territories").encode() in page

    page = login(partner).get(reverse("distributors:mine")).content
    # (A partner's "Our tier" is /programme/tiers/mine/: the settings' links are named whole.)
    assert f'href="{reverse("distributors:tiers")}"'.encode() not in page
    assert f'href="{reverse("distributors:territories")}"'.encode() not in page


def test_manager_creates_a_tier(login, manager):
    assert login(manager).get(reverse("distributors:tier-create")).status_code == 200

    response = login(manager).post(
        reverse("distributors:tier-create"), {"code": "gold", "name": "Gold", "rank": 1}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("distributors:tiers")
    assert Tier.objects.get(code="gold").name == "Gold"


def test_a_taken_rank_is_shown_on_the_rank_field_and_nothing_is_saved(login, manager, gold):
    response = login(manager).post(
        reverse("distributors:tier-create"), {"code": "silver", "name": "Silver", "rank": 1}
    )

    assert response.status_code == 200
    assert "rank" in response.context["form"].errors
    assert not Tier.objects.filter(code="silver").exists()


def test_manager_renames_a_tier_but_cannot_change_its_code(login, manager, gold):
    response = login(manager).post(
        reverse("distributors:tier-edit", args=["gold"]),
        {"code": "platinum", "name": "Gold Plus", "rank": 1},
    )

    assert response.status_code == 302
    gold.refresh_from_db()
    assert (gold.code, gold.name) == ("gold", "Gold Plus")


def test_manager_deletes_an_unused_tier(login, manager, gold):
    response = login(manager).post(reverse("distributors:tier-delete", args=["gold"]))

    assert response.status_code == 302
    assert not Tier.objects.filter(code="gold").exists()


def test_deleting_a_tier_in_use_shows_why_and_deletes_nothing(login, manager, gold):
    factories.DistributorFactory(code="acme", tier=gold)

    response = login(manager).post(reverse("distributors:tier-delete", args=["gold"]), follow=True)

    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("Gold is still in use (distributors: acme")
    assert Tier.objects.filter(code="gold").exists()


def test_delete_answers_only_post(login, manager, gold):
    response = login(manager).get(reverse("distributors:tier-delete", args=["gold"]))

    assert response.status_code == 405
    assert Tier.objects.filter(code="gold").exists()


def test_an_unknown_tier_is_a_404(login, manager):
    assert login(manager).get(reverse("distributors:tier-edit", args=["nope"])).status_code == 404


@pytest.mark.parametrize("persona", ["partner", "outsider", "nobody"])
def test_only_manufacturer_staff_may_use_the_tier_pages(login, request, persona, gold):
    client = login(request.getfixturevalue(persona))

    assert client.get(reverse("distributors:tiers")).status_code == 403
    assert client.get(reverse("distributors:tier-create")).status_code == 403
    assert (
        client.post(
            reverse("distributors:tier-create"), {"code": "x", "name": "X", "rank": 9}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("distributors:tier-edit", args=["gold"]),
            {"code": "gold", "name": "Hacked", "rank": 1},
        ).status_code
        == 403
    )
    assert client.post(reverse("distributors:tier-delete", args=["gold"])).status_code == 403
    gold.refresh_from_db()
    assert gold.name == "Gold"
    assert not Tier.objects.filter(code="x").exists()


def test_anonymous_is_sent_to_login_from_the_tier_pages(client):
    response = client.get(reverse("distributors:tiers"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
