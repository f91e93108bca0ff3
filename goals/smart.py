"""The SMART check: a registry of checks (a class each) that judge a goal's terms and explain why.

A check returns findings, each naming its letter (specific, measurable, achievable, realistic,
time_bound) and a severity: a refusal blocks the goal, a warning must be acknowledged with a
reason that is kept, a note only informs. The same checks run in the form (live), the API
(`POST /api/v1/goals/check/`) and the services that save a goal.
"""

import datetime
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, DecimalField, Sum, When
from django.utils.translation import gettext as _

from distributors.models import (
    CustomerCategory,
    Distributor,
    ProductLine,
    RevenueRecord,
    Territory,
)
from drm.french import interpolate
from drm.names import name_in
from drm.periods import add_months, complete_months

from . import formats
from .metrics import HUNDRED, Unit, metric_get, quantize, ratio
from .models import BonusBand, Goal
from .wording import (
    BY,
    COUNT,
    IN,
    MONEY,
    PERCENT,
    POINTS,
    SCALED,
    names_in,
    read,
    states_a_quantity,
    vague_phrase,
)

SPECIFIC, MEASURABLE, ACHIEVABLE, REALISTIC, TIME_BOUND = (
    "specific",
    "measurable",
    "achievable",
    "realistic",
    "time_bound",
)
REFUSAL, WARNING, NOTE = "refusal", "warning", "note"


@dataclass(frozen=True)
class Finding:
    letter: str
    check: str
    severity: str
    message: str

    def as_dict(self):
        return asdict(self)


@dataclass
class Verdict:
    findings: list

    @property
    def refusals(self):
        return [f for f in self.findings if f.severity == REFUSAL]

    @property
    def warnings(self):
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def notes(self):
        return [f for f in self.findings if f.severity == NOTE]

    @property
    def verdict(self):
        if self.refusals:
            return "refused"
        return "warnings" if self.warnings else "ok"

    def as_dict(self):
        return {"verdict": self.verdict, "reasons": [f.as_dict() for f in self.findings]}


@dataclass
class Draft:
    """A goal's terms as entered, before anything is saved."""

    goal: object  # an unsaved (or edited) Goal instance
    landmarks: list  # [(date, expected)]
    bands: list  # [(threshold, kind, amount)]


_CHECKS = []


def register(cls):
    _CHECKS.append(cls())
    return cls


def check_list():
    return list(_CHECKS)


def smart_check(draft):
    """Run every check on `draft`: a Verdict (refusals, warnings, notes) in registry order."""
    findings = []
    for check in _CHECKS:
        findings.extend(check.run(draft))
    return Verdict(findings)


class Check:
    key = ""
    letter = ""

    def run(self, draft):
        raise NotImplementedError

    def refuse(self, message):
        return Finding(self.letter, self.key, REFUSAL, message)

    def warn(self, message):
        return Finding(self.letter, self.key, WARNING, message)

    def note(self, message):
        return Finding(self.letter, self.key, NOTE, message)


def _metric(goal):
    try:
        return metric_get(goal.metric)
    except LookupError:
        return None


# --- Specific ----------------------------------------------------------------------------------


@register
class MetricAndScope(Check):
    key = "metric_and_scope"
    letter = SPECIFIC

    def run(self, draft):
        goal = draft.goal
        metric = _metric(goal)
        if metric is None:
            yield self.refuse(_("Choose what the goal measures (a metric)."))
            return
        if goal.level not in metric.levels:
            yield self.refuse(
                _("“%(metric)s” does not apply to a %(level)s.")
                % {"metric": metric.label, "level": goal.get_level_display().lower()}
            )
        names = {
            "product_line": _("a product line"),
            "territory": _("a territory"),
            "customer_category": _("a customer category"),
        }
        for name in metric.requires:
            if not getattr(goal, f"{name}_id"):
                yield self.refuse(
                    _("“%(metric)s” needs its scope: name %(what)s.")
                    % {"metric": metric.label, "what": names[name]}
                )
        if goal.level == "distributor" and not goal.distributor_id:
            yield self.refuse(_("A distributor goal names its distributor."))
        elif goal.level != "distributor" and goal.distributor_id:
            # The database refuses it too (goal_distributor_by_level); say why, in words.
            yield self.refuse(_("A team or support goal covers no single distributor."))


def author_texts(goal):
    """[(field name, text)]: the author's own words on the goal, the ones the SMART check reads
    (the title is written from the terms, so it cannot disagree with them)."""
    return [("subtitle", goal.subtitle), ("description", goal.description)]


def _text_label(name):
    """The sentence-opening name of an author's text in findings ("The subtitle ...")."""
    return {"subtitle": _("The subtitle"), "description": _("The description")}[name]


@register
class Wording(Check):
    """Specific: no text of the author's may wish instead of setting a goal.

    A vague phrase (`wording.VAGUE_PHRASES`) stands only in a text that also states a
    measurable quantity with its unit: an amount with its currency or a k/M scale, a
    percentage or points, a count of things named. A bare number, a rank ("number one") or a
    year makes no wish a goal.
    """

    key = "vague_wording"
    letter = SPECIFIC

    def run(self, draft):
        for name, text in author_texts(draft.goal):
            found = vague_phrase(text or "")
            if found is None or states_a_quantity(text):
                continue
            _phrase, words = found
            yield self.refuse(
                _(
                    "%(text)s says “%(phrase)s”: a wish, not a goal. Say how much, of what, by "
                    "when, with its unit (for example “%(example)s”); a number or a year alone "
                    "does not make it measurable."
                )
                % {
                    "text": _text_label(name),
                    "phrase": words,
                    "example": _("revenue of 1.2 M EUR from pumps in 2027"),
                }
            )


# What a count must count to be held to the terms, by metric ("12 visits" to a visits goal).
_COUNTED = {
    "units": "units",
    "visits": "visits",
    "trainings": "trainings",
    "one_to_ones": "meetings",
}


def _bands(draft):
    """The bonus bands in the draft; those the goal holds when the draft leaves them as they are."""
    if draft.bands:
        return [(Decimal(t), kind, Decimal(a)) for t, kind, a in draft.bands]
    goal = draft.goal
    if goal.pk:
        return list(goal.bands.values_list("threshold", "kind", "amount"))
    return []


def _inside(first, last, outer):
    return outer is not None and outer[0] <= first and last <= outer[1]


def _overlaps(first, last, span):
    return span is not None and first <= span[1] and span[0] <= last


@register
class WordsAndTerms(Check):
    """Specific: what the author's words state agrees with the terms, from the first draft on.

    Each text (`author_texts`) is read (`wording.read`, `wording.names_in`) and held to them:
    - an amount in the goal's currency, or with a k/M scale only, reads as the target, the
      baseline or the increase between them, rounded as it is written ("72 k" is 71,500 up to
      72,499.99); an amount in the bonus currency reads as a fixed bonus; any other currency is
      refused;
    - a percentage reads as the target or baseline of a percentage metric, the growth the target
      implies over the baseline (per day of each period, or the plain ratio) for other metrics,
      or a bonus band's threshold or rate; points read as the change from the baseline;
    - a count of units (visits, trainings, meetings) reads like an amount for a metric that
      counts them;
    - a period named as the goal's ("in 2027", "en 2027", "au T3 2026") holds the goal's
      start…due or lies within it, or holds or lies within the baseline period; a deadline ("by
      2027", "d'ici fin 2026") holds the due date (or begins the day after it), or lies within
      the goal's dates; any other date, month, quarter, half or year overlaps the goal's dates
      or its baseline period;
    - a product line, territory or customer category named (any in the database, as stored, on
      whole words) is the goal's own; the distributor's own name is not read for names.
    Figures are judged only when the terms they answer to are given (the other checks refuse
    what is missing), and only in the metric's unit: a money amount on a margin goal is no term.
    """

    key = "words_and_terms"
    letter = SPECIFIC

    def run(self, draft):
        goal = draft.goal
        texts = [(name, text) for name, text in author_texts(goal) if (text or "").strip()]
        if not texts:
            return
        metric = _metric(goal)
        scopes = self._scopes(goal)
        for name, text in texts:
            label = _text_label(name)
            reading = read(text)
            for figure in reading.figures:
                yield from self._figure(label, figure, draft, metric)
            for period in reading.periods:
                yield from self._period(label, period, goal)
            yield from self._names(label, text, goal, scopes)

    # --- figures

    def _figure(self, label, figure, draft, metric):
        goal = draft.goal
        if figure.kind == MONEY:
            currency, payout = formats.currency_of(goal), goal.payout_currency_code
            fixed = [a for _t, kind, a in _bands(draft) if kind == BonusBand.Kind.FIXED]
            if figure.currency != currency:
                if figure.currency == payout and any(figure.matches(a) for a in fixed):
                    return
                yield self.refuse(self._currency_message(label, figure, currency, payout))
                return
            if payout != currency:
                fixed = []  # bonuses are paid in another currency: none reads in this one
        if metric is None or goal.target is None:
            return
        if figure.kind == PERCENT:
            yield from self._percent(label, figure, draft, metric)
        elif figure.kind == POINTS:
            yield from self._points(label, figure, goal, metric)
        elif self._held_as_amount(figure, metric):
            values = [goal.target, goal.baseline]
            if goal.baseline is not None:
                values.append(goal.target - goal.baseline)
            if figure.kind == MONEY:
                values.extend(fixed)
            if any(figure.matches(value) for value in values):
                return
            words = {
                "text": label,
                "words": figure.words,
                "target": formats.value_text(goal, goal.target, exact=True),
            }
            if goal.baseline is None:
                message = _("%(text)s names %(words)s; the target is %(target)s.") % words
            else:
                words["baseline"] = formats.value_text(goal, goal.baseline, exact=True)
                message = (
                    _(
                        "%(text)s names %(words)s; the target is %(target)s and the baseline "
                        "%(baseline)s."
                    )
                    % words
                )
            yield self.refuse(message)

    @staticmethod
    def _currency_message(label, figure, currency, payout):
        words = {
            "text": label,
            "currency": figure.currency,
            "words": figure.words,
            "reporting": currency,
            "payout": payout,
        }
        if payout == currency:
            message = _(
                "%(text)s names an amount in %(currency)s (%(words)s); the goal's amounts are in "
                "%(reporting)s."
            )
        else:
            message = _(
                "%(text)s names an amount in %(currency)s (%(words)s); the goal's amounts are in "
                "%(reporting)s, and no bonus pays that amount in %(payout)s."
            )
        return message % words

    @staticmethod
    def _held_as_amount(figure, metric):
        if figure.kind == MONEY:
            return metric.unit == Unit.MONEY
        if figure.kind == SCALED:
            return metric.unit in (Unit.MONEY, Unit.UNITS, Unit.COUNT)
        if figure.kind == COUNT:
            return figure.counts == _COUNTED.get(metric.key)
        return False

    def _percent(self, label, figure, draft, metric):
        goal = draft.goal
        candidates = []  # (value, how the terms say it)
        if metric.unit == Unit.PERCENT:
            candidates.append((goal.target, _("a target of %(value)s")))
            if goal.baseline is not None:
                candidates.append((goal.baseline, _("a baseline of %(value)s")))
        else:
            growth = implied_growth(goal)
            if growth is not None:
                candidates.append((growth, _("%(value)s growth over the baseline")))
            if goal.baseline:
                plain = (goal.target - goal.baseline) * HUNDRED / goal.baseline
                candidates.append((plain, ""))  # the same growth without the days: not shown
        for threshold, kind, amount in _bands(draft):
            candidates.append((threshold, _("a bonus band from %(value)s of the target")))
            if kind == BonusBand.Kind.PERCENT_ABOVE:
                candidates.append(
                    (amount, _("a bonus of %(value)s of the revenue above the target"))
                )
        if any(figure.matches(value) for value, _how in candidates):
            return
        shown = [
            how % {"value": formats.percent_text(v, formats.decimals(quantize(v)))}
            for v, how in candidates
            if how
        ]
        if shown:
            message = _("%(text)s names %(words)s; the terms give %(terms)s.") % {
                "text": label,
                "words": figure.words,
                "terms": ", ".join(shown),
            }
        else:
            message = _("%(text)s names %(words)s, a percentage the terms do not give.") % {
                "text": label,
                "words": figure.words,
            }
        yield self.refuse(message)

    def _points(self, label, figure, goal, metric):
        if metric.unit != Unit.PERCENT or metric.key == "growth_pct" or goal.baseline is None:
            return
        change = goal.target - goal.baseline
        if figure.matches(change):
            return
        yield self.refuse(
            _("%(text)s names %(words)s; the target is %(change)s points from the baseline.")
            % {
                "text": label,
                "words": figure.words,
                "change": formats.number_text(abs(change), formats.decimals(change)),
            }
        )

    # --- periods

    def _period(self, label, period, goal):
        if not (goal.start and goal.due) or goal.due < goal.start:
            return  # refused as not time-bound
        span = (goal.start, goal.due)
        base = None
        if goal.baseline_start and goal.baseline_end and goal.baseline_start <= goal.baseline_end:
            base = (goal.baseline_start, goal.baseline_end)
        first, last = period.first, period.last
        words = {
            "text": label,
            "period": period.words,
            "start": formats.day_text(goal.start),
            "due": formats.day_text(goal.due),
        }
        if period.role == IN:
            if (
                _inside(*span, (first, last))
                or _inside(first, last, span)
                or (base and (_inside(*base, (first, last)) or _inside(first, last, base)))
            ):
                return
            yield self.refuse(
                _("%(text)s puts the goal in %(period)s; the goal runs from %(start)s to %(due)s.")
                % words
            )
        elif period.role == BY:
            if first - datetime.timedelta(days=1) <= goal.due <= last or _inside(first, last, span):
                return
            yield self.refuse(
                _("%(text)s sets the deadline at %(period)s; the goal is due on %(due)s.") % words
            )
        elif not (_overlaps(first, last, span) or _overlaps(first, last, base)):
            if base is None:
                message = _(
                    "%(text)s names %(period)s, outside the goal's dates (%(start)s to %(due)s)."
                )
            else:
                words.update(
                    base_start=formats.day_text(base[0]), base_end=formats.day_text(base[1])
                )
                message = _(
                    "%(text)s names %(period)s, outside the goal's dates (%(start)s to %(due)s) "
                    "and its baseline period (%(base_start)s to %(base_end)s)."
                )
            yield self.refuse(message % words)

    # --- names

    @staticmethod
    def _scopes(goal):
        """[(field, [(id, name)] in English and in French, {id: name as the reader reads it},
        the goal's own id)]: three small queries. A text may name a row in either language."""
        scopes = []
        for field, model in (
            ("product_line", ProductLine),
            ("territory", Territory),
            ("customer_category", CustomerCategory),
        ):
            rows = list(model.objects.values_list("pk", "name", "name_fr"))
            names = [(pk, name) for pk, name, _fr in rows]
            names += [(pk, name_fr) for pk, _name, name_fr in rows if name_fr]
            shown = {pk: name_in(name, name_fr) for pk, name, name_fr in rows}
            scopes.append((field, names, shown, getattr(goal, f"{field}_id")))
        return scopes

    def _names(self, label, text, goal, scopes):
        unnamed = [goal.distributor.name] if goal.distributor_id else []
        for field, names, shown, own in scopes:
            for pk, words in names_in(text, names, unnamed=unnamed):
                if pk == own:
                    continue
                message = self._name_message(field, own)
                yield self.refuse(
                    message % {"text": label, "named": words, "own": shown.get(own, "")}
                )

    @staticmethod
    def _name_message(field, own):
        if field == "product_line":
            if own is None:
                return _(
                    "%(text)s names the product line %(named)s; the goal covers every product line."
                )
            return _(
                "%(text)s names the product line %(named)s; the goal's product line is %(own)s."
            )
        if field == "territory":
            if own is None:
                return _(
                    "%(text)s names the territory %(named)s; the goal covers no single territory."
                )
            return _("%(text)s names the territory %(named)s; the goal's territory is %(own)s.")
        if own is None:
            return _(
                "%(text)s names the customer category %(named)s; the goal covers every customer "
                "category."
            )
        return _(
            "%(text)s names the customer category %(named)s; the goal's customer category is "
            "%(own)s."
        )


# --- Measurable --------------------------------------------------------------------------------


@register
class Measurable(Check):
    key = "measurable"
    letter = MEASURABLE

    def run(self, draft):
        goal = draft.goal
        if goal.target is None:
            yield self.refuse(_("Give a target value."))
        elif goal.target < 0:
            yield self.refuse(_("The target cannot be negative."))
        if goal.baseline is None:
            yield self.refuse(
                _(
                    "Give a baseline (where the distributor stands today), or a baseline period "
                    "for the portal to compute it from the figures it holds."
                )
            )
        if not (goal.baseline_start and goal.baseline_end):
            yield self.refuse(_("Say which period the baseline covers."))
        elif goal.baseline_end < goal.baseline_start:
            yield self.refuse(_("The baseline period ends before it starts."))
        if not goal.unit:
            yield self.refuse(_("Give the target's unit."))
        metric = _metric(goal)
        bounded = metric is not None and metric.bounded
        if bounded and goal.target is not None and goal.target > HUNDRED:
            yield self.refuse(
                _("%(metric)s cannot pass 100 %%; the target is %(target)s %%.")
                % {"metric": metric.label, "target": goal.target}
            )


# --- Achievable and Realistic ------------------------------------------------------------------


def _days(start, end):
    return max((end - start).days + 1, 1)


def implied_growth(goal):
    """The growth (in %) the target asks for against the baseline, per day of each period; for a
    percentage metric, the change in points. None when it cannot be told (no baseline)."""
    metric = _metric(goal)
    if metric is None or goal.target is None or goal.baseline is None:
        return None
    if metric.key == "growth_pct":
        return quantize(goal.target)
    if metric.unit == Unit.PERCENT:
        return quantize(goal.target - goal.baseline)
    if not goal.baseline or not (goal.baseline_start and goal.baseline_end):
        return None
    if not (goal.start and goal.due):
        return None  # the time-bound check says what is missing
    per_day_target = goal.target / _days(goal.start, goal.due)
    per_day_baseline = goal.baseline / _days(goal.baseline_start, goal.baseline_end)
    if per_day_baseline <= 0:
        return None
    return quantize((per_day_target / per_day_baseline - 1) * HUNDRED)


def revenue_growth(distributor_ids, *, product_line_id=None, on=None):
    """{distributor id: year-on-year growth % of the last 12 complete months} (one query)."""
    recent = complete_months(12, on=on)
    earlier_first = add_months(recent.first, -12)
    rows = RevenueRecord.objects.filter(
        distributor_id__in=distributor_ids,
        month__gte=earlier_first,
        month__lt=recent.end,
        rate__isnull=False,
    )
    if product_line_id:
        rows = rows.filter(product_line_id=product_line_id)
    money = DecimalField(max_digits=22, decimal_places=2)
    totals = (
        rows.values("distributor_id")
        .annotate(
            recent=Sum(
                Case(When(month__gte=recent.first, then="reporting_amount"), output_field=money)
            ),
            earlier=Sum(
                Case(When(month__lt=recent.first, then="reporting_amount"), output_field=money)
            ),
        )
        .order_by()
    )
    return {
        row["distributor_id"]: quantize((row["recent"] - row["earlier"]) * HUNDRED / row["earlier"])
        for row in totals
        if row["earlier"] and row["recent"] is not None
    }


def percentile(values, share):
    ordered = sorted(values)
    if not ordered:
        return None
    index = (len(ordered) - 1) * share
    low = int(index)
    high = min(low + 1, len(ordered) - 1)
    return quantize(ordered[low] + (ordered[high] - ordered[low]) * Decimal(index - low))


PEER_MINIMUM = 3


@register
class Ambition(Check):
    """Achievable: the growth the target implies against what the distributor's peers achieved."""

    key = "ambition"
    letter = ACHIEVABLE

    def run(self, draft):
        goal = draft.goal
        metric = _metric(goal)
        growth = implied_growth(goal)
        if metric is None or growth is None:
            return
        absurd = Decimal(settings.GOAL_ABSURD_GROWTH_PCT)
        if metric.unit == Unit.PERCENT and metric.key != "growth_pct":
            points = Decimal(settings.GOAL_WARN_POINTS)
            if growth > points * 3:
                yield self.refuse(
                    _(
                        "The target asks for %(points)s points more than the baseline: out of "
                        "reach (more than %(limit)s points)."
                    )
                    % {"points": growth, "limit": points * 3}
                )
            elif growth > points:
                yield self.warn(
                    _("The target asks for %(points)s points more than the baseline.")
                    % {"points": growth}
                )
            return
        if growth > absurd:
            yield self.refuse(
                _(
                    "The target implies %(growth)s %% growth over the baseline, beyond any "
                    "realistic plan (the limit is %(limit)s %%)."
                )
                % {"growth": growth, "limit": absurd}
            )
            return
        if goal.level != "distributor" or not goal.distributor_id:
            return
        distributor = goal.distributor
        peers = list(
            Distributor.objects.filter(tier_id=distributor.tier_id, status="active")
            .exclude(pk=distributor.pk)
            .values_list("pk", flat=True)
        )
        growths = list(revenue_growth(peers, product_line_id=goal.product_line_id).values())
        if len(growths) < PEER_MINIMUM:
            return
        p90 = percentile(growths, Decimal("0.9"))
        if growth > p90:
            yield self.warn(
                _(
                    "The target implies %(growth)s %% growth; nine in ten peers of the same tier "
                    "grew by %(p90)s %% or less over the last 12 months."
                )
                % {"growth": growth, "p90": p90}
            )


@register
class OwnTrend(Check):
    """Realistic: the growth asked for against the distributor's own trend."""

    key = "own_trend"
    letter = REALISTIC

    def run(self, draft):
        goal = draft.goal
        metric = _metric(goal)
        growth = implied_growth(goal)
        if metric is None or growth is None or not goal.distributor_id:
            return
        if metric.unit == Unit.PERCENT and metric.key != "growth_pct":
            return
        if growth > Decimal(settings.GOAL_ABSURD_GROWTH_PCT):
            return  # already refused as unachievable
        trend = revenue_growth([goal.distributor_id], product_line_id=goal.product_line_id).get(
            goal.distributor_id
        )
        if trend is None:
            return
        margin = Decimal(settings.GOAL_TREND_MARGIN_POINTS)
        if growth > trend + margin:
            yield self.warn(
                _(
                    "The target implies %(growth)s %% growth while the distributor's own revenue "
                    "moved by %(trend)s %% over the last 12 months."
                )
                % {"growth": growth, "trend": trend}
            )


def _target_changes(goal, past):
    """[(attainment % of a year, change % of the target that followed it)], latest last:
    `past` are the two goals before `goal`, oldest first."""
    pairs = []
    following = [*past[1:], goal]
    for year, after in zip(past, following, strict=True):
        actual = year.final_actual if year.final_actual is not None else year.actual
        if actual is None or not year.target or after.target is None:
            return []
        pairs.append((ratio(actual, year.target), ratio(after.target - year.target, year.target)))
    return pairs


@register
class Ratchet(Check):
    """Realistic: a target that rises after a good year by more than it fell after a bad one
    (ratcheting, Leone, Misra & Zimmerman 2004): a distributor learns that beating its target
    is punished, and stops beating it. Compares the last two years' target changes with the
    attainment each followed; warns when the rise exceeds the fall by more than
    GOALS_RATCHET_TOLERANCE percentage points."""

    key = "ratchet"
    letter = REALISTIC

    def run(self, draft):
        goal = draft.goal
        metric = _metric(goal)
        if (
            metric is None
            or metric.unit != Unit.MONEY
            or goal.level != Goal.Level.DISTRIBUTOR
            or not goal.distributor_id
            or goal.target is None
            or not goal.start
        ):
            return
        past = list(
            Goal.objects.filter(
                level=Goal.Level.DISTRIBUTOR,
                distributor_id=goal.distributor_id,
                metric=goal.metric,
                product_line_id=goal.product_line_id,
                status__in=(Goal.Status.ACHIEVED, Goal.Status.MISSED),
                due__lt=goal.start,
                target__gt=0,
            )
            .exclude(pk=goal.pk)
            .order_by("-due", "-pk")[:2]
        )
        if len(past) < 2:
            return
        pairs = _target_changes(goal, past[::-1])
        good = [(a, c) for a, c in pairs if a >= HUNDRED and c > 0]
        bad = [(a, c) for a, c in pairs if a < HUNDRED]
        if not (good and bad):
            return
        (good_attainment, rise), (bad_attainment, change) = good[-1], bad[-1]
        fall = -change
        # A rise within the tolerance of the fall is rounding, not a ratchet.
        if rise > fall + Decimal(str(settings.GOALS_RATCHET_TOLERANCE)):
            yield self.warn(
                _(
                    "The target rose by %(rise)s %% after a year at %(good)s %% of target but "
                    "moved by %(change)s %% after a year at %(bad)s %%: it climbs after good "
                    "years faster than it comes down after bad ones (a ratchet)."
                )
                % {
                    "rise": rise,
                    "good": good_attainment,
                    "change": change,
                    "bad": bad_attainment,
                }
            )


@register
class Fit(Check):
    """Realistic: the distributor is active and carries the product line in the territory."""

    key = "fit"
    letter = REALISTIC

    def run(self, draft):
        goal = draft.goal
        if not goal.distributor_id:
            return
        distributor = goal.distributor
        if distributor.status == "terminated":
            yield self.refuse(
                interpolate(_("%(name)s's contract is terminated."), {"name": distributor.name})
            )
        elif distributor.status != "active":
            yield self.warn(
                _("%(name)s is not active (%(status)s).")
                % {"name": distributor.name, "status": distributor.get_status_display().lower()}
            )
        if (
            goal.product_line_id
            and not distributor.product_lines.filter(pk=goal.product_line_id).exists()
        ):
            yield self.refuse(
                _("%(name)s does not carry %(line)s.")
                % {"name": distributor.name, "line": goal.product_line}
            )
        if goal.territory_id and not distributor.territories.filter(pk=goal.territory_id).exists():
            yield self.refuse(
                interpolate(
                    _("%(territory)s is not one of %(name)s's territories."),
                    {"territory": goal.territory, "name": distributor.name},
                )
            )


# --- Time-bound --------------------------------------------------------------------------------


@register
class TimeBound(Check):
    key = "time_bound"
    letter = TIME_BOUND

    def run(self, draft):
        goal = draft.goal
        if not (goal.start and goal.due):
            yield self.refuse(_("Give a start and a due date."))
            return
        if goal.due <= goal.start:
            yield self.refuse(_("The due date must come after the start."))
            return
        distributor = goal.distributor if goal.distributor_id else None
        if (
            distributor is not None
            and distributor.contract_end
            and goal.due > distributor.contract_end
        ):
            yield self.refuse(
                _("The due date %(due)s falls after the contract's end (%(end)s).")
                % {"due": goal.due, "end": distributor.contract_end}
            )
        if (
            distributor is not None
            and distributor.contract_start
            and goal.start < distributor.contract_start
        ):
            yield self.warn(
                _("The goal starts before the contract (%(start)s).")
                % {"start": distributor.contract_start}
            )
        if not draft.landmarks:
            yield self.note(
                _("No landmarks planned yet: the portal proposes quarterly ones on saving.")
            )
        for day, _value in draft.landmarks:
            if not (goal.start <= day <= goal.due):
                yield self.refuse(
                    _("The landmark of %(day)s falls outside the goal's dates.") % {"day": day}
                )
