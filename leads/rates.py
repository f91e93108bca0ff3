"""The lead funnel's rates, each declared once: the stage it counts, the stage it divides by,
and that denominator's name in words.

Every surface that writes a lead rate reads it from here: the channel's and a distributor's
funnel, the distributor rows, the partner's funnel, the funnel API, the scorecard's lead
metrics and the lead goals. So "accepted" is accepted ÷ handed over wherever it is written,
and each surface writes the denominator beside the percentage ("66 % of handed over").

The funnel's steps are MQL → handed over → accepted → DQL → opportunity → won; each step's
rate is of the step before and carries that step's name. The other rates (DQL conversion,
won overall, late, answered within the deadline, rejected) have names of their own. Counts are
the rollups' monthly flows, not cohorts: a lead handed over twice (rejected, then routed again)
counts twice among the handed over.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Stage


@dataclass(frozen=True)
class Denominator:
    """What a rate divides by: a stage, its key in the API, its name after a percentage."""

    key: str
    stage: str
    words: str  # lazy: written after the percentage, "66 % of handed over"


DENOMINATORS = {
    denominator.key: denominator
    for denominator in (
        Denominator("mql", Stage.MQL, _("of MQLs")),
        Denominator("handed_over", Stage.ASSIGNED, _("of handed over")),
        Denominator("accepted", Stage.ACCEPTED, _("of accepted")),
        Denominator("dql", Stage.DQL, _("of DQLs")),
        Denominator("opportunity", Stage.OPPORTUNITY, _("of opportunities")),
    )
}


@dataclass(frozen=True)
class Rate:
    key: str
    label: str  # lazy
    numerator: str  # the stage counted
    of: str  # the key of its Denominator
    # The share that did not reach the numerator's stage: (denominator − numerator) ÷ denominator.
    complement: bool = False
    higher_is_better: bool = True

    @property
    def denominator(self):
        return DENOMINATORS[self.of].stage

    @property
    def of_words(self):
        return DENOMINATORS[self.of].words

    def parts(self, count):
        """(numerator, denominator) where `count(stage)` gives a stage's count."""
        bottom = count(self.denominator)
        top = count(self.numerator)
        return (bottom - top if self.complement else top), bottom

    def value(self, count):
        """numerator ÷ denominator, None with nothing to divide (never a silent zero)."""
        top, bottom = self.parts(count)
        return top / bottom if bottom else None


_RATES = {}


def register(rate):
    _RATES[rate.key] = rate
    return rate


def rate_get(key):
    return _RATES[key]


def rate_list():
    return list(_RATES.values())


# The keys are the API's since the funnel had them; the labels name the step reached.
HANDOVER = register(Rate("handover", _("Handed over"), Stage.ASSIGNED, "mql"))
ACCEPTANCE = register(Rate("acceptance", _("Accepted"), Stage.ACCEPTED, "handed_over"))
QUALIFICATION = register(Rate("qualification", _("Distributor-qualified"), Stage.DQL, "accepted"))
CONVERSION = register(Rate("conversion", _("Opportunity"), Stage.OPPORTUNITY, "dql"))
WIN = register(Rate("win", _("Won"), Stage.WON, "opportunity"))
register(Rate("dql_conversion", _("MQL → DQL conversion"), Stage.DQL, "handed_over"))
register(Rate("overall", _("Won overall"), Stage.WON, "handed_over"))
register(
    Rate(
        "late",
        _("Answered late or not at all"),
        Stage.LATE,
        "handed_over",
        higher_is_better=False,
    )
)
register(
    Rate("on_time", _("Answered within the deadline"), Stage.LATE, "handed_over", complement=True)
)
register(Rate("rejection", _("Rejected"), Stage.REJECTED, "handed_over", higher_is_better=False))

# The funnel's steps in order: (key, stage counted, the rate that reaches it from the step
# before). A distributor's funnel starts with the leads handed to it, the channel's with MQLs.
STEPS = (
    ("mql", Stage.MQL, None),
    ("handed_over", Stage.ASSIGNED, HANDOVER),
    ("accepted", Stage.ACCEPTED, ACCEPTANCE),
    ("dql", Stage.DQL, QUALIFICATION),
    ("opportunity", Stage.OPPORTUNITY, CONVERSION),
    ("won", Stage.WON, WIN),
)
STEP_LABELS = {"mql": _("MQL")} | {key: rate.label for key, _stage, rate in STEPS if rate}
