"""A goal's terms as one object: metric, scope, baseline, target, period, unit, landmarks and
bonus bands, and the rules that hold them together.

- `problems()` says what is wrong with a set of terms, each problem naming its field: values
  outside the metric's domain, dates out of order, landmarks that do not end on the target at
  the due date, bonus bands that pay in a unit the goal does not have. The services refuse
  terms with a problem wherever they enter (entry, revision, counter-proposal, amendment), and
  the live SMART check lists them.
- `snapshot()` and `difference()` write the terms in one JSON shape, so that a counter-proposal
  and an amendment keep what changed (old → new), and `change_rows()` reads it back for a
  person, through the one formatter (`goals.formats`).
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from . import formats
from .metrics import Unit, metric_get

SCALARS = (
    "subtitle",
    "description",
    "metric",
    "baseline",
    "baseline_start",
    "baseline_end",
    "target",
    "start",
    "due",
    "exciting",
    "landmark_rule",
    "team_basis",
)
RELATIONS = ("product_line", "territory", "customer_category")
# Every term in the order a person reads them.
KEYS = (*SCALARS[:3], *RELATIONS, *SCALARS[3:], "landmarks", "bands")
FIGURES = ("baseline", "target")
DATES = ("baseline_start", "baseline_end", "start", "due")


@dataclass(frozen=True)
class Problem:
    field: str
    letter: str  # the SMART letter it belongs to (the live check lists it there)
    message: str


def _metric(goal):
    try:
        return metric_get(goal.metric)
    except LookupError:
        return None


# --- what is wrong with a set of terms ---------------------------------------------------------


def _domain_problem(goal, metric, value, field, what):
    if value is None:
        return None
    if value < metric.minimum:
        if metric.minimum == 0:
            return _("%(what)s cannot be negative (%(value)s).") % {
                "what": what,
                "value": formats.value_text(goal, value, exact=True),
            }
        return _("%(what)s cannot be below %(minimum)s (%(value)s).") % {
            "what": what,
            "minimum": formats.value_text(goal, metric.minimum, exact=True),
            "value": formats.value_text(goal, value, exact=True),
        }
    if metric.maximum is not None and value > metric.maximum:
        return _("%(what)s cannot pass %(maximum)s (%(value)s).") % {
            "what": what,
            "maximum": formats.value_text(goal, metric.maximum, exact=True),
            "value": formats.value_text(goal, value, exact=True),
        }
    return None


def problems(goal, landmarks, bands):
    """[Problem] of `goal`'s terms with `landmarks` [(date, value)] and `bands` [(threshold,
    kind, amount)]; empty when they hold together. Reads no database."""
    found = []

    def add(field, letter, message):
        found.append(Problem(field, letter, message))

    metric = _metric(goal)
    # Missing terms: the same words as the SMART check's, with the field they belong to.
    for field in ("start", "due"):
        if getattr(goal, field) is None:
            add(field, "time_bound", _("Give a start and a due date."))
    if goal.target is None:
        add("target", "measurable", _("Give a target value."))
    if goal.start and goal.due and goal.due <= goal.start:
        add("due", "time_bound", _("The due date must come after the start."))
    if goal.baseline_start and goal.baseline_end and goal.baseline_end < goal.baseline_start:
        add("baseline_end", "measurable", _("The baseline period ends before it starts."))
    if metric is not None:
        for field, what in (("target", _("The target")), ("baseline", _("The baseline"))):
            message = _domain_problem(goal, metric, getattr(goal, field), field, what)
            if message:
                add(field, "measurable", message)
        for name in RELATIONS:
            if getattr(goal, f"{name}_id", None) and name not in metric.scopes:
                label = capfirst(goal._meta.get_field(name).verbose_name)
                add(
                    name,
                    "specific",
                    _("“%(metric)s” is not measured by %(scope)s: leave the %(scope)s out.")
                    % {"metric": metric.label, "scope": str(label).lower()},
                )
    found.extend(_team_problems(goal, metric))
    if metric is not None:
        found.extend(_landmark_problems(goal, metric, landmarks))
        found.extend(_band_problems(goal, metric, bands))
    return found


def _team_problems(goal, metric):
    from .models import Goal, TeamBasis

    if goal.level != Goal.Level.TEAM:
        if goal.team_basis:
            yield Problem(
                "team_basis",
                "specific",
                _("Only a team goal is measured on a channel or on aligned goals."),
            )
        return
    if goal.team_basis not in TeamBasis.values:
        yield Problem(
            "team_basis",
            "specific",
            _("Say what the team goal adds up: the whole channel or its aligned goals."),
        )
    elif goal.team_basis == TeamBasis.ALIGNED and metric is not None and not metric.cumulative:
        yield Problem(
            "team_basis",
            "measurable",
            _(
                "“%(metric)s” is a rate: aligned goals' rates do not add up. Measure the team "
                "goal on the whole channel."
            )
            % {"metric": metric.label},
        )


def _landmark_problems(goal, metric, landmarks):
    if not landmarks:
        return
    what = _("The landmark of %(day)s")
    previous = None
    for day, value in landmarks:
        label = what % {"day": formats.day_text(day)}
        if goal.start and goal.due and not (goal.start <= day <= goal.due):
            yield Problem(
                "landmarks",
                "time_bound",
                _("%(landmark)s falls outside the goal's dates.") % {"landmark": label},
            )
        message = _domain_problem(goal, metric, value, "landmarks", label)
        if message:
            yield Problem("landmarks", "measurable", message)
        if metric.cumulative and previous is not None and value < previous:
            yield Problem(
                "landmarks",
                "measurable",
                _("%(landmark)s is below the one before: a sum to date never goes down.")
                % {"landmark": label},
            )
        previous = value
    day, value = landmarks[-1]
    if goal.due and goal.target is not None and (day != goal.due or value != goal.target):
        yield Problem(
            "landmarks",
            "measurable",
            _(
                "The last landmark is the target on the due date: it reads %(value)s on "
                "%(day)s, the target is %(target)s on %(due)s."
            )
            % {
                "value": formats.value_text(goal, value, exact=True),
                "day": formats.day_text(day),
                "target": formats.value_text(goal, goal.target, exact=True),
                "due": formats.day_text(goal.due),
            },
        )


def _band_problems(goal, metric, bands):
    thresholds = set()
    for threshold, kind, amount in bands or []:
        if threshold in thresholds:
            yield Problem("bands", "measurable", _("Two bonus bands start at the same attainment."))
        thresholds.add(threshold)
        if not (0 <= threshold <= 1000):
            yield Problem(
                "bands",
                "measurable",
                _("A bonus band starts between 0 and 1,000 % of the target (%(threshold)s).")
                % {"threshold": formats.threshold_text(threshold)},
            )
        if amount < 0:
            yield Problem("bands", "measurable", _("A bonus cannot be negative."))
        if kind == "percent_above":
            if metric.unit != Unit.MONEY:
                yield Problem(
                    "bands",
                    "measurable",
                    _(
                        "“%(metric)s” is not an amount of money: a bonus on it pays a fixed "
                        "amount, not a share of the revenue above target."
                    )
                    % {"metric": metric.label},
                )
            elif amount > 100:
                yield Problem(
                    "bands",
                    "measurable",
                    _("A share of the revenue above target cannot pass 100 %."),
                )


# --- one JSON shape for the terms ----------------------------------------------------------------


def _json(value):
    if value is None:
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def snapshot(goal, landmarks=None, bands=None):
    """The terms as JSON: decimals as "72000.00", dates ISO, relations by code, landmarks
    [[date, value]], bands [[threshold, kind, amount]]. Landmarks and bands default to the
    goal's stored ones."""
    if landmarks is None:
        landmarks = [(lm.date, lm.expected) for lm in goal.landmarks.all()] if goal.pk else []
    if bands is None:
        bands = [(b.threshold, b.kind, b.amount) for b in goal.bands.all()] if goal.pk else []
    terms = {name: _json(getattr(goal, name)) for name in SCALARS}
    for name in RELATIONS:
        related = getattr(goal, name) if getattr(goal, f"{name}_id") else None
        terms[name] = related.code if related is not None else None
    terms["landmarks"] = [[_json(day), _json(Decimal(value))] for day, value in landmarks]
    terms["bands"] = [
        [_json(Decimal(threshold)), kind, _json(Decimal(amount))]
        for threshold, kind, amount in bands
    ]
    return terms


def difference(before, after):
    """(previous, changes): only the terms that differ, each in `snapshot`'s shape."""
    changed = [key for key in KEYS if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in changed}, {key: after.get(key) for key in changed}


@dataclass(frozen=True)
class ChangeRow:
    term: str
    label: str
    old: str
    new: str


def _decimal(text):
    try:
        return Decimal(str(text))
    except (InvalidOperation, TypeError, ValueError):
        return None


def _date(text):
    try:
        return datetime.date.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def term_label(term):
    from .models import Goal

    if term == "landmarks":
        return _("Landmarks")
    if term == "bands":
        return _("Bonus bands")
    return str(capfirst(Goal._meta.get_field(term).verbose_name))


def term_text(goal, term, value, *, names=None):
    """One term's JSON value as a person reads it."""
    from .models import Goal

    if value in (None, "", []):
        return "—"
    if term in FIGURES:
        return formats.value_text(goal, _decimal(value), exact=True)
    if term in DATES:
        return formats.day_text(_date(value))
    if term == "landmarks":
        return " · ".join(
            f"{formats.day_text(_date(day))}: {formats.value_text(goal, _decimal(v), exact=True)}"
            for day, v in value
        )
    if term == "bands":
        return " · ".join(
            _("from %(threshold)s: %(payout)s")
            % {
                "threshold": formats.threshold_text(_decimal(threshold)),
                "payout": formats.band_text(goal, (None, kind, _decimal(amount))),
            }
            for threshold, kind, amount in value
        )
    if term == "metric":
        try:
            return str(metric_get(value).label)
        except LookupError:
            return str(value)
    if term in RELATIONS:
        return (names or {}).get((term, value), str(value))
    field = Goal._meta.get_field(term)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def relation_names(*term_dicts):
    """{(term, code): name in the reader's language} for the product lines, territories and
    categories named."""
    from distributors.models import CustomerCategory, ProductLine, Territory

    models = {
        "product_line": ProductLine,
        "territory": Territory,
        "customer_category": CustomerCategory,
    }
    names = {}
    for term, model in models.items():
        codes = {d.get(term) for d in term_dicts if d.get(term)}
        if codes:
            for row in model.objects.filter(code__in=codes).only("code", "name", "name_fr"):
                names[(term, row.code)] = row.display_name
    return names


def change_rows(goal, previous, changes):
    """[ChangeRow] for a counter-proposal's or an amendment's changes, in term order."""
    names = relation_names(previous, changes)
    return [
        ChangeRow(
            term=term,
            label=term_label(term),
            old=term_text(goal, term, previous.get(term), names=names),
            new=term_text(goal, term, changes.get(term), names=names),
        )
        for term in KEYS
        if term in changes or term in previous
    ]


def change_summary(goal, previous, changes):
    """The changes in one line: "Target: €72,000 → €68,000; Landmarks: …"."""
    return "; ".join(
        _("%(term)s: %(old)s → %(new)s") % {"term": row.label, "old": row.old, "new": row.new}
        for row in change_rows(goal, previous, changes)
    )


class ChangeSummary:
    """`change_summary` written when it is read (a notice takes the recipient's language)."""

    def __init__(self, goal, previous, changes):
        self.goal, self.previous, self.changes = goal, previous, changes

    def __str__(self):
        return change_summary(self.goal, self.previous, self.changes)


# --- the signed terms, as every surface shows them ---------------------------------------------


@dataclass(frozen=True)
class TermsView:
    """A goal's terms written out: what the goal page, the contract annex PDF and the API's
    display texts show, from this one place."""

    title: str
    subtitle: str
    rows: list  # [(label, text)]
    landmarks: list  # [(day, date text, value text)]
    bands: list  # [(threshold text, kind label, payout text)]
    payout_currency: str


def scope_text(goal):
    """The scope in words, with the whole channel named for a team goal."""
    return str(goal.scope_label)


def basis_text(goal):
    """What a team goal's actual adds up, in words."""
    from .models import TeamBasis

    if goal.team_basis == TeamBasis.ALIGNED:
        return _("The sum of the distributor goals aligned under it (agreed, running or settled)")
    return _("The whole channel: all distributors, in the goal's scope")


def terms_view(goal, landmarks=None, bands=None):
    """`goal`'s terms written out (landmarks and bands default to the stored ones)."""
    from .models import Goal

    landmarks = list(goal.landmarks.all()) if landmarks is None else landmarks
    bands = list(goal.bands.all()) if bands is None else bands
    baseline = formats.value_text(goal, goal.baseline, exact=True)
    if goal.baseline_start and goal.baseline_end:
        baseline = _("%(value)s (%(first)s – %(last)s)") % {
            "value": baseline,
            "first": formats.day_text(goal.baseline_start),
            "last": formats.day_text(goal.baseline_end),
        }
    rows = [
        (_("Metric"), str(goal.metric_label)),
        (_("Scope"), scope_text(goal)),
    ]
    if goal.level == Goal.Level.TEAM:
        rows.append((_("Measured on"), basis_text(goal)))
    rows += [
        (_("Baseline"), baseline),
        (_("Target"), formats.value_text(goal, goal.target, exact=True)),
        (
            _("Period"),
            _("%(start)s – %(due)s")
            % {"start": formats.day_text(goal.start), "due": formats.day_text(goal.due)},
        ),
        (_("Landmarks"), str(goal.get_landmark_rule_display())),
        (_("Bonus paid in"), goal.payout_currency_code),
        (_("Specific description"), goal.description or "—"),
        (_("Why it matters"), goal.exciting or "—"),
    ]
    return TermsView(
        title=formats.goal_title(goal),
        subtitle=goal.subtitle,
        rows=rows,
        landmarks=[
            (
                landmark.date,
                formats.day_text(landmark.date),
                formats.value_text(goal, landmark.expected, exact=True),
            )
            for landmark in landmarks
        ],
        bands=[
            (
                formats.threshold_text(band.threshold),
                band.get_kind_display(),
                formats.band_text(goal, band),
            )
            for band in bands
        ],
        payout_currency=goal.payout_currency_code,
    )
