"""The demo_leads command: a consistent world of leads, stories that show, and no duplicates."""

import datetime
from collections import Counter, defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, DateField, Q, Sum
from django.db.models.functions import TruncMonth
from django.test import override_settings
from django.utils import timezone

from distributors.models import Distributor
from drm.periods import MonthRange
from leads import demo, pricing, rollups, selectors
from leads.models import (
    CriteriaAcknowledgement,
    CriteriaVersion,
    DealRegistration,
    Lead,
    LeadEvent,
    LeadExclusion,
    LeadQualification,
    LeadRejection,
    LeadRollup,
    LeadSource,
    Material,
    MaterialFeedback,
    RoutingDecision,
)
from tests import factories

pytestmark = pytest.mark.django_db

LEADS = 1500
MODELS = (
    Lead,
    LeadEvent,
    LeadRejection,
    LeadExclusion,
    RoutingDecision,
    LeadQualification,
    DealRegistration,
    LeadSource,
    CriteriaVersion,
    CriteriaAcknowledgement,
    Material,
    MaterialFeedback,
)


def load(*args):
    out = StringIO()
    call_command("demo_leads", "--leads", str(LEADS), "--quiet", *args, stdout=out)
    return out.getvalue()


def row_counts():
    return {model._meta.label: model.objects.count() for model in MODELS}


def rollup_snapshot():
    rows = LeadRollup.objects.filter(count__gt=0).values_list(
        "grain", "distributor_id", "month", "source_id", "stage", "reason", "bucket", "count"
    )
    # No distributor (the channel grain) or no source (the distributor grain) sorts first.
    return sorted(rows, key=lambda row: tuple(-1 if value is None else value for value in row))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo channel and its leads, loaded once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo_data", "--quiet", stdout=StringIO())
        output = load()
        yield output
        transaction.set_rollback(True)


def events_by_lead():
    chains = defaultdict(list)
    for row in LeadEvent.objects.order_by("lead_id", "at", "id").values(
        "lead_id", "at", "from_status", "to_status", "distributor_id", "cause", "reason"
    ):
        chains[row["lead_id"]].append(row)
    return chains


def on_time_share(code):
    events = LeadEvent.objects.filter(distributor__code=code)
    counts = events.aggregate(
        assigned=Count("id", filter=Q(to_status="assigned")),
        on_time=Count("id", filter=Q(to_status="accepted", late=False)),
    )
    assert counts["assigned"] > 20, code
    return counts["on_time"] / counts["assigned"]


# First in the file: the module's demo world is not loaded yet.
def test_demo_leads_needs_the_demo_channel(db):
    with pytest.raises(CommandError, match="demo_data"):
        load()


def test_the_command_loads_about_the_leads_asked_for_from_several_sources(world):
    leads = demo.demo_leads()

    assert (
        LEADS <= leads.count() <= LEADS + 80
    )  # the deal registrations and the sales desk's top-up
    assert "Demo leads:" in world
    sources = set(leads.values_list("source__code", flat=True).distinct())
    assert {"website", "google-ads-pumps", "partner-webinar", "partner-registered"} <= sources
    assert len(sources) >= 8
    assert any(code.startswith("hannover-messe-") for code in sources)


def test_every_lead_lives_a_legal_chain_of_events_ending_in_its_status(world):
    chains = events_by_lead()
    leads = Lead.objects.values_list("pk", "status")

    for pk, status in leads:
        chain = chains[pk]
        assert chain, pk
        assert chain[0]["from_status"] == "", pk
        for before, after in zip(chain, chain[1:], strict=False):
            assert after["from_status"] == before["to_status"], pk
        for event in chain[1:]:
            moves = Lead.TRANSITIONS[Lead.Status(event["from_status"])]
            assert event["to_status"] in moves, (pk, event)
        assert chain[-1]["to_status"] == status, pk


def test_the_lead_fields_are_what_its_events_imply(world):
    chains = events_by_lead()
    hours = dict(Distributor.objects.values_list("pk", "tier__accept_hours"))

    for lead in Lead.objects.all():
        chain = chains[lead.pk]
        last = chain[-1]
        handovers = [event for event in chain if event["to_status"] == "assigned"]
        assert lead.created_at == chain[0]["at"]
        if lead.status in Lead.OWNED:
            assert lead.distributor_id == handovers[-1]["distributor_id"], lead.pk
            assert lead.assigned_at == handovers[-1]["at"], lead.pk
            deadline = lead.assigned_at + datetime.timedelta(hours=hours[lead.distributor_id])
            assert lead.accept_deadline == deadline, lead.pk
        if lead.status in ("accepted", "dql", "opportunity", "won"):
            assert lead.owner_id is not None, lead.pk
        if lead.status in ("new", "mql"):
            assert lead.distributor_id is None and lead.assigned_at is None, lead.pk
            assert (lead.escalated_at is not None) == (last["cause"] == "escalated"), lead.pk
            if lead.escalated_at:
                assert lead.escalated_at == last["at"]
        if lead.status == "opportunity":
            assert lead.opportunity_value and lead.expected_close, lead.pk
        if lead.status == "won":
            assert lead.won_value and lead.closed_at == last["at"], lead.pk
        if lead.status == "lost":
            assert lead.lost_reason == last["reason"] and lead.closed_at == last["at"], lead.pk


def test_every_answer_rejection_and_expiry_leaves_the_rows_the_services_write(world):
    rejected = LeadEvent.objects.filter(cause="rejected")
    rejections = set(LeadRejection.objects.values_list("lead_id", "distributor_id", "reason"))
    exclusions = set(LeadExclusion.objects.values_list("lead_id", "distributor_id", "cause"))

    assert set(rejected.values_list("lead_id", "distributor_id", "reason")) == rejections
    assert {(lead, dist, "rejected") for lead, dist, _ in rejections} <= exclusions
    for lead, dist in LeadEvent.objects.filter(cause__in=["expired", "escalated"]).values_list(
        "lead_id", "distributor_id"
    ):
        assert (lead, dist, "expired") in exclusions
    answers = LeadEvent.objects.filter(Q(to_status="accepted") | Q(cause="rejected"))
    assert not answers.filter(waited_hours=None).exists()
    assert not LeadEvent.objects.filter(cause="expired", late=False).exists()
    # every hand-over by the rules or by hand is explained
    handed = LeadEvent.objects.filter(cause__in=["routed", "manual"]).count()
    assert RoutingDecision.objects.exclude(distributor=None).count() == handed


def test_qualifications_answer_the_criteria_version_current_at_the_time(world):
    v1, v2 = CriteriaVersion.objects.order_by("number")

    assert v1.published_at < v2.published_at
    assert v2.items.count() == v1.items.count() + 1
    dqls = dict(LeadEvent.objects.filter(to_status="dql").values_list("lead_id", "at"))
    qualifications = LeadQualification.objects.all()
    assert qualifications.count() == len(dqls)
    for qualification in qualifications:
        assert qualification.at == dqls[qualification.lead_id]
        expected = v2 if qualification.at >= v2.published_at else v1
        assert qualification.version_id == expected.pk
        assert qualification.at >= v1.published_at
    acknowledged = CriteriaAcknowledgement.objects.filter(version=v2).count()
    assert 0 < acknowledged < Distributor.objects.count()
    # each acknowledged while it was the current version
    for acknowledgement in CriteriaAcknowledgement.objects.select_related("version"):
        replaced = v2.published_at if acknowledgement.version == v1 else timezone.now()
        assert acknowledgement.version.published_at < acknowledgement.at < replaced


def test_the_rollups_equal_a_recount_and_a_direct_count_of_the_events(world):
    kept = rollup_snapshot()
    assert kept

    rollups.rollups_rebuild()

    assert rollup_snapshot() == kept
    direct = Counter(
        {
            (row["distributor_id"], row["month"], row["to_status"]): row["n"]
            for row in LeadEvent.objects.exclude(distributor=None)
            .annotate(month=TruncMonth("at", output_field=DateField()))
            .values("distributor_id", "month", "to_status")
            .annotate(n=Count("id"))
        }
    )
    rolled = {
        (row["distributor_id"], row["month"], row["stage"]): row["n"]
        for row in LeadRollup.objects.filter(
            grain=LeadRollup.Grain.DISTRIBUTOR, stage__in=["assigned", "accepted", "won"]
        )
        .values("distributor_id", "month", "stage")
        .annotate(n=Sum("count"))
    }
    for key, count in rolled.items():
        assert direct[key] == count, key


def test_won_values_have_a_currency_and_a_rate_and_the_rollups_price_them_as_the_leads_do(world):
    valued = Lead.objects.filter(Q(opportunity_value__isnull=False) | Q(won_value__isnull=False))
    # As lead_convert gives it: a lead valued without a currency takes its distributor's.
    assert valued.exists() and not valued.filter(currency="").exists()
    assert valued.exclude(distributor=None).exists()
    months = MonthRange(first=datetime.date(2000, 1, 1), last=datetime.date(2100, 1, 1))
    from_rollups = pricing.won_values(months=months)
    from_leads = defaultdict(lambda: [Decimal(0), 0, 0])
    for distributor_id, *_where, won in pricing.won_lead_values(
        first=months.first, end=months.end, distributor_ids=list(from_rollups)
    ):
        totals = from_leads[distributor_id]
        totals[0] += won.value
        totals[1] += won.leads
        totals[2] += won.unpriced
    assert from_rollups
    for distributor_id, won in from_rollups.items():
        assert [won.value, won.leads, won.unpriced] == from_leads[distributor_id], distributor_id
        # The demo loads a rate for every currency and month it wins in.
        assert won.unpriced == 0, distributor_id


def test_the_wrong_territory_distributor_rejects_most_of_its_leads_as_not_in_territory(world):
    wrong = Distributor.objects.get(code=demo.WRONG_TERRITORY)
    reasons = Counter(
        LeadRejection.objects.filter(distributor=wrong).values_list("reason", flat=True)
    )
    handed = LeadEvent.objects.filter(distributor=wrong, to_status="assigned").count()

    assert set(wrong.territories.values_list("country", flat=True)) == {"NL", "DE"}
    # The demo is drawn for the real minute: over 52 minutes, 80 to 100 % of its 15 to 45
    # rejections were "not in territory", and they were 44 to 69 % of its leads. The bounds
    # leave room for a draw the sample did not meet (0.8 and 0.4 failed once).
    assert reasons["not_in_territory"] >= 0.7 * sum(reasons.values())
    assert sum(reasons.values()) >= 0.33 * handed
    others = LeadRejection.objects.exclude(distributor=wrong)
    assert others.filter(reason="not_in_territory").count() < 0.15 * others.count()


def test_the_slow_distributor_accepts_far_fewer_leads_on_time_than_the_fast_one(world):
    fast, slow = on_time_share(demo.FAST), on_time_share(demo.SLOW)

    assert fast >= 0.7
    assert slow <= fast / 2
    # the slow one's leads expire and go elsewhere; the rollups count them
    expired = {
        code: LeadRollup.objects.filter(
            grain=LeadRollup.Grain.DISTRIBUTOR, distributor__code=code, stage="expired"
        ).aggregate(n=Sum("count"))["n"]
        or 0
        for code in (demo.FAST, demo.SLOW)
    }
    assert expired[demo.SLOW] > 5 * max(1, expired[demo.FAST])
    assert LeadEvent.objects.filter(cause="escalated").exists()


def test_one_campaign_brings_mostly_junk(world):
    reasons = Counter(
        LeadRejection.objects.filter(lead__source__code="linkedin-giveaway").values_list(
            "reason", flat=True
        )
    )
    giveaway = Lead.objects.filter(source__code="linkedin-giveaway").count()

    assert reasons["no_need"] + reasons["spam"] >= 0.5 * giveaway


def test_the_recent_weeks_are_live(world):
    now = timezone.now()
    waiting = Lead.objects.filter(status="assigned")

    assert waiting.filter(accept_deadline__gt=now).count() >= 20
    assert waiting.filter(accept_deadline__lt=now).exists()  # a few overdue
    assert Lead.objects.filter(status="dql").exists()
    assert Lead.objects.filter(status="opportunity", expected_close__gte=now.date()).exists()
    assert DealRegistration.objects.filter(status="pending").exists()


def test_the_demo_partner_finds_leads_waiting_in_its_inbox(world):
    partner = get_user_model().objects.get(username="partner")
    now = timezone.now()

    inbox = list(selectors.lead_inbox(visible_to=partner)[:50])

    waiting = [lead for lead in inbox if lead.status == "assigned"]
    assert waiting and inbox[0].status == "assigned"
    assert any(lead.accept_deadline > now for lead in waiting)
    # and so does every active distributor's partner login
    active = Distributor.objects.filter(status__in=["active", "probation"])
    waiting_codes = Lead.objects.filter(status="assigned").values_list(
        "distributor__code", flat=True
    )
    assert set(active.values_list("code", flat=True)) <= set(waiting_codes)


def test_pending_registrations_include_look_alikes_of_existing_leads(world):
    pending = DealRegistration.objects.filter(status="pending").select_related("lead")
    declined = DealRegistration.objects.filter(status="declined").select_related("lead")

    found = selectors.deal_duplicates(leads=[r.lead for r in pending])
    assert sum(1 for r in pending if found[r.lead_id]) >= 2
    assert all(r.lead.status == "new" for r in pending)
    assert declined and all(r.lead.lost_reason == "registration_declined" for r in declined)
    assert DealRegistration.objects.filter(status="approved").count() >= 10


def test_the_catalogue_has_items_rated_better_than_others(world):
    manager = factories.ManagerFactory(username="demo-test-manager")
    ratings = selectors.material_ratings(visible_to=manager)
    averages = [row["average"] for row in ratings if row["count"] >= 3]

    assert Material.objects.count() >= 12
    assert not Material.objects.filter(url="").exists()
    assert max(averages) - min(averages) >= 1.5


def test_running_it_again_adds_nothing_and_replace_regenerates_the_same_amount(world):
    before = row_counts()

    output = load()

    assert "nothing to do" in output
    assert row_counts() == before

    load("--replace")

    after = row_counts()
    # Dated from the new run's minute: the sales desk's top-up may differ by a lead or two.
    assert abs(after["leads.Lead"] - before["leads.Lead"]) <= 5
    assert after["leads.LeadSource"] == before["leads.LeadSource"]
    assert after["leads.Material"] == before["leads.Material"]
    assert after["leads.CriteriaVersion"] == before["leads.CriteriaVersion"]
    assert demo.demo_leads().values("external_ref").distinct().count() == after["leads.Lead"]
    kept = rollup_snapshot()
    rollups.rollups_rebuild()
    assert rollup_snapshot() == kept


def test_the_same_seed_and_moment_give_the_same_leads(world):
    now = datetime.datetime(2026, 6, 15, 10, 0, tzinfo=datetime.UTC)

    def fingerprint():
        demo.DemoLeads(lambda line: None).load(leads=300, replace=True, now=now, quiet=True)
        return sorted(
            LeadEvent.objects.filter(lead__in=demo.demo_leads()).values_list(
                "lead__external_ref", "at", "to_status", "distributor__code", "cause", "reason"
            )
        )

    assert fingerprint() == fingerprint()


def test_demo_leads_refuses_production_settings_unless_forced(world):
    production = override_settings(SETTINGS_MODULE="drm.settings_production")
    with production, pytest.raises(CommandError, match="--force"):
        load()


def test_a_load_that_stops_halfway_changes_nothing_shown_and_the_next_run_redoes_it(
    world, monkeypatch
):
    before = row_counts()
    refs = set(demo.demo_leads().values_list("external_ref", flat=True))

    def stop(*args, **kwargs):
        raise RuntimeError("the machine stopped")

    # The leads are staged in chunks; the load stops as it publishes them.
    monkeypatch.setattr(demo.DemoLeads, "load_materials", stop)
    with pytest.raises(RuntimeError):
        demo.DemoLeads(lambda line: None).load(leads=300, replace=True, quiet=True)

    assert set(demo.demo_leads().values_list("external_ref", flat=True)) == refs
    staged = demo.staged_leads()
    assert staged.exists()
    assert not demo.demo_leads().filter(pk__in=staged.values("pk")).exists()
    assert LeadEvent.objects.filter(lead__in=staged).exists()

    monkeypatch.undo()
    output = load()

    # The demo was loaded: nothing to redo, but what the stopped load staged is gone.
    assert "nothing to do" in output
    assert not demo.staged_leads().exists()
    assert row_counts() == before

    load("--replace")

    assert not demo.staged_leads().exists()
    assert abs(demo.demo_leads().count() - before["leads.Lead"]) <= 5
    assert (
        not LeadEvent.objects.exclude(lead__in=demo.demo_leads())
        .filter(lead__external_ref__startswith=demo.STAGING)
        .exists()
    )
