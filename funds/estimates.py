"""Every write of impact estimates: the nightly job that (re)computes, for each treatment whose
effect window is over (a paid fund activity, an incentive programme: `funds.treatments`), the
incremental revenue it brought each distributor it treated (`funds.impact`), and stores it
(`ImpactEstimate`).

How it reads: the monthly revenue panel in one aggregate query (every distributor × month over
the months the due treatments need, in the reporting currency), pivoted once
(`impact.revenue_matrix`); then each treatment is a slice of that matrix.

Who is compared with whom: a treated distributor is compared with distributors that received
nothing comparable in the window (the 12 months before the treatment and its effect window).
Left out of its comparison: the distributors of every other treatment in the window that it did
not receive itself (another distributor's trade show, a programme it is not in), and the other
participants of its own programme. A treatment it shares with them (a rebate open to its whole
tier) leaves them in: it moved both sides alike. What it received itself in the same months
cannot be told apart from this treatment's effect: the estimate counts it (`overlaps`).

Idempotent: each row carries the digest of what it was computed from; a row whose digest has
not changed is left as it is, so a second run on the same data writes nothing. Rows are written
in bounded chunks, each in one transaction, and each stands alone (a run that dies halfway
leaves every row whole, old or new). Rows of treatments no longer due (a programme moved, a
source gone) are deleted.
"""

import hashlib
import inspect
from collections import defaultdict
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Count, FloatField, Q, Sum
from django.db.models.functions import Cast
from django.utils import timezone

from distributors.models import RevenueRecord
from drm.periods import add_months, month_start

from . import impact, treatments
from .models import CENT, ImpactEstimate

# The estimator's settings, the same for every treatment (see impact.estimate).
PRE_MONTHS = 12
CONFIDENCE = 0.9
DRAWS = 500
METHOD = "auto"
SEED = 0
# Rows written per transaction.
WRITE_CHUNK = 200
# A change to the estimator's code recomputes every estimate.
ESTIMATOR_VERSION = hashlib.sha256(inspect.getsource(impact).encode()).hexdigest()[:16]
FIELDS = (
    "first_month", "last_month", "effect_end", "method", "incremental", "low", "high",
    "confidence", "effect_percent", "actual", "peers", "pre_months", "post_months", "pre_rmse",
    "reason", "draws", "invested", "overlaps", "digest", "computed_at",
)  # fmt: skip


def _ordinal(month):
    """A month as a pandas monthly Period ordinal (the months of `impact.RevenueMatrix`)."""
    return (month.year - 1970) * 12 + month.month - 1


def revenue_panel(*, since, until):
    """Every distributor's monthly revenue in the reporting currency from month `since` to
    `until` (both included), as a frame of `distributor`, `month`, `revenue`: one aggregate
    query. A month with a row without an exchange rate has no known total: NaN (not reported),
    never a partial sum."""
    rows = (
        RevenueRecord.objects.filter(month__gte=since, month__lte=until)
        .values_list("distributor_id", "month")
        .annotate(
            revenue=Cast(Sum("reporting_amount"), FloatField()),
            unpriced=Count("pk", filter=Q(reporting_amount__isnull=True)),
        )
        .order_by()
    )
    frame = pd.DataFrame.from_records(
        list(rows), columns=["distributor", "month", "revenue", "unpriced"]
    )
    frame["revenue"] = frame["revenue"].astype(float).where(frame["unpriced"] == 0)
    return frame.drop(columns="unpriced")


class Exposures:
    """Who received what, month by month, over the matrix's distributors: answers which
    distributors to leave out of a treatment's comparison, and how many other treatments the
    treated distributor received in the same months (see the module's docstring).

    Treatments of one distributor (fund activities) are counted in a distributors × months
    array, so the distributors exposed in a window are one subtraction of prefix sums;
    treatments of many (programmes) are kept as masks over the distributors."""

    def __init__(self, matrix, every):
        self.ids = matrix.ids
        self.start = matrix.start
        self.width = matrix.months
        count = len(self.ids)
        starts = np.zeros((count, self.width + 1))
        self.groups = []
        self.own = defaultdict(list)  # distributor → [(first, end, treatment key)]
        for treatment in every:
            first, end = _ordinal(treatment.first_month), _ordinal(treatment.effect_end)
            key = (treatment.kind, treatment.subject_id)
            for distributor in treatment.distributors:
                self.own[distributor].append((first, end, key))
            if len(treatment.distributors) > 1:
                members = frozenset(treatment.distributors)
                mask = self.ids.isin(list(members)) if count else np.zeros(0, dtype=bool)
                self.groups.append((key, first, end, members, mask))
                continue
            (distributor,) = treatment.distributors
            low, high = self._columns(first, end)
            if distributor in self.ids and low < high:
                row = self.ids.get_loc(distributor)
                starts[row, low] += 1
                starts[row, high] -= 1
        exposed = np.cumsum(starts[:, : self.width], axis=1) > 0
        self.prefix = np.concatenate(
            [np.zeros((count, 1), dtype=np.int64), np.cumsum(exposed, axis=1)], axis=1
        )
        self._memo = {}

    def _columns(self, first, end):
        """The matrix columns of months `first` to `end` (ordinals), as a half-open range."""
        low = min(max(first - self.start, 0), self.width)
        high = min(max(end - self.start + 1, 0), self.width)
        return low, high

    def left_out(self, treatment, distributor, begin, end):
        """(the ids to leave out of the comparison, their digest) for `distributor` treated by
        `treatment` over the window of months `begin` to `end` (ordinals)."""
        key = (treatment.kind, treatment.subject_id)
        others = tuple(
            group_key
            for group_key, first, last, members, _mask in self.groups
            if group_key != key and first <= end and last >= begin and distributor not in members
        )
        own = key if len(treatment.distributors) > 1 else None
        low, high = self._columns(begin, end)
        memo_key = (low, high, own, others)
        if memo_key not in self._memo:
            mask = (self.prefix[:, high] - self.prefix[:, low]) > 0
            for group_key, _first, _last, _members, group_mask in self.groups:
                if group_key == own or group_key in others:
                    mask = mask | group_mask
            ids = sorted(self.ids[mask].tolist())
            digest = hashlib.sha256(np.asarray(ids, dtype=np.int64).tobytes()).hexdigest()
            self._memo[memo_key] = (ids, digest)
        return self._memo[memo_key]

    def overlaps(self, treatment, distributor, begin, end):
        """How many other treatments `distributor` received in the window."""
        key = (treatment.kind, treatment.subject_id)
        return sum(
            1
            for first, last, other in self.own.get(distributor, ())
            if other != key and first <= end and last >= begin
        )


class RevenueDigests:
    """The digest of every distributor's revenue over a window of the matrix (to the cent),
    computed once per window."""

    def __init__(self, matrix):
        self.matrix = matrix
        self.ids = np.asarray(matrix.ids.tolist(), dtype=np.int64).tobytes()
        self._memo = {}

    def of(self, begin, end):
        if (begin, end) not in self._memo:
            matrix = self.matrix
            low = min(max(begin - matrix.start, 0), matrix.months)
            high = min(max(end - matrix.start + 1, 0), matrix.months)
            cells = np.round(matrix.revenue[:, low:high], 2)
            digest = hashlib.sha256(self.ids)
            digest.update(np.array([begin, end, matrix.start], dtype=np.int64).tobytes())
            digest.update(np.ascontiguousarray(cells).tobytes())
            self._memo[(begin, end)] = digest.hexdigest()
        return self._memo[(begin, end)]


def _digest(*parts):
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()


def _money(value):
    return None if value is None else Decimal(repr(float(value))).quantize(CENT)


def _row(treatment, distributor, estimate, *, invested, overlaps, digest, now):
    made = estimate.is_estimated
    return ImpactEstimate(
        kind=treatment.kind,
        subject_id=treatment.subject_id,
        distributor_id=distributor,
        first_month=treatment.first_month,
        last_month=treatment.last_month,
        effect_end=treatment.effect_end,
        method=estimate.method,
        incremental=_money(estimate.incremental),
        low=_money(estimate.low),
        high=_money(estimate.high),
        confidence=Decimal(str(estimate.confidence)).quantize(CENT),
        effect_percent=_money(estimate.effect_percent) if made else None,
        actual=_money(estimate.actual) if made else None,
        peers=estimate.peers,
        pre_months=estimate.pre_months,
        post_months=estimate.post_months,
        pre_rmse=estimate.pre_rmse,
        reason=estimate.reason,
        draws=np.round(estimate.draws, 2).astype("<f8").tobytes(),
        invested=invested,
        overlaps=overlaps,
        digest=digest,
        computed_at=now,
    )


def _write(rows):
    if not rows:
        return
    with transaction.atomic():
        ImpactEstimate.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["kind", "subject_id", "distributor"],
            update_fields=list(FIELDS),
        )


def impact_estimates_refresh(*, today=None):
    """(Re)compute the estimate of every treated distributor of every treatment whose effect
    window is over by `today` (its last month plus the lag is a past month), leave the
    up-to-date ones as they are, delete those of treatments no longer due. Returns
    {"estimated", "refused", "unchanged", "deleted"}: rows written with figures, rows written
    with a reason, rows left as they were, rows deleted."""
    today = today or timezone.localdate()
    running = month_start(today)
    every = [each for source in treatments.source_list() for each in source.treatments()]
    due = [each for each in every if each.estimated and each.effect_end < running]
    stored = {
        (kind, subject_id, distributor_id): (pk, digest)
        for pk, kind, subject_id, distributor_id, digest in ImpactEstimate.objects.values_list(
            "pk", "kind", "subject_id", "distributor_id", "digest"
        )
    }
    done = {"estimated": 0, "refused": 0, "unchanged": 0, "deleted": 0}
    expected = set()
    if due:
        since = min(add_months(each.first_month, -PRE_MONTHS) for each in due)
        until = max(each.effect_end for each in due)
        matrix = impact.revenue_matrix(revenue_panel(since=since, until=until))
        exposures = Exposures(matrix, every)
        revenue = RevenueDigests(matrix)
        now = timezone.now()
        rows = []
        for treatment in due:
            begin = _ordinal(treatment.first_month) - PRE_MONTHS
            end = _ordinal(treatment.effect_end)
            for distributor in treatment.distributors:
                key = (treatment.kind, treatment.subject_id, distributor)
                expected.add(key)
                left_out, left_out_digest = exposures.left_out(treatment, distributor, begin, end)
                invested = treatment.invested.get(distributor) or Decimal(0)
                overlaps = exposures.overlaps(treatment, distributor, begin, end)
                digest = _digest(
                    ESTIMATOR_VERSION, PRE_MONTHS, CONFIDENCE, DRAWS, METHOD, SEED,
                    *key, treatment.first_month, treatment.last_month, treatment.lag,
                    invested, overlaps, revenue.of(begin, end), left_out_digest,
                )  # fmt: skip
                if key in stored and stored[key][1] == digest:
                    done["unchanged"] += 1
                    continue
                estimate = impact.estimate(
                    matrix,
                    treated=distributor,
                    first_month=treatment.first_month,
                    last_month=treatment.last_month,
                    method=METHOD,
                    lag=treatment.lag,
                    pre_months=PRE_MONTHS,
                    exclude=left_out,
                    confidence=CONFIDENCE,
                    draws=DRAWS,
                    seed=SEED,
                )
                done["estimated" if estimate.is_estimated else "refused"] += 1
                rows.append(
                    _row(
                        treatment,
                        distributor,
                        estimate,
                        invested=invested,
                        overlaps=overlaps,
                        digest=digest,
                        now=now,
                    )
                )
                if len(rows) >= WRITE_CHUNK:
                    _write(rows)
                    rows = []
        _write(rows)
    stale = [pk for key, (pk, _digest_) in stored.items() if key not in expected]
    for start in range(0, len(stale), WRITE_CHUNK * 10):
        ImpactEstimate.objects.filter(pk__in=stale[start : start + WRITE_CHUNK * 10]).delete()
    done["deleted"] = len(stale)
    return done
