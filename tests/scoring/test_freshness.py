"""A scorecard says which run its figures come from, and when revenue, investments or leads
changed after that run read them, it says so, until a new run takes them in."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from distributors import services as distributor_services
from distributors.models import RevenueRecord
from leads import services as lead_services
from tests import factories

from .conftest import run_now

pytestmark = pytest.mark.django_db


def note(client, url):
    body = client.get(url).content.decode()
    start = body.index('id="freshness"')
    return body[start : body.index("</div>", start)]


def test_a_revenue_change_after_the_run_is_said_on_the_scorecard_the_ranking_and_the_dashboard(
    channel, manager, partner, login, time_machine, django_capture_on_commit_callbacks
):
    run_now()
    pages = [
        (login(manager), reverse("scoring:scorecard", args=["acme"])),
        (login(manager), reverse("scoring:rankings")),
        (login(manager), reverse("scoring:dashboard")),
    ]
    for client, url in pages:
        shown = note(client, url)
        assert "Figures of the scoring run as of 15 Jun 2026" in shown
        assert 'data-stale="false"' in shown and "Changed since" not in shown

    time_machine.shift(60)
    with django_capture_on_commit_callbacks(execute=True):  # the stamp waits for the commit
        distributor_services.revenue_delete(
            record=RevenueRecord.objects.filter(distributor__code="bolt").first(), by=manager
        )
    cache.clear()  # the stamp outlives the cache
    for client, url in pages:
        shown = note(client, url)
        assert "Changed since this run: Revenue." in shown, url
        assert 'id="rerun-link"' in shown
    partner_note = note(login(partner), reverse("scoring:scorecard", args=["acme"]))
    assert "Changed since this run: Revenue." in partner_note
    assert 'id="rerun-link"' not in partner_note  # the partner reads; the manager re-runs

    time_machine.shift(60)
    run_now()
    assert "Changed since" not in note(login(manager), reverse("scoring:dashboard"))


def test_leads_moved_after_the_run_are_said_too(channel, manager, login, time_machine):
    run_now()
    time_machine.shift(60)
    source = factories.LeadSourceFactory(code="web")
    lead_services.lead_create(
        by=manager,
        source=source,
        external_ref="web-1",
        company="Brasserie du Port",
        country="DE",
        contact_name="Jeanne Martin",
        contact_email="jeanne@brasserie.example",
    )
    assert "Changed since this run: Leads." in note(
        login(manager), reverse("scoring:scorecard", args=["acme"])
    )


def test_the_note_reads_in_french(channel, manager, login):
    from distributors.models import UserProfile

    run_now()
    UserProfile.objects.update_or_create(user=manager, defaults={"language": "fr"})
    client = login(manager)
    client.cookies["django_language"] = "fr"
    shown = note(client, reverse("scoring:dashboard"))
    assert "Chiffres du calcul des scores au 15 juin 2026" in shown
