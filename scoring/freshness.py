"""Whether the live figures a scoring run read have moved on since it was computed.

A run reads revenue, investments and the lead rollups as they are when it starts; the live
pages (a distributor's revenue, the lead funnels) move on after it. Each source below says, as
one EXISTS over an indexed column, whether it changed since then in a way a new run would count;
`run_changes` asks them all in one query. What it reads is in the database, never only in the
cache, so a cache flush hides no change. A new source is a new class with `@register`.
"""

import datetime

from django.db.models import Exists, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distributors.models import DataChange
from drm import compiled
from drm.periods import current_month
from leads.models import LeadEvent

from .models import ScoringRun

_SOURCES = {}


def register(cls):
    _SOURCES[cls.key] = cls()
    return cls


def source_list():
    return list(_SOURCES.values())


class Source:
    key = ""
    # "Revenue changed since this run.": what a scorecard page writes when it did.
    note = ""

    def changed(self, since, month_start):
        """An expression: a true value (when, or True) if this source changed after `since` in
        a way a run computed now would count, else a false one (`month_start`: the running
        month's first moment, given so that the expression reads no clock)."""
        raise NotImplementedError

    def when(self, value):
        """When the answer to `changed` last changed (for Last-Modified), from its value."""
        return value


class StampedSource(Source):
    """Figures whose writes stamp DataChange (distributors.freshness): any write counts, whatever
    month it is for (the stamp does not keep months). Its value is the stamp."""

    source = ""

    def changed(self, since, month_start):
        stamps = DataChange.objects.filter(source=self.source, changed_at__gt=since)
        return Subquery(stamps.values("changed_at")[:1])


@register
class Revenue(StampedSource):
    key = "revenue"
    source = DataChange.Source.REVENUE
    note = _("Revenue changed since this run.")


@register
class Investments(StampedSource):
    key = "investments"
    source = DataChange.Source.INVESTMENTS
    note = _("Investments changed since this run.")


@register
class Leads(Source):
    """Lead moves, from their events (indexed by time).

    A move counts in the month it happens and a run counts complete months only, so a move in
    the running month changes no run computed today: it is left out until its month is over.
    Once it is, a run computed before the move lacks it, and the note appears."""

    key = "leads"
    note = _("Leads moved since this run.")

    def changed(self, since, month_start):
        return Exists(LeadEvent.objects.filter(at__gt=since, at__lt=month_start))

    def when(self, value):
        # A move counts once its month is over: the answer last turned at a month's start.
        return _running_month_start() if value else None


def _running_month_start():
    month = current_month()
    return timezone.make_aware(datetime.datetime(month.year, month.month, 1))


def run_computed_at(run):
    """When the run read the figures: its (last) start."""
    return run.started_at or run.created_at


def run_changes(run):
    """{source key: when its answer turned} for the sources changed since `run` was computed,
    in registry order, read in one query compiled once (drm.compiled: every scorecard read of
    the API and every page showing a run asks); {} without a run."""
    if run is None:
        return {}
    sources = source_list()

    def build(run_id, since, month_start):
        return ScoringRun.objects.filter(pk=run_id).values(
            **{f"changed_{source.key}": source.changed(since, month_start) for source in sources}
        )

    values = compiled.first(
        ("scoring.run-changes", tuple(source.key for source in sources)),
        build,
        run_id=run.pk,
        since=run_computed_at(run),
        month_start=_running_month_start(),
    )
    if values is None:  # the run was pruned meanwhile: nothing to compare with
        return {}
    return {
        source.key: source.when(values[f"changed_{source.key}"])
        for source in sources
        if values[f"changed_{source.key}"]
    }


def notes(keys):
    """The notes of the sources `keys`, in the reader's language."""
    return [str(_SOURCES[key].note) for key in keys]
