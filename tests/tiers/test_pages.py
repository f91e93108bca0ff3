"""The tiers' pages: the manager's tiers and proposals (decided there), a distributor's tier
history, and the partner's standing; nothing of another distributor's."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnership import services as partnership_services
from tests import factories
from tiers import services
from tiers.models import TierRequirement, TierReview

pytestmark = pytest.mark.django_db


def _rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_manager_sees_the_tiers_their_requirements_and_the_open_proposals(
    login, manager, proposed
):
    response = login(manager).get(reverse("tiers:overview"))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="tier-gold"' in text and "Certified people" in text
    assert "1 upgrade proposed" in text


def test_a_partner_or_an_outsider_gets_no_manager_page(login, partner, outsider, proposed):
    for user in (partner, outsider):
        client = login(user)
        for name, args in (
            ("tiers:overview", []),
            ("tiers:proposals", []),
            ("tiers:proposal", [proposed.pk]),
            ("tiers:history", ["acme"]),
            ("tiers:proposals-export", []),
        ):
            assert client.get(reverse(name, args=args)).status_code == 403, name


def test_the_manager_sets_a_requirement_from_the_page(login, manager, tiers):
    client = login(manager)
    response = client.post(
        reverse("tiers:requirement-save"),
        {"tier": tiers["silver"].pk, "key": "certified_reps", "threshold": "1"},
    )
    assert response.status_code == 302
    assert TierRequirement.objects.get(tier=tiers["silver"], key="certified_reps").threshold == 1
    bad = client.post(
        reverse("tiers:requirement-save"),
        {"tier": tiers["silver"].pk, "key": "agreement_accepted", "threshold": "3"},
    )
    assert bad.status_code == 400


def test_the_proposals_list_filters_and_exports_the_same_rows(login, manager, proposed):
    client = login(manager)
    page = client.get(reverse("tiers:proposals"), {"status": "proposed", "direction": "up"})
    assert page.status_code == 200 and b'data-distributor="acme"' in page.content
    none = client.get(reverse("tiers:proposals"), {"direction": "down"})
    assert b'data-distributor="acme"' not in none.content
    assert client.get(reverse("tiers:proposals"), {"status": "nope"}).status_code == 400
    rows = _rows(client.get(reverse("tiers:proposals-export"), {"status": "proposed"}))
    assert rows[1][1] == "acme" and rows[1][3:5] == ["silver", "gold"]
    xlsx = client.get(reverse("tiers:proposals-export"), {"format": "xlsx"})
    assert xlsx.status_code == 200


def test_the_proposals_list_asks_the_same_queries_for_more_rows(
    login, manager, proposed, tiers, today
):
    client = login(manager)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("tiers:proposals"))
    for _ in range(5):
        d = factories.DistributorFactory(tier=tiers["bronze"])
        TierReview.objects.create(
            distributor=d,
            current_tier=tiers["bronze"],
            proposed_tier=tiers["silver"],
            direction="up",
            as_of=today,
            proposed_at=proposed.proposed_at,
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("tiers:proposals"))
    assert len(many) == len(few)


def test_the_manager_confirms_a_proposal_and_the_tier_changes(
    login, manager, proposed, distributor, tiers
):
    client = login(manager)
    page = client.get(reverse("tiers:proposal", args=[proposed.pk]))
    assert page.status_code == 200 and b'id="decision-form"' in page.content
    assert b'data-key="certified_reps"' in page.content
    response = client.post(reverse("tiers:proposal", args=[proposed.pk]), {"decision": "confirm"})
    assert response.status_code == 302
    distributor.refresh_from_db()
    assert distributor.tier == tiers["gold"]
    after = client.get(reverse("tiers:proposal", args=[proposed.pk]))
    assert b'id="decision-form"' not in after.content and b'id="decision"' in after.content
    history = client.get(reverse("tiers:history", args=["acme"]))
    assert b'data-status="confirmed"' in history.content


def test_overriding_without_a_reason_is_refused_on_the_page(
    login, manager, proposed, distributor, tiers
):
    client = login(manager)
    response = client.post(
        reverse("tiers:proposal", args=[proposed.pk]), {"decision": "override", "reason": ""}
    )
    assert response.status_code == 400
    assert b"Say why" in response.content
    proposed.refresh_from_db()
    assert proposed.status == "proposed"


def test_the_partner_reads_what_it_takes_for_the_next_tier(
    login, partner, tiers, distributor, revenue, certify, today
):
    revenue(distributor, 60000)
    certify(distributor, 1)
    response = login(partner).get(reverse("tiers:mine"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Your tier: Silver" in text and "Next tier: Gold" in text
    # 11 months of the window stay in it next month: 55,000; 45,000 more by 30 June.
    assert "To reach Gold: 1 more certified rep and €45,000 of revenue by 30 June 2026." in text


def test_with_the_move_proposed_the_partner_reads_that_it_waits_for_a_decision(
    login, partner, proposed
):
    text = login(partner).get(reverse("tiers:mine")).content.decode()
    # acme meets gold: the upgrade is proposed, not left for a next requalification.
    assert 'id="open-proposal"' in text
    assert "the move is proposed and waits for the manufacturer&#x27;s decision" in text
    assert "the next requalification proposes it" not in text


def test_the_agreement_line_reads_yes_or_no_and_what_it_takes(
    login, manager, partner, tiers, distributor, revenue, certify
):
    partnership_services.agreement_publish(by=manager, title="Partner agreement", body="Terms.")
    services.requirement_save(
        by=manager, tier=tiers["gold"], key="agreement_accepted", threshold="1"
    )
    text = login(partner).get(reverse("tiers:mine")).content.decode()
    line = text[text.index('data-key="agreement_accepted"') :]
    line = line[: line.index("</li>")]
    assert "no · needs the current partner agreement accepted" in " ".join(line.split())
    assert "at least" not in line


def test_the_partner_page_is_french_for_a_french_reader(
    login, partner, tiers, distributor, revenue, today
):
    revenue(distributor, 60000)
    client = login(partner)
    response = client.get(reverse("tiers:mine"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200


def test_the_partner_page_shows_only_its_own_distributor(
    login, outsider, proposed, tiers, distributor
):
    response = login(outsider).get(reverse("tiers:mine"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "acme" not in text and "Acme" not in text
    assert 'id="open-proposal"' not in text


def test_the_manager_gets_no_partner_page(login, manager, tiers):
    assert login(manager).get(reverse("tiers:mine")).status_code == 403


def test_the_record_shows_the_pending_proposal_with_a_link(login, manager, proposed):
    response = login(manager).get(reverse("distributors:detail", args=["acme"]))
    assert response.status_code == 200
    assert reverse("tiers:proposal", args=[proposed.pk]).encode() in response.content


def test_a_decided_proposal_is_no_longer_waiting(manager, proposed):
    from distributors import record

    todos = record.todos(manager, scope="all")
    assert any(todo.key == "tier_changes" and todo.count == 1 for todo in todos)
    services.review_confirm(review=proposed, by=manager)
    assert not any(todo.key == "tier_changes" for todo in record.todos(manager, scope="all"))


def test_the_dashboard_counts_the_managers_own_proposals_and_each_count_is_its_list(
    login, manager, proposed, distributor, other_distributor, tiers, revenue, certify, today
):
    from distributors import record

    revenue(other_distributor, 120000)
    certify(other_distributor, 2)
    services.tiers_requalify(as_of=today)
    distributor.account_manager = manager
    distributor.save()
    client = login(manager)
    for scope, count in (("mine", 1), ("all", 2)):
        todo = next(t for t in record.todos(manager, scope=scope) if t.key == "tier_changes")
        assert todo.count == count
        page = client.get(todo.url)
        assert page.status_code == 200 and page.context["page"].paginator.count == count
