"""Lead routing: a registry of rules (a class each) that narrows the distributors down and ranks
what is left, with an explanation of every step.

A rule either filters (drops candidates, saying why) or scores (the chooser takes the highest
score). Adding a rule means adding a class with `@register`. The explanation holds codes and
numbers only, so that `explain()` can word it in the reader's language later.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from distributors.models import Distributor

from .models import Lead, LeadExclusion

RULES = []
# How many dropped distributors an explanation names per rule (the rest are counted).
NAMED = 10


def register(rule):
    RULES.append(rule())
    return rule


@dataclass
class Candidate:
    id: int
    code: str
    name: str
    status: str
    weight: int
    capacity: int | None
    open_leads: int
    territories: list = field(default_factory=list)  # [(country, region lower-case)]
    product_lines: set = field(default_factory=set)
    score: float = 0.0
    match: str = ""

    def as_json(self):
        return {
            "code": self.code,
            "name": self.name,
            "open": self.open_leads,
            "weight": self.weight,
            "capacity": self.capacity,
            "score": round(self.score, 4),
            "match": self.match,
        }


class Rule:
    code = ""
    label = ""

    def apply(self, lead, candidates, context):
        """(kept candidates, {candidate id: (reason code, params)} dropped)."""
        raise NotImplementedError


@register
class ActiveRule(Rule):
    code = "active"
    label = gettext_lazy("Active distributors only")

    def apply(self, lead, candidates, context):
        kept, dropped = [], {}
        for c in candidates:
            if c.status in (Distributor.Status.ACTIVE, Distributor.Status.PROBATION):
                kept.append(c)
            else:
                dropped[c.id] = ("status", {"status": c.status})
        return kept, dropped


@register
class TerritoryRule(Rule):
    """Country and region: a territory of the lead's region beats a country-wide one."""

    code = "territory"
    label = gettext_lazy("Territory covers the lead's country and region")

    def apply(self, lead, candidates, context):
        country = (lead.country or "").upper()
        region = (lead.region or "").strip().lower()
        exact, country_wide, anywhere_in_country = [], [], []
        dropped = {}
        for c in candidates:
            regions = {r for (k, r) in c.territories if k == country}
            if not regions:
                dropped[c.id] = ("territory", {"country": country})
            elif region and region in regions:
                c.match = "region"
                exact.append(c)
            elif "" in regions:
                c.match = "country"
                country_wide.append(c)
            elif not region:
                c.match = "in_country"
                anywhere_in_country.append(c)
            else:
                dropped[c.id] = ("region", {"region": lead.region})
        kept = exact or country_wide or anywhere_in_country
        for c in (exact, country_wide, anywhere_in_country):
            if c is not kept:
                for candidate in c:
                    dropped[candidate.id] = ("less_precise", {"match": candidate.match})
        return kept, dropped


@register
class ProductLineRule(Rule):
    code = "product_line"
    label = gettext_lazy("Carries the lead's product line")

    def apply(self, lead, candidates, context):
        if not lead.product_line_id:
            return candidates, {}
        kept, dropped = [], {}
        for c in candidates:
            if lead.product_line_id in c.product_lines:
                kept.append(c)
            else:
                dropped[c.id] = ("product_line", {})
        return kept, dropped


@register
class ExclusionRule(Rule):
    code = "exclusion"
    label = gettext_lazy("Never offered again to a distributor that rejected it or let it expire")

    def apply(self, lead, candidates, context):
        excluded = context.excluded.get(lead.pk, {}) if lead.pk else {}
        kept, dropped = [], {}
        for c in candidates:
            if c.id in excluded:
                dropped[c.id] = ("excluded", {"cause": excluded[c.id]})
            else:
                kept.append(c)
        return kept, dropped


@register
class CapacityRule(Rule):
    code = "capacity"
    label = gettext_lazy("Below its cap on open leads")

    def apply(self, lead, candidates, context):
        kept, dropped = [], {}
        for c in candidates:
            if c.capacity is not None and c.open_leads >= c.capacity:
                dropped[c.id] = ("full", {"open": c.open_leads, "capacity": c.capacity})
            else:
                kept.append(c)
        return kept, dropped


@register
class TierWeightRule(Rule):
    """Share leads in proportion to the tier's weight: the lowest load per weight goes first."""

    code = "tier_weight"
    label = gettext_lazy("Tier weight: the fewest open leads per unit of weight")

    def apply(self, lead, candidates, context):
        for c in candidates:
            c.score = c.weight / (c.open_leads + 1)
        return candidates, {}


@dataclass
class Context:
    """What rules read besides the lead: each lead's exclusions {lead id: {distributor: cause}}."""

    excluded: dict = field(default_factory=dict)


@dataclass
class Decision:
    distributor_id: int | None
    explanation: dict


def candidates_load(*, countries=None, ids=None):
    """The distributors that might take leads in `countries` (all when None), or those of `ids`,
    with their open leads, territories and product lines: four queries whatever their number."""
    distributors = Distributor.objects.select_related("tier")
    if ids is not None:
        distributors = distributors.filter(pk__in=list(ids))
    if countries is not None:
        links = Distributor.territories.through.objects.filter(
            distributor_id=OuterRef("pk"), territory__country__in=list(countries)
        )
        distributors = distributors.filter(Exists(links))
    open_leads = (
        Lead.objects.filter(distributor=OuterRef("pk"), status__in=Lead.OWNED)
        .order_by()
        .values("distributor")
        .annotate(n=Count("*"))
        .values("n")
    )
    distributors = distributors.annotate(open_leads=Coalesce(Subquery(open_leads), 0))
    by_id = {}
    for d in distributors:
        capacity = d.lead_capacity if d.lead_capacity is not None else d.tier.max_open_leads
        by_id[d.pk] = Candidate(
            id=d.pk,
            code=d.code,
            name=d.name,
            status=d.status,
            weight=max(1, d.tier.lead_weight),
            capacity=capacity,
            open_leads=d.open_leads,
        )
    links = Distributor.territories.through.objects.filter(distributor_id__in=by_id)
    for distributor_id, country, region in links.values_list(
        "distributor_id", "territory__country", "territory__region"
    ):
        by_id[distributor_id].territories.append((country.upper(), (region or "").lower()))
    lines = Distributor.product_lines.through.objects.filter(distributor_id__in=by_id)
    for distributor_id, line_id in lines.values_list("distributor_id", "productline_id"):
        by_id[distributor_id].product_lines.add(line_id)
    return by_id


def exclusions_load(lead_ids):
    excluded = {}
    for lead_id, distributor_id, cause in LeadExclusion.objects.filter(
        lead_id__in=list(lead_ids)
    ).values_list("lead_id", "distributor_id", "cause"):
        excluded.setdefault(lead_id, {})[distributor_id] = cause
    return excluded


class Router:
    """Routes leads over one loaded set of candidates; `taken()` keeps open counts current."""

    def __init__(self, candidates, context):
        self.candidates = candidates
        self.context = context
        self.by_country = {}
        for c in candidates.values():
            for country, _region in c.territories:
                self.by_country.setdefault(country, {})[c.id] = c

    @classmethod
    def for_leads(cls, leads):
        leads = list(leads)
        countries = {(lead.country or "").upper() for lead in leads}
        return cls(
            candidates_load(countries=countries),
            Context(excluded=exclusions_load([lead.pk for lead in leads if lead.pk])),
        )

    def route(self, lead):
        pool = list(self.by_country.get((lead.country or "").upper(), {}).values())
        steps = []
        if not pool:
            steps.append({"rule": TerritoryRule.code, "kept": 0, "dropped": [], "dropped_count": 0})
        for rule in RULES:
            if not pool:
                break
            kept, dropped = rule.apply(lead, pool, self.context)
            by_id = {c.id: c for c in pool}
            named = sorted(dropped.items(), key=lambda item: by_id[item[0]].code)[:NAMED]
            steps.append(
                {
                    "rule": rule.code,
                    "kept": len(kept),
                    "dropped": [
                        {"code": by_id[pk].code, "why": why, "params": params}
                        for pk, (why, params) in named
                    ],
                    "dropped_count": len(dropped),
                }
            )
            pool = kept
        ranked = sorted(pool, key=lambda c: (-c.score, c.open_leads, c.code))
        chosen = ranked[0] if ranked else None
        explanation = {
            "country": (lead.country or "").upper(),
            "region": lead.region or "",
            "product_line": lead.product_line_id,
            "rules": steps,
            "candidates": [c.as_json() for c in ranked[:NAMED]],
            "candidate_count": len(ranked),
            "chosen": chosen.code if chosen else None,
            "why": ("none" if chosen is None else "only" if len(ranked) == 1 else "highest_score"),
        }
        return Decision(chosen.id if chosen else None, explanation)

    def taken(self, distributor_id, count=1):
        """A lead went to `distributor_id`: its load (and score) rises for the next lead."""
        candidate = self.candidates.get(distributor_id)
        if candidate is not None:
            candidate.open_leads += count


# --- a hand assignment, checked against the rules ----------------------------------------------

# The rules a manager's own choice is checked against, by the name of the warning each gives.
# Exclusions are no warning: a distributor that rejected the lead is refused outright.
CHECKS = {"territory": TerritoryRule, "product_line": ProductLineRule, "capacity": CapacityRule}


def assignment_warnings(lead, distributor_id):
    """What routing would have held against handing `lead` to the distributor: [{"code",
    "why", "params"}], "code" the warning's name (inactive, territory, product_line,
    capacity) and "why"/"params" the dropped reason as routing words it (WHY_DROPPED).

    The same candidate data and rules as routing (candidates_load, the rule classes); only
    "inactive" is stricter than ActiveRule: a distributor on probation is warned about.
    """
    candidate = candidates_load(ids=[distributor_id]).get(distributor_id)
    if candidate is None:
        return []
    warnings = []
    if candidate.status != Distributor.Status.ACTIVE:
        warnings.append(
            {"code": "inactive", "why": "status", "params": {"status": candidate.status}}
        )
    context = Context(excluded={})
    for code, rule_class in CHECKS.items():
        rule = next(rule for rule in RULES if isinstance(rule, rule_class))
        _kept, dropped = rule.apply(lead, [candidate], context)
        if candidate.id in dropped:
            why, params = dropped[candidate.id]
            warnings.append({"code": code, "why": why, "params": params})
    return warnings


def warning_text(warning, code):
    """One warning of assignment_warnings() in the reader's language, naming distributor `code`."""
    template = WHY_DROPPED.get(warning["why"])
    params = {"code": code, **warning.get("params", {})}
    if warning["why"] == "status":
        params["status"] = str(Distributor.Status(params["status"]).label)
        return _("%(code)s is not active (%(status)s)") % params
    return str(template) % params if template else warning["code"]


# --- wording --------------------------------------------------------------------------------

WHY_DROPPED = {
    "status": gettext_lazy("%(code)s is not active"),
    "territory": gettext_lazy("%(code)s has no territory in %(country)s"),
    "region": gettext_lazy("%(code)s does not cover the region %(region)s"),
    "less_precise": gettext_lazy("%(code)s covers it less precisely than others"),
    "product_line": gettext_lazy("%(code)s does not carry the product line"),
    "excluded": gettext_lazy("%(code)s was excluded (%(cause)s)"),
    "full": gettext_lazy("%(code)s is at its cap (%(open)d of %(capacity)d open leads)"),
}
CAUSES = {
    "rejected": gettext_lazy("rejected it"),
    "expired": gettext_lazy("let it expire"),
}


# Why a lead routing left in the pool stays there: the rule that dropped its last candidates.
WHY_LEFT = {
    "territory": gettext_lazy("no distributor holds a territory for it"),
    "active": gettext_lazy("no active distributor holds a territory for it"),
    "product_line": gettext_lazy("no distributor of its territory carries its product line"),
    "exclusion": gettext_lazy("every distributor that fits rejected it or let it expire"),
    "capacity": gettext_lazy("every distributor that fits is at its lead capacity"),
}


def why_left(explanation):
    """(rule code, words) for a routing that chose nobody: the rule that left no candidate."""
    emptied = next(
        (step["rule"] for step in (explanation or {}).get("rules", []) if step["kept"] == 0),
        "territory",
    )
    return emptied, str(WHY_LEFT.get(emptied, rule_label(emptied)))


def rule_label(code):
    for rule in RULES:
        if rule.code == code:
            return str(rule.label)
    return code


def explain(explanation):
    """An explanation in the reader's language: {"summary", "steps": [{"label", "kept",
    "dropped": [text], "more"}], "candidates"} for pages and the API."""
    if not explanation:
        return None
    steps = []
    for step in explanation.get("rules", []):
        dropped = []
        for item in step.get("dropped", []):
            params = {"code": item["code"], **item.get("params", {})}
            if "cause" in params:
                params["cause"] = str(CAUSES.get(params["cause"], params["cause"]))
            template = WHY_DROPPED.get(item["why"])
            dropped.append(str(template) % params if template else item["code"])
        steps.append(
            {
                "rule": step["rule"],
                "label": rule_label(step["rule"]),
                "kept": step["kept"],
                "dropped": dropped,
                "more": max(0, step.get("dropped_count", 0) - len(dropped)),
            }
        )
    chosen = explanation.get("chosen")
    candidates = explanation.get("candidates", [])
    if chosen is None:
        summary = _("No distributor fits: the lead stays in the pool for a manager.")
    elif explanation.get("why") == "only":
        summary = _("%(code)s is the only distributor left after the rules.") % {"code": chosen}
    elif explanation.get("why") == "manual" and explanation.get("warnings"):
        summary = _("Assigned by hand to %(code)s despite the warnings below.") % {"code": chosen}
    elif explanation.get("why") == "manual":
        summary = _("Assigned by hand to %(code)s.") % {"code": chosen}
    else:
        top = candidates[0] if candidates else {"open": 0, "weight": 1}
        summary = _(
            "%(code)s has the fewest open leads for its weight (%(open)d open, weight "
            "%(weight)d) among %(count)d candidates."
        ) % {
            "code": chosen,
            "open": top["open"],
            "weight": top["weight"],
            "count": explanation.get("candidate_count", len(candidates)),
        }
    warnings = [warning_text(w, chosen) for w in explanation.get("warnings", [])]
    return {"summary": summary, "steps": steps, "candidates": candidates, "warnings": warnings}
