"""The lead rates, each declared once: what it counts over what, and the words for both.

Every surface that shows a lead rate (the channel's and a distributor's funnel, the distributor
rows, the partner's funnel, the analytics API, the scorecard, the goals measured on leads) reads
its definition here, so that "accepted" means accepted ÷ handed over wherever it is written, and
the denominator is written next to the percentage ("66% of handed over").
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Stage


@dataclass(frozen=True)
class Rate:
    key: str
    label: str  # the rate's name ("Accepted")
    numerator: str  # the stage counted above the line
    denominator: str  # the stage counted below it
    of: str  # the denominator in words, for "66% of handed over"
    # (denominator − numerator) ÷ denominator: "answered in time" counts the leads not late.
    complement: bool = False

    def counts(self, counts):
        """(numerator, denominator) from {stage: count}."""
        bottom = counts.get(self.denominator, 0)
        top = counts.get(self.numerator, 0)
        return (bottom - top if self.complement else top), bottom

    def value(self, counts):
        """numerator ÷ denominator (a share, 0–1), or None when there is nothing to divide."""
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


HANDOVER = register(Rate("handover", _("Handed over"), Stage.ASSIGNED, Stage.MQL, _("of MQLs")))
ACCEPTANCE = register(
    Rate("acceptance", _("Accepted"), Stage.ACCEPTED, Stage.ASSIGNED, _("of handed over"))
)
QUALIFICATION = register(
    Rate("qualification", _("Qualified (DQL)"), Stage.DQL, Stage.ACCEPTED, _("of accepted"))
)
CONVERSION = register(
    Rate("conversion", _("Opportunity"), Stage.OPPORTUNITY, Stage.DQL, _("of DQL"))
)
WIN = register(Rate("win", _("Won"), Stage.WON, Stage.OPPORTUNITY, _("of opportunities")))
# The first-class figure of seed 003: the leads a distributor qualified of those handed to it.
DQL_CONVERSION = register(
    Rate(
        "dql_conversion",
        _("MQL → DQL conversion"),
        Stage.DQL,
        Stage.ASSIGNED,
        _("of handed over"),
    )
)
OVERALL = register(Rate("overall", _("Won"), Stage.WON, Stage.ASSIGNED, _("of handed over")))
LATE = register(
    Rate("late", _("Answered late or not at all"), Stage.LATE, Stage.ASSIGNED, _("of handed over"))
)
ON_TIME = register(
    Rate(
        "on_time",
        _("Answered within the deadline"),
        Stage.LATE,
        Stage.ASSIGNED,
        _("of handed over"),
        complement=True,
    )
)
REJECTION = register(
    Rate("rejection", _("Rejected"), Stage.REJECTED, Stage.ASSIGNED, _("of handed over"))
)

# The funnel's steps, each with the rate that leads to it from the step before.
FUNNEL = (HANDOVER, ACCEPTANCE, QUALIFICATION, CONVERSION, WIN)
