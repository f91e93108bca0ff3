"""What counts as a treatment for the impact estimates: money that flows to distributors over
known months (a fund activity's paid claim, an incentive programme), by source.

A source is a small strategy class in `SOURCES`, keyed by the `ImpactEstimate.kind` its rows
carry. Funds registers its own (fund activities); an app above funds in the layers contract
registers its own from its AppConfig.ready() (incentives: programmes), so that the nightly job
here sees every treatment without importing any app above it.

Each source lists every treatment it knows, estimated or not: one that is not estimated (an
approved activity not paid yet) still keeps its distributors out of the comparisons of the
others whose months it overlaps.
"""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from drm.periods import add_months, month_start

from .models import Claim, FundRequest

SOURCES = {}
# The months after a treatment's last one that still count as its effect: the orders a trade
# show or a promotion brings come in the weeks after it, and a rebate's pull-forward shows as a
# dip after its period.
LAG_MONTHS = 2


def effect_end(last_day, lag=LAG_MONTHS):
    """The last month of the effect window of a treatment whose last day is `last_day`."""
    return add_months(month_start(last_day), lag)


def register(source):
    """Class decorator: add a source to `SOURCES` under its `kind`."""
    if not source.kind or source.kind in SOURCES:
        raise ValueError(f"a source needs a kind of its own: {source.kind!r}")
    SOURCES[source.kind] = source()
    return source


def source_list():
    return list(SOURCES.values())


def source_get(kind):
    return SOURCES.get(kind)


@dataclass(frozen=True)
class Treatment:
    """One treatment: `kind` and `subject_id` name it (a fund request, a programme), the
    distributors it treated, its first and last month (first days of months). `invested` holds
    what the manufacturer paid each distributor for it; `estimated` says whether its effect is
    estimated (paid), or it only keeps its distributors out of other comparisons."""

    kind: str
    subject_id: int
    distributors: tuple
    first_month: datetime.date
    last_month: datetime.date
    lag: int = LAG_MONTHS
    estimated: bool = True
    invested: dict = field(default_factory=dict, compare=False)

    @property
    def effect_end(self):
        """The last month of the effect window: the last month plus the lag."""
        return effect_end(self.last_month, self.lag)


class Source:
    """A kind of treatment. `label` names its estimates in a roll-up ("Fund activities")."""

    kind = ""
    label = ""
    lag = LAG_MONTHS

    def treatments(self):
        """Every treatment of this kind, estimated or not (see the module's docstring)."""
        raise NotImplementedError

    def treatment(self, *, subject_id, distributors, start, end, estimated=True, invested=None):
        """A `Treatment` of this source, its months from the days `start` and `end`."""
        return Treatment(
            kind=self.kind,
            subject_id=subject_id,
            distributors=tuple(distributors),
            first_month=month_start(start),
            last_month=month_start(end),
            lag=self.lag,
            estimated=estimated,
            invested=invested or {},
        )


@register
class FundActivities(Source):
    """The activities of fund requests: estimated once their claim is paid (what the
    manufacturer paid: the claim's approved amount); approved and claimed ones not paid yet,
    and closed ones whose claim was rejected, took place too and only keep their distributor
    out of the comparisons. One query."""

    kind = "fund_request"
    label = _("Fund activities")

    def treatments(self):
        rows = FundRequest.objects.filter(
            status__in=(
                FundRequest.Status.APPROVED,
                FundRequest.Status.CLAIMED,
                FundRequest.Status.CLOSED,
            )
        ).values_list(
            "pk", "allocation__distributor_id", "start", "end", "claim__status",
            "claim__approved_amount",
        )  # fmt: skip
        for pk, distributor_id, start, end, claim_status, paid in rows.order_by("pk"):
            estimated = claim_status == Claim.Status.PAID
            yield self.treatment(
                subject_id=pk,
                distributors=(distributor_id,),
                start=start,
                end=end,
                estimated=estimated,
                invested={distributor_id: paid} if estimated else None,
            )
