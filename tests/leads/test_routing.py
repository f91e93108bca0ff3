"""Routing: each rule narrows the candidates and says why; the explanation is kept."""

import pytest

from leads import routing, services
from leads.models import Lead, LeadExclusion, RoutingDecision
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def pumps(db):
    return factories.ProductLineFactory(code="pumps", name="Pumps")


def dealer(code, *, country="FR", region="", lines=(), tier=None, **extra):
    distributor = factories.DistributorFactory(
        code=code, country=country, tier=tier or factories.TierFactory(code="gold"), **extra
    )
    distributor.territories.add(
        factories.TerritoryFactory(code=f"t-{code}", country=country, region=region)
    )
    distributor.product_lines.add(*lines)
    return distributor


def route(lead, manager):
    services.lead_route(lead=lead, by=manager)
    lead.refresh_from_db()
    return lead, RoutingDecision.objects.filter(lead=lead).first()


def dropped(decision, rule):
    step = next(s for s in decision.explanation["rules"] if s["rule"] == rule)
    return {item["code"]: item["why"] for item in step["dropped"]}


def test_the_territory_rule_keeps_the_distributors_of_the_leads_country(manager):
    dealer("paris", country="FR")
    dealer("berlin", country="DE")
    lead, decision = route(factories.LeadFactory(country="FR"), manager)
    assert lead.distributor.code == "paris"
    assert decision.explanation["chosen"] == "paris"
    assert decision.explanation["why"] == "only"
    assert "berlin" not in str(decision.explanation)  # never a candidate: not even named


def test_a_territory_of_the_leads_region_beats_a_country_wide_one(manager):
    dealer("national", country="FR", region="")
    dealer("breton", country="FR", region="Bretagne")
    lead, decision = route(factories.LeadFactory(country="FR", region="bretagne"), manager)
    assert lead.distributor.code == "breton"
    assert dropped(decision, "territory") == {"national": "less_precise"}


def test_a_distributor_of_another_region_is_dropped_with_the_region_named(manager):
    dealer("alsace", country="FR", region="Alsace")
    lead, decision = route(factories.LeadFactory(country="FR", region="Bretagne"), manager)
    assert lead.status == Lead.Status.MQL and lead.distributor is None
    assert dropped(decision, "territory") == {"alsace": "region"}
    assert decision.explanation["chosen"] is None
    explained = routing.explain(decision.explanation)
    assert "does not cover the region Bretagne" in explained["steps"][1]["dropped"][0]
    assert "No distributor fits" in explained["summary"]


def test_the_product_line_rule_keeps_those_that_carry_it(manager, pumps):
    dealer("carrier", lines=[pumps])
    dealer("other")
    lead, decision = route(factories.LeadFactory(country="FR", product_line=pumps), manager)
    assert lead.distributor.code == "carrier"
    assert dropped(decision, "product_line") == {"other": "product_line"}


def test_inactive_distributors_are_never_candidates(manager):
    dealer("sleeping", status="terminated")
    dealer("awake")
    lead, decision = route(factories.LeadFactory(country="FR"), manager)
    assert lead.distributor.code == "awake"
    assert dropped(decision, "active") == {"sleeping": "status"}


def test_a_distributor_that_rejected_the_lead_is_excluded(manager, partner, distributor):
    distributor.territories.add(factories.TerritoryFactory(country="DE", region=""))
    dealer("second", country="DE")
    lead = factories.LeadFactory(country="DE")
    services.lead_assign(lead=lead, distributor=distributor, by=manager)
    services.lead_reject(lead=lead, by=partner, rating=2, reason="no_need")
    lead, decision = route(lead, manager)
    assert lead.distributor.code == "second"
    assert dropped(decision, "exclusion") == {"acme": "excluded"}
    assert (
        "acme was excluded (rejected it)"
        in routing.explain(decision.explanation)["steps"][3]["dropped"]
    )


def test_a_distributor_at_its_cap_of_open_leads_is_skipped(manager):
    tier = factories.TierFactory(code="capped", max_open_leads=1)
    full = dealer("full", tier=tier)
    dealer("free", tier=tier, lead_capacity=5)  # its own cap overrides the tier's
    services.lead_assign(lead=factories.LeadFactory(country="FR"), distributor=full, by=manager)
    lead, decision = route(factories.LeadFactory(country="FR"), manager)
    assert lead.distributor.code == "free"
    assert dropped(decision, "capacity") == {"full": "full"}


def test_the_tier_weight_shares_leads_in_proportion(manager):
    heavy = dealer("heavy", tier=factories.TierFactory(code="gold-w", lead_weight=2, rank=10))
    light = dealer("light", tier=factories.TierFactory(code="silver-w", lead_weight=1, rank=11))
    for _n in range(9):
        route(factories.LeadFactory(country="FR"), manager)
    open_heavy = Lead.objects.filter(distributor=heavy).count()
    open_light = Lead.objects.filter(distributor=light).count()
    assert (open_heavy, open_light) == (6, 3)


def test_the_explanation_lists_the_candidates_with_their_load_and_why_the_winner(manager):
    dealer("a-one")
    busy = dealer("b-two")
    services.lead_assign(lead=factories.LeadFactory(country="FR"), distributor=busy, by=manager)
    lead, decision = route(factories.LeadFactory(country="FR"), manager)
    candidates = {c["code"]: c["open"] for c in decision.explanation["candidates"]}
    assert candidates == {"a-one": 0, "b-two": 1}
    assert decision.explanation["why"] == "highest_score"
    summary = routing.explain(decision.explanation)["summary"]
    assert summary.startswith("a-one has the fewest open leads for its weight")


def test_a_new_rule_is_a_class_in_the_registry(manager):
    """Adding a rule means adding a class: here one that keeps only codes starting with "z"."""

    class OnlyZ(routing.Rule):
        code = "only_z"
        label = "Only Z"

        def apply(self, lead, candidates, context):
            kept = [c for c in candidates if c.code.startswith("z")]
            return kept, {c.id: ("status", {"status": "x"}) for c in candidates if c not in kept}

    dealer("alpha")
    dealer("zulu")
    routing.RULES.insert(0, OnlyZ())
    try:
        lead, decision = route(factories.LeadFactory(country="FR"), manager)
    finally:
        routing.RULES.pop(0)
    assert lead.distributor.code == "zulu"
    assert decision.explanation["rules"][0]["rule"] == "only_z"


def test_a_manual_assignment_keeps_a_decision_saying_so(manager, distributor):
    lead = factories.LeadFactory()
    services.lead_assign(lead=lead, distributor=distributor, by=manager)
    decision = RoutingDecision.objects.get(lead=lead)
    assert (decision.mode, decision.by, decision.distributor) == ("manual", manager, distributor)
    assert routing.explain(decision.explanation)["summary"] == "Assigned by hand to acme."


def test_exclusions_come_from_rejections_and_expiries_only(manager, partner, distributor):
    lead = factories.LeadFactory()
    services.lead_assign(lead=lead, distributor=distributor, by=manager)
    assert not LeadExclusion.objects.exists()
    services.lead_reject(lead=lead, by=partner, rating=1, reason="spam")
    assert list(LeadExclusion.objects.values_list("distributor__code", "cause")) == [
        ("acme", "rejected")
    ]
