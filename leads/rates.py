"""The lead rates, each declared once: the stage it counts, the stage it divides by, and that
denominator's key and name in words.

Every surface that writes a lead rate reads its definition here: the channel's and a
distributor's funnel, the distributor rows, the partner's funnel, the funnel API, the scorecard's
lead metrics, the lead goals and the dashboard. So "accepted" is accepted ÷ handed over wherever
it is written, and each surface writes the denominator beside the percentage ("66% of handed
over").

The funnel's steps are MQL → handed over → accepted → DQL → opportunity → won; each step's rate
is of the step before and carries that step's name. The other rates (MQL → DQL conversion, won
overall, late, answered within the deadline, rejected) have names of their own. Counts are the
rollups' monthly flows, not cohorts: a lead handed over twice (rejected, then routed again)
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
    words: str  # lazy: written after the percentage, "66% of handed over"


DENOMINATORS = {
    denominator.stage: denominator
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
    label: str  # lazy: the rate's name ("Accepted")
    numerator: str  # the stage counted above the line
    denominator: str  # the stage counted below it
    # (denominator − numerator) ÷ denominator: "answered within the deadline" counts the leads
    # not late.
    complement: bool = False
    higher_is_better: bool = True

    @property
    def of(self):
        """The denominator's key, as the API gives it: "handed_over"."""
        return DENOMINATORS[self.denominator].key

    @property
    def of_words(self):
        """The denominator in words, written after the percentage: "of handed over"."""
        return DENOMINATORS[self.denominator].words

    def counts(self, counts):
        """(numerator, denominator) from {stage: count}."""
        bottom = counts.get(self.denominator, 0)
        top = counts.get(self.numerator, 0)
        return (bottom - top if self.complement else top), bottom

    def value(self, counts):
        """numerator ÷ denominator (a share, 0–1), None with nothing to divide (never a silent
        zero)."""
        top, bottom = self.counts(counts)
        return top / bottom if bottom else None


_RATES = {}


def register(rate):
    _RATES[rate.key] = rate
    return rate


def rate_get(key):
    return _RATES[key]


def rate_list():
    return list(_RATES.values())


# The keys are the API's since the funnel had them; a step's rate is named by the step it reaches.
HANDOVER = register(Rate("handover", _("Handed over"), Stage.ASSIGNED, Stage.MQL))
ACCEPTANCE = register(Rate("acceptance", _("Accepted"), Stage.ACCEPTED, Stage.ASSIGNED))
QUALIFICATION = register(
    Rate("qualification", _("Distributor-qualified"), Stage.DQL, Stage.ACCEPTED)
)
CONVERSION = register(Rate("conversion", _("Opportunity"), Stage.OPPORTUNITY, Stage.DQL))
WIN = register(Rate("win", _("Won"), Stage.WON, Stage.OPPORTUNITY))
# The first-class figure of seed 003: the leads a distributor qualified of those handed to it.
DQL_CONVERSION = register(
    Rate("dql_conversion", _("MQL → DQL conversion"), Stage.DQL, Stage.ASSIGNED)
)
OVERALL = register(Rate("overall", _("Won overall"), Stage.WON, Stage.ASSIGNED))
LATE = register(
    Rate(
        "late",
        _("Answered late or not at all"),
        Stage.LATE,
        Stage.ASSIGNED,
        higher_is_better=False,
    )
)
ON_TIME = register(
    Rate(
        "on_time",
        _("Answered within the deadline"),
        Stage.LATE,
        Stage.ASSIGNED,
        complement=True,
    )
)
REJECTION = register(
    Rate("rejection", _("Rejected"), Stage.REJECTED, Stage.ASSIGNED, higher_is_better=False)
)

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
# The rates that lead from one step to the next.
FUNNEL = tuple(rate for _key, _stage, rate in STEPS if rate)
