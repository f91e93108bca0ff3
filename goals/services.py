"""Every write on goals: entry with the SMART check, co-setting (propose, counter, accept),
amendments of agreed goals, landmarks, reviews and their accounting, action steps, the manager's
activity log, and the daily job (activation, reviews, early warning, settlement).

Each act locks its goal row (`select_for_update`) and re-reads it, so two people answering the
same proposal at once cannot both win; the loser gets a clear error naming the present status.
"""

import copy
import dataclasses
import datetime
import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from drm import events
from drm.errors import NotAllowed, ValidationFailed
from drm.events import emit
from drm.history import history_changes
from drm.limits import text_check, text_within, texts_check
from drm.periods import add_months, month_start
from identity.access import Role, is_manufacturer, is_partner, user_membership, user_role
from notifications.services import resolve

from . import formats, notices
from .metrics import Facts, actuals_for, metric_get, projection, quantize
from .models import (
    ACKNOWLEDGEMENT_MAX_LENGTH,
    ActionStep,
    Activity,
    Amendment,
    BonusBand,
    Cause,
    Goal,
    Landmark,
    LandmarkReview,
    LandmarkRule,
    Proposal,
    Side,
    TeamBasis,
)
from .sides import side_for
from .smart import REFUSAL, Draft, Finding, smart_check
from .terms import Problem as TermsProblem
from .terms import difference as terms_difference
from .terms import problems as terms_problems
from .terms import snapshot as terms_snapshot

log = logging.getLogger(__name__)

HUNDRED = Decimal(100)


# --- who acts for which side -------------------------------------------------------------------


def goal_side(user, goal):
    """The side `user` speaks for on `goal`: the manufacturer, or the goal's distributor (its
    partner admin only). Anyone else is refused (`sides.side_for`)."""
    return side_for(user, goal.distributor_id)


def _lock(goal):
    return (
        Goal.objects.select_for_update(of=("self",))
        .select_related("distributor", "product_line", "territory", "customer_category", "owner")
        .get(pk=goal.pk)
    )


def _refuse_move(goal, status):
    raise ValidationFailed(
        _("The goal is %(current)s; it cannot become %(asked)s.")
        % {
            "current": goal.get_status_display().lower(),
            "asked": Goal.Status(status).label.lower(),
        },
        field="status",
    )


def _move(goal, status):
    if not goal.can_move_to(status):
        _refuse_move(goal, status)
    goal.status = status


def _save(goal, by, *fields):
    goal._history_user = by
    goal.save(update_fields=[*fields, "updated_at"] if fields else None)


# --- terms: entry, the SMART check, landmarks and bands ----------------------------------------


@dataclass
class Terms:
    """What a goal's author enters: its fields, landmarks [(date, value)], bands [(threshold,
    kind, amount)], how the landmarks are made (`landmark_rule`; landmarks typed in mean "by
    hand"), the reason for accepting the SMART check's warnings, and (a counter-proposal) why
    the terms change."""

    fields: dict
    landmarks: list | None = None
    bands: list | None = None
    acknowledgement: str = ""
    landmark_rule: str | None = None
    reason: str = ""


def _apply_fields(goal, fields):
    texts_check(Goal, fields)
    for name, value in fields.items():
        if name not in (*Goal.TERMS, "level", "distributor", "parent", "owner"):
            raise ValidationFailed(_("Unknown field."), field=name)
        setattr(goal, name, value)
    goal.subtitle = (goal.subtitle or "").strip()
    if goal.level == Goal.Level.TEAM and not goal.team_basis:
        goal.team_basis = TeamBasis.CHANNEL
    try:
        metric = metric_get(goal.metric)
    except LookupError:
        metric = None
    if metric is not None:
        # The unit is the metric's, never typed: money in the reporting currency (a code, so
        # that it reads the same in every language), units, a percentage or a count.
        goal.unit = settings.REPORTING_CURRENCY if metric.unit == "money" else metric.unit
    if goal.baseline is None and goal.baseline_start and goal.baseline_end and metric:
        goal.baseline = baseline_from_data(goal)


def _validate(goal, landmarks, bands):
    """Refuse terms that do not hold together, naming the field at fault (`terms.problems`)."""
    found = terms_problems(goal, landmarks, bands)
    if found:
        raise ValidationFailed(
            found[0].message,
            field=found[0].field,
            details=[p.as_detail() for p in found],
        )


def _settle_landmarks(goal, entered, *, current, kept=()):
    """The landmarks the terms carry after a change: re-derived by the goal's rule from the
    target and the dates (the reviewed ones of `kept` stay as they were), or, set by hand,
    those typed in, else the current ones, which must still end on the target.

    A landmark on the due date always exists and reads the target: when hand-set landmarks
    stop before the due date, that one is added.
    """
    given = _clean_landmarks(entered.landmarks) if entered.landmarks else None
    rule = entered.landmark_rule or (
        LandmarkRule.MANUAL if given else goal.landmark_rule or LandmarkRule.LINEAR
    )
    if rule not in LandmarkRule.values:
        raise ValidationFailed(_("Choose how the landmarks are set."), field="landmark_rule")
    goal.landmark_rule = rule
    if rule != LandmarkRule.MANUAL:
        if given:
            raise ValidationFailed(
                _(
                    "The portal proposes these landmarks from the target and the dates; to "
                    "type them, set them by hand."
                ),
                field="landmarks",
            )
        try:
            rows = dict(landmarks_propose(goal, method=rule))
        except LookupError:
            return []
        rows.update({day: value for day, value in current if day in set(kept)})
        return sorted(rows.items())
    rows = list(given if given is not None else current)
    if goal.due is None or goal.target is None:
        return rows
    if not any(day >= goal.due for day, _value in rows):
        rows.append((goal.due, quantize(goal.target)))
    elif given is None and rows[-1] != (goal.due, goal.target):
        raise ValidationFailed(
            _(
                "The landmarks were set by hand: confirm them for a target of %(target)s due "
                "on %(due)s (the last one reads %(value)s on %(day)s), or let the portal "
                "propose them."
            )
            % {
                "target": formats.value_text(goal, goal.target, exact=True),
                "due": formats.day_text(goal.due),
                "value": formats.value_text(goal, rows[-1][1], exact=True),
                "day": formats.day_text(rows[-1][0]),
            },
            field="landmarks",
        )
    return sorted(rows)


def baseline_from_data(goal):
    """The baseline the portal's own figures give for the goal's baseline period, or None."""
    if not goal.metric or not (goal.baseline_start and goal.baseline_end):
        return None
    if goal.level == "distributor" and not goal.distributor_id:
        return None
    try:
        metric = metric_get(goal.metric)
    except LookupError:
        return None
    facts = Facts(
        first=add_months(month_start(goal.baseline_start), -12),
        last=month_start(goal.baseline_end),
        distributor_ids={goal.distributor_id} if goal.distributor_id else set(),
        channel=goal.distributor_id is None,
    )
    from .metrics import Period

    try:
        return metric.measure(goal, facts, Period.of(goal.baseline_start, goal.baseline_end)).value
    except (AttributeError, InvalidOperation):
        return None


def _check(goal, terms, by, landmarks):
    """Run the SMART check; refusals raise, warnings need an acknowledged reason (kept)."""
    verdict = smart_check(Draft(goal=goal, landmarks=landmarks, bands=terms.bands or []))
    if verdict.refusals:
        first = verdict.refusals[0]
        raise ValidationFailed(
            first.message,
            field=first.letter,
            details=[f.as_dict() for f in verdict.findings],
        )
    if verdict.warnings:
        reason = (terms.acknowledgement or "").strip()
        text_within(
            reason,
            limit=ACKNOWLEDGEMENT_MAX_LENGTH,
            label=_("Why the goal stands despite the SMART warnings"),
            field="acknowledgement",
        )
        if not reason:
            raise ValidationFailed(
                _("The SMART check has warnings: say why the goal stands as it is."),
                field="acknowledgement",
                details=[f.as_dict() for f in verdict.findings],
            )
        now = timezone.now().isoformat()
        goal.smart_acknowledgements = [
            *goal.smart_acknowledgements,
            *(
                {**w.as_dict(), "reason": reason, "by": by.get_username(), "at": now}
                for w in verdict.warnings
            ),
        ]
    return verdict


def _clean_landmarks(rows):
    cleaned = []
    for day, value in rows or []:
        if not isinstance(day, datetime.date):
            raise ValidationFailed(_("A landmark needs a date."), field="landmarks")
        try:
            value = quantize(Decimal(str(value)))
        except (InvalidOperation, TypeError):
            raise ValidationFailed(
                _("The landmark of %(day)s needs a number.") % {"day": day}, field="landmarks"
            ) from None
        cleaned.append((day, value))
    days = [day for day, _value in cleaned]
    if len(set(days)) != len(days):
        raise ValidationFailed(_("Two landmarks fall on the same day."), field="landmarks")
    return sorted(cleaned)


def _clean_bands(rows):
    cleaned = []
    for threshold, kind, amount in rows or []:
        try:
            threshold = quantize(Decimal(str(threshold)))
            amount = quantize(Decimal(str(amount)))
        except (InvalidOperation, TypeError):
            raise ValidationFailed(_("A bonus band needs numbers."), field="bands") from None
        if kind not in BonusBand.Kind.values:
            raise ValidationFailed(_("Unknown kind of payout."), field="bands")
        if threshold < 0 or amount < 0:
            raise ValidationFailed(_("Bonus figures cannot be negative."), field="bands")
        if kind == BonusBand.Kind.PERCENT_ABOVE and amount > HUNDRED:
            problem = TermsProblem(
                "bands",
                "measurable",
                _("A payout rate cannot pass 100 %."),
                at=threshold,
                column="amount",
                row_message=_("a share of the revenue above target cannot pass 100 %"),
            )
            raise ValidationFailed(problem.message, field="bands", details=[problem.as_detail()])
        cleaned.append((threshold, kind, amount))
    thresholds = [row[0] for row in cleaned]
    if len(set(thresholds)) != len(thresholds):
        raise ValidationFailed(_("Two bonus bands start at the same attainment."), field="bands")
    return sorted(cleaned)


def _replace_landmarks(goal, rows, by):
    """Set the goal's landmarks to `rows`, one history record per row added, changed or removed."""
    current = {lm.date: lm for lm in goal.landmarks.all()}
    wanted = dict(rows)
    for day, landmark in current.items():
        if day not in wanted:
            if hasattr(landmark, "review"):
                raise ValidationFailed(
                    _("The landmark of %(day)s has been reviewed; it stays.") % {"day": day},
                    field="landmarks",
                )
            landmark._history_user = by
            landmark.delete()
    for day, value in wanted.items():
        landmark = current.get(day)
        if landmark is None:
            landmark = Landmark(goal=goal, date=day, expected=value)
        elif landmark.expected == value:
            continue
        landmark.expected = value
        landmark._history_user = by
        landmark.save()


def _replace_bands(goal, rows, by):
    current = {band.threshold: band for band in goal.bands.all()}
    wanted = {threshold: (kind, amount) for threshold, kind, amount in rows}
    for threshold, band in current.items():
        if threshold not in wanted:
            band._history_user = by
            band.delete()
    for threshold, (kind, amount) in wanted.items():
        band = current.get(threshold) or BonusBand(goal=goal, threshold=threshold)
        if band.pk and band.kind == kind and band.amount == amount:
            continue
        band.kind, band.amount = kind, amount
        band._history_user = by
        band.save()


def landmarks_propose(goal, *, method="linear", count=None):
    """Landmarks the portal suggests: quarter ends (or `count` even steps) from start to due.

    "linear" spreads the target evenly over time; "profile" follows the shape of last year's
    monthly revenue of the goal's scope (a seasonal business reaches more in its strong months).
    Levels (percentages) step from the baseline to the target. Nothing is saved.
    """
    if goal.target is None or not (goal.start and goal.due) or goal.due <= goal.start:
        return []
    days = _landmark_days(goal.start, goal.due, count)
    metric = metric_get(goal.metric)
    target = Decimal(goal.target)
    # Written with the target's precision: the last one is the target itself.
    digits = formats.places(goal)
    if not metric.cumulative:
        base = Decimal(goal.baseline or 0)
        span = Decimal((goal.due - goal.start).days)
        return [
            (
                day,
                formats.quantized(
                    base + (target - base) * Decimal((day - goal.start).days) / span, digits
                ),
            )
            for day in days
        ]
    shares = None
    if method == "profile" and metric.unit in ("money", "units"):
        shares = _last_year_shares(goal, days)
    if shares is None:
        span = Decimal((goal.due - goal.start).days + 1)
        shares = [Decimal((day - goal.start).days + 1) / span for day in days]
    return [
        (day, formats.quantized(target * share, digits))
        for day, share in zip(days, shares, strict=True)
    ]


def _landmark_days(start, due, count):
    if count:
        span = (due - start).days
        return sorted(
            {start + datetime.timedelta(days=round(span * (i + 1) / count)) for i in range(count)}
        )
    days = []
    month = month_start(start)
    while True:
        month = add_months(month, 1)
        quarter_end = month - datetime.timedelta(days=1)
        if quarter_end >= due:
            break
        if quarter_end.month in (3, 6, 9, 12) and quarter_end > start:
            days.append(quarter_end)
    days.append(due)
    return days


def _last_year_shares(goal, days):
    """Cumulative shares of last year's revenue of the goal's scope at each landmark day."""
    facts = Facts(
        first=add_months(month_start(goal.start), -12),
        last=add_months(month_start(goal.due), -12),
        distributor_ids={goal.distributor_id} if goal.distributor_id else set(),
        channel=goal.distributor_id is None,
    )
    metric = metric_get(goal.metric)
    monthly = {}
    month = month_start(goal.start)
    while month <= month_start(goal.due):
        from .metrics import Period

        before = add_months(month, -12)
        monthly[month] = metric.measure(goal, facts, Period(before, before)).value or Decimal(0)
        month = add_months(month, 1)
    total = sum(monthly.values())
    if not total:
        return None
    shares = []
    for day in days:
        reached = sum(value for month, value in monthly.items() if month <= month_start(day))
        shares.append(reached / total)
    shares[-1] = Decimal(1)
    return shares


def _author_scope(by, fields):
    """Who may enter what: a partner admin writes its own distributor's goals only."""
    level = fields.get("level")
    if is_manufacturer(by):
        return
    if user_role(by) != Role.PARTNER_ADMIN:
        raise NotAllowed(_("Only your distributor's admin can set goals; reps work the steps."))
    if level != Goal.Level.DISTRIBUTOR:
        raise NotAllowed(_("A distributor proposes distributor goals only."))
    membership = user_membership(by)
    distributor = fields.get("distributor")
    if distributor is None or distributor.pk != membership.distributor_id:
        raise NotAllowed(_("This goal is not your distributor's."), field="distributor")


def _check_parent(goal):
    if goal.parent_id is None:
        return
    parent = goal.parent
    if goal.level != Goal.Level.DISTRIBUTOR or parent.level != Goal.Level.TEAM:
        raise ValidationFailed(
            _("Only a distributor goal aligns under a team goal."), field="parent"
        )


def goal_draft(*, fields, goal=None):
    """An unsaved goal with `fields` over `goal`'s terms (a new goal without one): what a form
    shows while its terms are typed (the landmarks a rule proposes, the units). Fields that do
    not hold are left out; nothing is saved."""
    if goal is None:
        draft = Goal(level=fields.get("level") or Goal.Level.DISTRIBUTOR, start=None, due=None)
    else:
        draft = copy.copy(goal)
    try:
        _apply_fields(draft, fields)
    except ValidationFailed:
        for name, value in fields.items():  # what holds, one field at a time
            try:
                _apply_fields(draft, {name: value})
            except ValidationFailed:
                continue
    return draft


def goal_smart_check(*, by, fields, landmarks=None, bands=None, landmark_rule=None):
    """The SMART verdict for terms not yet saved (the form's live feedback, the API's check),
    with what keeps the terms from holding together among its refusals."""
    goal = Goal(level=fields.get("level") or Goal.Level.DISTRIBUTOR, start=None, due=None)
    _apply_fields(goal, fields)
    bands = _clean_bands(bands)
    try:
        rows = _settle_landmarks(
            goal, Terms(fields={}, landmarks=landmarks, landmark_rule=landmark_rule), current=[]
        )
    except ValidationFailed as exc:
        rows = _clean_landmarks(landmarks)
        problems = [TermsProblem(exc.field or "landmarks", "measurable", exc.message)]
    else:
        problems = []
    verdict = smart_check(Draft(goal=goal, landmarks=rows, bands=bands))
    problems += terms_problems(goal, rows, bands)
    seen = {finding.message for finding in verdict.findings}
    verdict.findings += [
        Finding(p.letter, f"terms_{p.field}", REFUSAL, p.message)
        for p in problems
        if p.message not in seen
    ]
    return verdict


@transaction.atomic
def goal_create(*, by, terms):
    """A new goal in draft. A partner admin may draft its own distributor's goals."""
    entered = terms
    fields = dict(entered.fields)
    _author_scope(by, fields)
    goal = Goal(created_by=by, status=Goal.Status.DRAFT)
    if fields.get("level") != Goal.Level.DISTRIBUTOR:
        fields.setdefault("owner", by if is_manufacturer(by) else None)
    _apply_fields(goal, fields)
    _check_parent(goal)
    bands = _clean_bands(entered.bands)
    # The terms hold together first (errors that name their field), then the SMART check.
    landmarks = _settle_landmarks(goal, entered, current=[])
    _validate(goal, landmarks, bands)
    _check(goal, entered, by, landmarks)
    _save(goal, by)
    _replace_landmarks(goal, landmarks, by)
    _replace_bands(goal, bands, by)
    return goal


def _may_edit(goal, side):
    """A draft is revised by either side. Terms on the table are not changed in place, not even
    by their author: the other side could be accepting them that instant. They are answered."""
    return goal.status == Goal.Status.DRAFT


@transaction.atomic
def goal_update(*, goal, by, terms):
    """Revise a draft (a proposal on the table is answered: accepted or countered)."""
    goal = _lock(goal)
    side = goal_side(by, goal)
    if goal.status not in Goal.NEGOTIATING:
        raise ValidationFailed(
            _("The goal is %(current)s: its terms change by amendment only.")
            % {"current": goal.get_status_display().lower()},
            field="status",
        )
    if not _may_edit(goal, side):
        if goal.awaiting_side == side:
            raise NotAllowed(
                _(
                    "The other side's proposal is on the table: accept it or make a "
                    "counter-proposal."
                )
            )
        raise NotAllowed(_("Your proposal is on the table; wait for the other side's answer."))
    _revise(goal, by, terms)
    return goal


def _current_rows(goal):
    landmarks = [(lm.date, lm.expected) for lm in goal.landmarks.all()]
    bands = [(b.threshold, b.kind, b.amount) for b in goal.bands.all()]
    return landmarks, bands


def _revise(goal, by, entered):
    """Apply `entered` to a goal under negotiation: its landmarks re-derived or re-asked, the
    whole of the terms checked before anything is saved."""
    fields = {k: v for k, v in entered.fields.items() if k not in ("level", "distributor")}
    current, current_bands = _current_rows(goal)
    _apply_fields(goal, fields)
    _check_parent(goal)
    bands = _clean_bands(entered.bands) if entered.bands is not None else current_bands
    landmarks = _settle_landmarks(goal, entered, current=current)
    _validate(goal, landmarks, bands)
    _check(goal, entered, by, landmarks)
    _save(goal, by)
    _replace_landmarks(goal, landmarks, by)
    if entered.bands is not None:
        _replace_bands(goal, bands, by)


def _accept_for(goal, side, by, now):
    if side == Side.MANUFACTURER:
        goal.manufacturer_accepted_by, goal.manufacturer_accepted_at = by, now
    else:
        goal.partner_accepted_by, goal.partner_accepted_at = by, now


def _clear_acceptances(goal):
    goal.manufacturer_accepted_by = goal.manufacturer_accepted_at = None
    goal.partner_accepted_by = goal.partner_accepted_at = None


ACCEPTANCE_FIELDS = (
    "manufacturer_accepted_by",
    "manufacturer_accepted_at",
    "partner_accepted_by",
    "partner_accepted_at",
)


def _goal_event(goal):
    """What an integration hears of a distributor goal: its terms as both sides see them."""
    return {
        "goal_id": goal.pk,
        "status": goal.status,
        "distributor": goal.distributor.code if goal.distributor_id else None,
        "metric": goal.metric,
        "target": str(goal.target),
        "unit": goal.unit,
        "start": goal.start.isoformat(),
        "due": goal.due.isoformat(),
        "proposed_by": goal.proposed_by_side or None,
    }


def _review_event(review):
    """What an integration hears of a landmark review (no explanation text)."""
    return {
        "review_id": review.pk,
        "goal_id": review.goal_id,
        "distributor": review.goal.distributor.code if review.goal.distributor_id else None,
        "landmark_date": review.landmark.date.isoformat(),
        "expected": str(review.expected),
        "actual": None if review.actual is None else str(review.actual),
        "outcome": review.outcome,
        "status": review.status,
        "cause": review.cause or None,
    }


def _review_emit(event_type, review):
    emit(event_type, distributor_id=review.goal.distributor_id, data=_review_event(review))


@transaction.atomic
def goal_propose(*, goal, by):
    """Put a draft distributor goal to the other side; proposing accepts one's own terms."""
    goal = _lock(goal)
    side = goal_side(by, goal)
    if not goal.is_co_set:
        raise ValidationFailed(
            _("Team and support goals are the manufacturer's own: activate them instead."),
            field="status",
        )
    if goal.status != Goal.Status.DRAFT:
        _refuse_move(goal, Goal.Status.PROPOSED)
    if not goal.landmarks.exists():
        raise ValidationFailed(_("Plan at least one landmark first."), field="landmarks")
    _validate(goal, *_current_rows(goal))
    _move(goal, Goal.Status.PROPOSED)
    goal.proposed_by_side = side
    _clear_acceptances(goal)
    now = timezone.now()
    _accept_for(goal, side, by, now)
    _save(goal, by, "status", "proposed_by_side", *ACCEPTANCE_FIELDS)
    proposal = Proposal.objects.create(
        goal=goal, kind=Proposal.Kind.PROPOSAL, side=side, by=by, at=now
    )
    notices.goal_proposed_notify(goal, by=by, proposal=proposal)
    emit(events.GOAL_PROPOSED.name, distributor_id=goal.distributor_id, data=_goal_event(goal))
    return goal


@transaction.atomic
def goal_counter(*, goal, by, terms):
    """Answer the other side's terms with one's own, saying why: the goal goes back to them
    with what changed (old → new for every term), which they read before they accept."""
    entered = terms
    goal = _lock(goal)
    side = goal_side(by, goal)
    if goal.status not in (Goal.Status.PROPOSED, Goal.Status.COUNTER_PROPOSED):
        _refuse_move(goal, Goal.Status.COUNTER_PROPOSED)
    if goal.awaiting_side != side:
        raise NotAllowed(_("Your proposal is on the table; wait for the other side's answer."))
    reason = (entered.reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why you answer with other terms."), field="reason")
    text_check(Proposal, "reason", reason)
    before = terms_snapshot(goal)
    _revise(goal, by, entered)
    previous, changes = terms_difference(before, terms_snapshot(goal))
    if not changes:
        raise ValidationFailed(
            _("Your counter-proposal changes nothing: accept the terms, or change one."),
            field="reason",
        )
    following = (
        Goal.Status.COUNTER_PROPOSED
        if goal.status == Goal.Status.PROPOSED
        else Goal.Status.PROPOSED
    )
    _move(goal, following)
    goal.proposed_by_side = side
    _clear_acceptances(goal)
    now = timezone.now()
    _accept_for(goal, side, by, now)
    _save(goal, by, "status", "proposed_by_side", *ACCEPTANCE_FIELDS)
    proposal = Proposal.objects.create(
        goal=goal,
        kind=Proposal.Kind.COUNTER,
        side=side,
        by=by,
        at=now,
        reason=reason,
        previous=previous,
        changes=changes,
    )
    resolve(key=notices.goal_answer(goal.pk))  # answered: the notice goes the other way now
    notices.goal_proposed_notify(goal, by=by, proposal=proposal)
    emit(events.GOAL_PROPOSED.name, distributor_id=goal.distributor_id, data=_goal_event(goal))
    return goal


@transaction.atomic
def goal_accept(*, goal, by):
    """The side awaited accepts the terms on the table: the goal is agreed by both sides, and
    active at once if its start has come. Terms that do not hold together (entered before the
    rules, say) are refused: they are countered, not signed."""
    goal = _lock(goal)
    side = goal_side(by, goal)
    if goal.status not in (Goal.Status.PROPOSED, Goal.Status.COUNTER_PROPOSED):
        _refuse_move(goal, Goal.Status.AGREED)
    if goal.awaiting_side != side:
        raise NotAllowed(_("Your proposal is on the table; wait for the other side's answer."))
    _validate(goal, *_current_rows(goal))
    _accept_for(goal, side, by, timezone.now())
    _move(goal, Goal.Status.AGREED)
    if goal.start <= timezone.localdate():
        _move(goal, Goal.Status.ACTIVE)
    _save(goal, by, "status", *ACCEPTANCE_FIELDS)
    resolve(key=notices.goal_answer(goal.pk))
    notices.goal_agreed_notify(goal, by=by)
    emit(events.GOAL_AGREED.name, distributor_id=goal.distributor_id, data=_goal_event(goal))
    return goal


@transaction.atomic
def goal_activate(*, goal, by):
    """A manufacturer's team or support goal goes live (no one else has to agree to it)."""
    goal = _lock(goal)
    if not is_manufacturer(by):
        raise NotAllowed(_("Only the manufacturer activates its own goals."))
    if goal.is_co_set:
        raise ValidationFailed(
            _("A distributor goal becomes active once both sides have agreed to it."),
            field="status",
        )
    _move(goal, Goal.Status.ACTIVE)
    goal.manufacturer_accepted_by, goal.manufacturer_accepted_at = by, timezone.now()
    _save(goal, by, "status", "manufacturer_accepted_by", "manufacturer_accepted_at")
    return goal


@transaction.atomic
def goal_close(*, goal, by, reason):
    """The manufacturer withdraws a goal before its end (the reason is kept)."""
    goal = _lock(goal)
    if not is_manufacturer(by):
        raise NotAllowed(_("Only the manufacturer closes a goal."))
    if not (reason or "").strip():
        raise ValidationFailed(_("Say why the goal is closed."), field="reason")
    text_check(Goal, "closed_reason", reason.strip(), field="reason")
    _move(goal, Goal.Status.CLOSED)
    goal.closed_reason = reason.strip()
    _save(goal, by, "status", "closed_reason")
    resolve(key=notices.goal_answer(goal.pk))  # nothing left to answer
    return goal


# --- amendments of agreed goals ----------------------------------------------------------------

AMENDABLE = ("target", "start", "due", "subtitle", "description", "exciting")


def _amended(goal, *, fields, landmarks, bands, landmark_rule):
    """The goal's terms as the amendment would leave them, checked: (draft, landmarks, bands).
    Landmarks made by a rule follow a new target or new dates at once (those already reviewed
    stay); hand-set ones are asked for again."""
    texts_check(Goal, fields or {})
    draft = copy.copy(goal)
    for name, value in (fields or {}).items():
        if name not in AMENDABLE:
            raise ValidationFailed(_("This term cannot be amended."), field=name)
        setattr(draft, name, value)
    draft.subtitle = (draft.subtitle or "").strip()
    current, current_bands = _current_rows(goal)
    reviewed = set(
        LandmarkReview.objects.filter(goal=goal).values_list("landmark__date", flat=True)
    )
    rows = _settle_landmarks(
        draft,
        Terms(fields={}, landmarks=landmarks, landmark_rule=landmark_rule),
        current=current,
        kept=reviewed,
    )
    band_rows = _clean_bands(bands) if bands is not None else current_bands
    _validate(draft, rows, band_rows)
    return draft, rows, band_rows


@transaction.atomic
def amendment_propose(
    *, goal, by, fields=None, landmarks=None, bands=None, reason, review=None, landmark_rule=None
):
    """Propose a change to a frozen goal's terms; it applies when the other side accepts it.

    The amended terms are checked now (their domain, dates, landmarks, bands, the SMART check,
    whose warnings the reason answers), not first at acceptance. The manufacturer's own team
    and support goals take the change at once.
    """
    goal = _lock(goal)
    side = goal_side(by, goal)
    if goal.status not in Goal.FROZEN:
        raise ValidationFailed(
            _("Only an agreed or active goal is amended; edit a goal under negotiation directly."),
            field="status",
        )
    if not (reason or "").strip():
        raise ValidationFailed(_("Say why the goal changes."), field="reason")
    text_check(Amendment, "reason", reason.strip())
    if review is not None and review.goal_id != goal.pk:
        raise ValidationFailed(_("This review is another goal's."), field="review")
    if goal.amendments.filter(status=Amendment.Status.PROPOSED).exists():
        raise ValidationFailed(
            _("An amendment is already on the table: decide on it first."), field="amendment"
        )
    draft, rows, band_rows = _amended(
        goal, fields=fields, landmarks=landmarks, bands=bands, landmark_rule=landmark_rule
    )
    previous, changes = terms_difference(
        terms_snapshot(goal), terms_snapshot(draft, landmarks=rows, bands=band_rows)
    )
    if not changes:
        raise ValidationFailed(_("The amendment changes nothing."))
    _check(draft, Terms(fields={}, acknowledgement=reason), by, rows)
    amendment = Amendment.objects.create(
        goal=goal,
        review=review,
        changes=changes,
        previous=previous,
        reason=reason.strip(),
        proposed_by=by,
        proposed_by_side=side,
        proposed_at=timezone.now(),
    )
    if not goal.is_co_set:
        _amendment_apply(goal, amendment, by)
    else:
        notices.amendment_proposed_notify(amendment, by=by)
    return amendment


def _term_value(name, value):
    """A term read back from its JSON shape (`goals.terms.snapshot`)."""
    if value is None:
        return None
    if name in ("start", "due", "baseline_start", "baseline_end"):
        return datetime.date.fromisoformat(value)
    if name in ("target", "baseline"):
        return Decimal(value)
    return value


def _amendment_apply(goal, amendment, by):
    changes = dict(amendment.changes)
    if "title" in changes:  # proposed before titles were written from the terms
        changes["subtitle"] = changes.pop("title")
    for name in (*AMENDABLE, "landmark_rule"):
        if name in changes:
            setattr(goal, name, _term_value(name, changes[name]))
    current, current_bands = _current_rows(goal)
    rows = (
        [(datetime.date.fromisoformat(d), Decimal(v)) for d, v in changes["landmarks"]]
        if "landmarks" in changes
        else current
    )
    band_rows = (
        [(Decimal(t), k, Decimal(a)) for t, k, a in changes["bands"]]
        if "bands" in changes
        else current_bands
    )
    # The terms as they will stand are checked again: they must hold together when signed.
    _validate(goal, rows, band_rows)
    _save(goal, by)
    if "landmarks" in changes:
        _replace_landmarks(goal, rows, by)
    if "bands" in changes:
        _replace_bands(goal, band_rows, by)
    amendment.status = Amendment.Status.ACCEPTED
    amendment.decided_by, amendment.decided_at = by, timezone.now()
    amendment.save(update_fields=["status", "decided_by", "decided_at"])
    if amendment.review_id:  # an agreed adjustment answers for the review's miss
        reviews_next_act_refresh([amendment.review_id])


def _lock_amendment(amendment):
    # The goal first, then the amendment: the order every other act takes its locks in.
    goal_id = Amendment.objects.filter(pk=amendment.pk).values_list("goal_id", flat=True).get()
    goal = _lock(Goal(pk=goal_id))
    return Amendment.objects.select_for_update().get(pk=amendment.pk), goal


@transaction.atomic
def amendment_accept(*, amendment, by):
    amendment, goal = _lock_amendment(amendment)
    side = goal_side(by, goal)
    if amendment.status != Amendment.Status.PROPOSED:
        raise ValidationFailed(_("This amendment has already been decided."), field="status")
    if side == amendment.proposed_by_side:
        raise NotAllowed(_("The other side accepts an amendment, not its author."))
    _amendment_apply(goal, amendment, by)
    resolve(key=notices.amendment_answer(amendment.pk))
    notices.amendment_decided_notify(amendment, by=by)
    return amendment


@transaction.atomic
def amendment_reject(*, amendment, by):
    amendment, goal = _lock_amendment(amendment)
    side = goal_side(by, goal)
    if amendment.status != Amendment.Status.PROPOSED:
        raise ValidationFailed(_("This amendment has already been decided."), field="status")
    amendment.status = (
        Amendment.Status.WITHDRAWN
        if side == amendment.proposed_by_side
        else Amendment.Status.REJECTED
    )
    amendment.decided_by, amendment.decided_at = by, timezone.now()
    amendment.save(update_fields=["status", "decided_by", "decided_at"])
    resolve(key=notices.amendment_answer(amendment.pk))  # rejected or withdrawn
    if amendment.status == Amendment.Status.REJECTED:
        notices.amendment_decided_notify(amendment, by=by)
    return amendment


# --- landmark reviews --------------------------------------------------------------------------


def reviews_next_act_refresh(ids):
    """Store what the reviews `ids` wait for next, from the rule (`LandmarkReviewQuerySet.
    next_act_refresh`). Every write here that changes what the rule reads calls it (the daily
    job repairs any it missed: `reviews_next_act_stale_repair`). Returns the rows rewritten."""
    ids = list(ids)
    if not ids:
        return 0
    return LandmarkReview.objects.filter(pk__in=ids).next_act_refresh()


def _review_lock(review):
    return (
        LandmarkReview.objects.select_for_update(of=("self",))
        .select_related("goal", "landmark")
        .get(pk=review.pk)
    )


def _review_side(by, review):
    """Either side may account for a review; a partner needs to be its distributor's admin."""
    return goal_side(by, review.goal)


@transaction.atomic
def review_account(*, review, by, cause, explanation, actions=()):
    """Account for a missed (or at-risk) landmark: a cause, an explanation, and corrective
    actions [(what, owner, due)] that join the goal's plan."""
    review = _review_lock(review)
    _review_side(by, review)
    if review.status == LandmarkReview.Status.CLOSED:
        raise ValidationFailed(_("This review is closed."), field="status")
    if cause not in Cause.values:
        raise ValidationFailed(_("Choose a cause from the list."), field="cause")
    if not (explanation or "").strip():
        raise ValidationFailed(_("Explain what happened."), field="explanation")
    text_check(LandmarkReview, "explanation", explanation.strip())
    for what, owner, due in actions:
        if not (what or "").strip():
            raise ValidationFailed(_("Say what the corrective action is."), field="actions")
        text_check(ActionStep, "what", what.strip(), field="actions")
        if due is None:
            raise ValidationFailed(_("A corrective action needs a due date."), field="actions")
        if owner is not None and not _may_own_step(owner, review.goal):
            raise ValidationFailed(
                _("The action's owner must work for the manufacturer or this distributor."),
                field="actions",
            )
    review.cause = cause
    review.explanation = explanation.strip()
    review.accounted_by, review.accounted_at = by, timezone.now()
    review.status = LandmarkReview.Status.ACCOUNTED
    # A partner's accounting carries its admin's acknowledgement with it; the manufacturer's
    # (a first one or a change) waits for the admin to sign it off again.
    if is_partner(by):
        review.acknowledged_by, review.acknowledged_at = by, review.accounted_at
    else:
        review.acknowledged_by = review.acknowledged_at = None
    review.save()
    for what, owner, due in actions:
        ActionStep.objects.create(
            goal=review.goal, review=review, what=what.strip(), owner=owner, due=due, created_by=by
        )
    reviews_next_act_refresh([review.pk])
    resolve(key=notices.review_account(review.pk))
    _review_emit(events.REVIEW_ACCOUNTED.name, review)
    return review


@transaction.atomic
def review_acknowledge(*, review, by):
    """The distributor's admin signs the accounting off (it is the distributor's word too)."""
    review = _review_lock(review)
    if goal_side(by, review.goal) != Side.PARTNER:
        raise NotAllowed(_("The distributor's admin acknowledges the accounting."))
    if review.status != LandmarkReview.Status.ACCOUNTED:
        raise ValidationFailed(_("There is no accounting to acknowledge yet."), field="status")
    review.acknowledged_by, review.acknowledged_at = by, timezone.now()
    review.save(update_fields=["acknowledged_by", "acknowledged_at"])
    reviews_next_act_refresh([review.pk])
    resolve(key=notices.review_account(review.pk))
    return review


def review_missing(review):
    """What a review still lacks before it may close, each a noun phrase (empty: it may close).

    Accountability holds to the end: an action dropped since the accounting answers for
    nothing any more; only a live one (to do, in progress or done) or an adjustment of the goal
    that both sides accepted does.
    """
    if review.outcome == LandmarkReview.Outcome.ON_TRACK:
        return []
    missing = []
    if review.outcome == LandmarkReview.Outcome.AT_RISK and review.actual is None:
        missing.append(_("the landmark's actual figure (its date has not come yet)"))
    if not review.cause or not review.explanation:
        missing.append(_("a cause and an explanation"))
    has_action = review.actions.exclude(status=ActionStep.Status.DROPPED).exists()
    has_adjustment = review.amendments.filter(status=Amendment.Status.ACCEPTED).exists()
    if not (has_action or has_adjustment):
        missing.append(
            _(
                "a live corrective action (to do, in progress or done) or a goal adjustment "
                "agreed by both sides"
            )
        )
    if review.goal.is_co_set and review.acknowledged_at is None:
        missing.append(_("the distributor admin's acknowledgement"))
    return missing


@transaction.atomic
def review_close(*, review, by):
    review = _review_lock(review)
    if not is_manufacturer(by):
        raise NotAllowed(_("The channel manager closes a review."))
    if review.status == LandmarkReview.Status.CLOSED:
        raise ValidationFailed(_("This review is closed."), field="status")
    missing = review_missing(review)
    if missing:
        separator = pgettext("between the items of a list", "; ")
        raise ValidationFailed(
            _("The review cannot close yet. Still missing: %(missing)s.")
            % {"missing": separator.join(missing)},
            field="status",
        )
    review.status = LandmarkReview.Status.CLOSED
    review.closed_by, review.closed_at = by, timezone.now()
    review.save(update_fields=["status", "closed_by", "closed_at"])
    reviews_next_act_refresh([review.pk])
    resolve(key=notices.review_account(review.pk))
    return review


def previous_actions(review):
    """The corrective actions of the goal's earlier reviews: were they done?"""
    return list(
        ActionStep.objects.filter(goal_id=review.goal_id, review__isnull=False)
        .exclude(review=review)
        .filter(review__landmark__date__lt=review.landmark.date)
        .select_related("owner", "review__landmark")
    )


# --- action steps and the activity log ---------------------------------------------------------


def _may_own_step(owner, goal):
    if is_manufacturer(owner):
        return True
    membership = user_membership(owner)
    return membership is not None and membership.distributor_id == goal.distributor_id


def _step_actor(by, goal):
    """Steps: the manufacturer, or any user of the goal's distributor (reps work the steps)."""
    if is_manufacturer(by):
        return
    membership = user_membership(by) if is_partner(by) else None
    if membership is None or membership.distributor_id != goal.distributor_id:
        raise NotAllowed(_("This goal is not your distributor's."))


@transaction.atomic
def step_add(*, goal, by, what, owner, due):
    _step_actor(by, goal)
    if goal.status in Goal.FINISHED:
        raise ValidationFailed(_("The goal is over; its plan is closed."), field="status")
    if not (what or "").strip():
        raise ValidationFailed(_("Say what the step is."), field="what")
    text_check(ActionStep, "what", what.strip())
    if owner is not None and not _may_own_step(owner, goal):
        raise ValidationFailed(
            _("The owner must work for the manufacturer or this distributor."), field="owner"
        )
    return ActionStep.objects.create(
        goal=goal, what=what.strip(), owner=owner, due=due, created_by=by
    )


@transaction.atomic
def step_set_status(*, step, by, status):
    step = ActionStep.objects.select_for_update().select_related("goal").get(pk=step.pk)
    _step_actor(by, step.goal)
    if status not in ActionStep.Status.values:
        raise ValidationFailed(_("Unknown status."), field="status")
    step.status = status
    step.done_at = timezone.now() if status == ActionStep.Status.DONE else None
    step.save(update_fields=["status", "done_at"])
    if step.review_id:  # a dropped corrective action answers for nothing any more
        reviews_next_act_refresh([step.review_id])
    if status in (ActionStep.Status.DONE, ActionStep.Status.DROPPED):
        resolve(key=notices.step_do(step.pk))
    return step


def activity_record(*, by, kind, distributor, date, note=""):
    if not is_manufacturer(by):
        raise NotAllowed(_("The activity log is the channel manager's."))
    if kind not in Activity.Kind.values:
        raise ValidationFailed(_("Unknown kind of activity."), field="kind")
    if date > timezone.localdate():
        raise ValidationFailed(_("Log what has happened, not what is planned."), field="date")
    text_check(Activity, "note", note or "")
    return Activity.objects.create(
        kind=kind, manager=by, distributor=distributor, date=date, note=note or ""
    )


# --- bonus payout ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payout:
    """What a goal's actual earns: the band reached, the amount in `currency` (the currency it
    is paid in), or None when a rate to convert it is missing (`missing_rate` names the
    currency)."""

    band: BonusBand | None
    amount: Decimal | None
    attainment: Decimal | None
    currency: str = ""
    missing_rate: str = ""

    @property
    def earned(self):
        return self.band is not None

    @property
    def text(self):
        return formats.payout_text(self.amount, self.currency)


def _rate(currency, month):
    """Reporting-currency units one unit of `currency` was worth in `month` (the latest rate at
    or before it, as revenue is priced), or None."""
    from distributors.models import ExchangeRate

    if currency == settings.REPORTING_CURRENCY:
        return Decimal(1)
    return (
        ExchangeRate.objects.filter(currency=currency, month__lte=month)
        .order_by("-month")
        .values_list("rate", flat=True)
        .first()
    )


def payout_for(goal, actual, bands=None):
    """The bonus `actual` earns: the highest band whose threshold the attainment reaches.

    A fixed band pays its amount, in the distributor's currency (the goal's payout currency).
    A percentage band pays that share of the revenue above target; the revenue is measured in
    the reporting currency, so the share is converted to the payout currency at the rate of the
    due month.
    """
    from .metrics import attainment

    bands = sorted(bands if bands is not None else goal.bands.all(), key=lambda b: b.threshold)
    currency = goal.payout_currency_code
    reached = attainment(actual, goal.target)
    band = None
    if reached is not None:
        for candidate in bands:
            if reached >= candidate.threshold:
                band = candidate
    if band is None:
        return Payout(None, Decimal("0.00"), reached, currency)
    if band.kind == BonusBand.Kind.FIXED:
        return Payout(band, quantize(band.amount), reached, currency)
    above = max(Decimal(actual) - Decimal(goal.target), Decimal(0)) * band.amount / HUNDRED
    measured_in = formats.currency_of(goal)
    if measured_in == currency:
        return Payout(band, quantize(above), reached, currency)
    rate = (
        _rate(currency, month_start(goal.due))
        if measured_in == settings.REPORTING_CURRENCY
        else None
    )
    if not rate:
        return Payout(band, None, reached, currency, missing_rate=currency)
    return Payout(band, quantize(above / Decimal(rate)), reached, currency)


# --- the daily job -----------------------------------------------------------------------------

CHUNK = 1000
GOAL_RELATIONS = ("distributor", "territory", "product_line", "customer_category", "owner")


def _chunks(queryset):
    ids = list(queryset.values_list("pk", flat=True).order_by("pk"))
    for index in range(0, len(ids), CHUNK):
        yield list(
            Goal.objects.filter(pk__in=ids[index : index + CHUNK])
            .select_related(
                "distributor", "territory", "product_line", "customer_category", "owner"
            )
            .prefetch_related("landmarks", "bands")
        )


def goals_activate_started(*, today):
    """Agreed goals whose start has come become active (one conditional update)."""
    return Goal.objects.filter(status=Goal.Status.AGREED, start__lte=today).update(
        status=Goal.Status.ACTIVE, updated_at=timezone.now()
    )


def reviews_open_due(*, today):
    """Open a review for every landmark of an active goal whose date has passed.

    The actual is measured as of the landmark's date. An early review (opened by the run-rate
    warning) is completed with the actual and the outcome; its accounting stays.
    Idempotent: a landmark has one review at most (a one-to-one key), and a review is complete
    once its outcome is no longer "at risk" (its actual may be None: a ratio with no data).
    """
    incomplete = LandmarkReview.Outcome.AT_RISK
    due = Landmark.objects.filter(
        date__lt=today, goal__status__in=(Goal.Status.ACTIVE, Goal.Status.AGREED)
    ).filter(
        ~Exists(LandmarkReview.objects.filter(landmark=OuterRef("pk")).exclude(outcome=incomplete))
    )
    goal_ids = due.values("goal_id").distinct()
    opened = []
    for goals in _chunks(Goal.objects.filter(pk__in=goal_ids)):
        facts = Facts.for_goals(goals, as_of=today)
        for goal in goals:
            metric = metric_get(goal.metric)
            for landmark in goal.landmarks.all():
                if landmark.date >= today:
                    continue
                actual = metric.actual(goal, facts, as_of=landmark.date).value
                review = _review_complete(goal, landmark, actual)
                if review is not None:
                    opened.append(review)
    notices.reviews_opened_notify(opened)
    return len(opened)


@transaction.atomic
def _review_complete(goal, landmark, actual):
    existing = LandmarkReview.objects.select_for_update().filter(landmark=landmark).first()
    if existing is not None and existing.outcome != LandmarkReview.Outcome.AT_RISK:
        return None  # completed already (with figures or without)
    outcome = (
        LandmarkReview.Outcome.ON_TRACK
        if actual is not None and actual >= landmark.expected
        else LandmarkReview.Outcome.MISSED
    )
    if existing is None:
        review = LandmarkReview.objects.create(
            landmark=landmark,
            goal=goal,
            opened_at=timezone.now(),
            expected=landmark.expected,
            actual=actual,
            outcome=outcome,
        )
    else:
        review = existing
        review.actual, review.outcome, review.expected = actual, outcome, landmark.expected
        review.save(update_fields=["actual", "outcome", "expected"])
    reviews_next_act_refresh([review.pk])
    if existing is None:
        _review_emit(events.REVIEW_OPENED.name, review)
    return review


def goals_at_risk_refresh(*, today):
    """The early warning: project each active goal at its present pace to its next landmark;
    below the landmark, the goal is at risk and that landmark's review opens early (for each
    landmark in turn while the goal stays behind). Goals newly at risk are notified; returns
    their number.

    The pace is read over complete months only (up to the end of last month): figures are
    reported monthly, and counting the days of a month not reported yet would make nearly every
    goal look behind near a month's end.
    """
    settled = month_start(today) - datetime.timedelta(days=1)
    flagged = []
    threatened = []  # (goal, landmark) for every goal at risk now
    changed = []
    for goals in _chunks(Goal.objects.filter(status=Goal.Status.ACTIVE)):
        facts = Facts.for_goals(goals, as_of=today)
        for goal in goals:
            actual = metric_get(goal.metric).actual(goal, facts, as_of=settled).value
            upcoming = [lm for lm in goal.landmarks.all() if lm.date >= today]
            landmark = upcoming[0] if upcoming else None
            projected = (
                projection(goal, actual, as_of=settled, to=landmark.date) if landmark else None
            )
            at_risk = projected is not None and projected < landmark.expected
            if at_risk:
                threatened.append((goal, landmark))
                if not goal.at_risk:
                    flagged.append(goal)
            if (at_risk, projected, actual) != (goal.at_risk, goal.projection, goal.actual):
                goal.at_risk, goal.projection = at_risk, projected
                goal.actual, goal.actual_on = actual, settled
                changed.append(goal)
    fields = ["at_risk", "projection", "actual", "actual_on"]
    Goal.objects.bulk_update(changed, fields, batch_size=CHUNK)
    if len(changed) >= CHUNK and connection.vendor == "postgresql":
        # Thousands of goals just changed sides: without fresh statistics the planner takes the
        # at-risk list (a partial index) for empty and joins it the slow way.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Goal._meta.db_table}")  # noqa: S608 - a model's own table
    reviewed = set(
        LandmarkReview.objects.filter(
            landmark_id__in=[landmark.pk for _goal, landmark in threatened]
        ).values_list("landmark_id", flat=True)
    )
    now = timezone.now()
    early = [
        LandmarkReview(
            landmark=landmark,
            goal=goal,
            opened_at=now,
            early=True,
            expected=landmark.expected,
            outcome=LandmarkReview.Outcome.AT_RISK,
        )
        for goal, landmark in threatened
        if landmark.pk not in reviewed
    ]
    # One insert; a review opened meanwhile by another run wins (one review per landmark).
    LandmarkReview.objects.bulk_create(early, batch_size=CHUNK, ignore_conflicts=True)
    opened = list(
        LandmarkReview.objects.filter(
            landmark_id__in=[review.landmark_id for review in early], opened_at=now, early=True
        ).select_related("goal")
    )
    reviews_next_act_refresh([review.pk for review in opened])
    for review in opened:
        _review_emit(events.REVIEW_OPENED.name, review)
    notices.goals_at_risk_notify(flagged)
    notices.reviews_opened_notify(opened)
    return len(flagged)


def goals_settle(*, today):
    """Active goals past their due date close as achieved or missed, with the payout earned."""
    settled = 0
    for goals in _chunks(Goal.objects.filter(status=Goal.Status.ACTIVE, due__lt=today)):
        actuals = actuals_for(goals, as_of=today)
        for goal in goals:
            actual = actuals[goal.pk].value
            with transaction.atomic():
                locked = Goal.objects.select_for_update().filter(
                    pk=goal.pk, status=Goal.Status.ACTIVE
                )
                if not locked.exists():
                    continue
                pay = payout_for(goal, actual, goal.bands.all())
                achieved = actual is not None and goal.target is not None and actual >= goal.target
                goal.status = Goal.Status.ACHIEVED if achieved else Goal.Status.MISSED
                goal.final_actual, goal.payout = actual, pay.amount
                goal.payout_currency = pay.currency
                goal.at_risk = False
                _save(goal, None, "status", "final_actual", "payout", "payout_currency", "at_risk")
                settled += 1
    return settled


def steps_overdue_notify(*, today):
    """Owners of open steps past their due date hear of it (one notice per owner and day)."""
    steps = ActionStep.objects.filter(
        status__in=(ActionStep.Status.TODO, ActionStep.Status.DOING),
        due__lt=today,
        owner__isnull=False,
        goal__status__in=(Goal.Status.ACTIVE, Goal.Status.AGREED),
    )
    return notices.steps_overdue_notify(steps, today=today)


def reviews_settled_before(today):
    """Landmarks dated before this day have final figures on `today`: their month ended at
    least GOAL_REVIEW_SETTLE_DAYS ago (the time distributors have to report a month)."""
    return month_start(today - datetime.timedelta(days=settings.GOAL_REVIEW_SETTLE_DAYS))


def reviews_close_on_track(*, today):
    """On-track reviews close themselves once their figures are final (`reviews_settled_before`).

    The actual is measured again as of the landmark's date, over the figures reported by now:
    still at or above the expected value, the review closes (closed by the portal: no one);
    below it (a late correction), the landmark is missed after all: the review reopens as a
    miss to account for, from today, and its distributor is told as for any review opened.
    Idempotent and batched: a chunk of goals at a time, one conditional update per chunk (a
    review closed or changed meanwhile is left alone).
    """
    Outcome, Status = LandmarkReview.Outcome, LandmarkReview.Status
    candidates = LandmarkReview.objects.filter(
        outcome=Outcome.ON_TRACK, landmark__date__lt=reviews_settled_before(today)
    ).exclude(status=Status.CLOSED)
    closed = 0
    reopened = []
    for goals in _chunks(Goal.objects.filter(pk__in=candidates.values("goal_id"))):
        reviews = {review.landmark_id: review for review in candidates.filter(goal__in=goals)}
        facts = Facts.for_goals(goals, as_of=today)
        holding, missed = [], []
        for goal in goals:
            metric = metric_get(goal.metric)
            for landmark in goal.landmarks.all():
                review = reviews.get(landmark.pk)
                if review is None:
                    continue
                review.actual = metric.actual(goal, facts, as_of=landmark.date).value
                on_track = review.actual is not None and review.actual >= review.expected
                (holding if on_track else missed).append(review)
        now = timezone.now()
        with transaction.atomic():
            LandmarkReview.objects.bulk_update(holding, ["actual"], batch_size=CHUNK)
            closed += (
                LandmarkReview.objects.filter(
                    pk__in=[review.pk for review in holding], outcome=Outcome.ON_TRACK
                )
                .exclude(status=Status.CLOSED)
                .update(status=Status.CLOSED, closed_by=None, closed_at=now)
            )
            reviews_next_act_refresh([review.pk for review in holding])
        for review in missed:
            changed = (
                LandmarkReview.objects.filter(pk=review.pk, outcome=Outcome.ON_TRACK)
                .exclude(status=Status.CLOSED)
                .update(
                    outcome=Outcome.MISSED, actual=review.actual, status=Status.OPEN, opened_at=now
                )
            )
            if changed:
                reopened.append(review.pk)
    reviews_next_act_refresh(reopened)
    notices.reviews_opened_notify(
        list(LandmarkReview.objects.filter(pk__in=reopened).select_related("goal"))
    )
    return closed


def reviews_next_act_stale_repair():
    """The daily repair: rewrite the stored next act of the reviews whose rule says otherwise
    (none, unless a write skipped `reviews_next_act_refresh`); returns how many, logged."""
    stale = list(LandmarkReview.objects.next_act_stale().values_list("pk", flat=True))
    if stale:
        log.warning("%d landmark reviews had a stale next act; repaired", len(stale))
    return reviews_next_act_refresh(stale)


def goals_daily(*, today=None):
    """The daily job: activate, open reviews, refresh the early warning, close the on-track
    reviews whose figures are final, settle, remind."""
    today = today or timezone.localdate()
    return {
        "activated": goals_activate_started(today=today),
        "reviews_opened": reviews_open_due(today=today),
        "reviews_closed": reviews_close_on_track(today=today),
        "at_risk": goals_at_risk_refresh(today=today),
        "next_acts_repaired": reviews_next_act_stale_repair(),
        "settled": goals_settle(today=today),
        "overdue_steps": steps_overdue_notify(today=today),
    }


# --- history -----------------------------------------------------------------------------------

LANDMARK_FIELDS = ("date", "expected")
BAND_FIELDS = ("threshold", "kind", "amount")


def _figure_text(goal, value):
    try:
        return formats.value_text(goal, Decimal(value), exact=True)
    except (InvalidOperation, TypeError, ValueError):
        return value


def goal_history(goal):
    """Every change to the goal's terms, landmarks and bonus bands: who, when, old → new, the
    figures written as everywhere else; and each proposal and counter-proposal with its
    reason."""
    from drm.history import Change

    figure_labels = {
        str(Goal._meta.get_field(name).verbose_name).capitalize() for name in ("target", "baseline")
    } | {str(Landmark._meta.get_field("expected").verbose_name).capitalize()}

    def written(change):
        if change.field not in figure_labels:
            return change
        return dataclasses.replace(
            change,
            old=_figure_text(goal, change.old_value) if change.old_value else change.old,
            new=_figure_text(goal, change.new_value) if change.new_value else change.new,
        )

    changes = history_changes(
        Goal.history.filter(id=goal.pk),
        fields=Goal.HISTORY_FIELDS,
        shown_on_create=("target", "status"),
        subject=lambda record: _("goal"),
    )
    changes += history_changes(
        Landmark.history.filter(goal_id=goal.pk),
        fields=LANDMARK_FIELDS,
        shown_on_create=("expected",),
        subject=lambda record: _("landmark of %(day)s") % {"day": formats.day_text(record.date)},
    )
    kinds = {}  # a band's subject → its kind, to write its payout in its own unit

    def band_subject(record):
        subject = _("bonus band from %(threshold)s") % {
            "threshold": formats.threshold_text(record.threshold)
        }
        kinds[subject] = record.kind
        return subject

    payout_label = str(BonusBand._meta.get_field("amount").verbose_name).capitalize()

    def band_written(change):
        if change.field != payout_label or change.subject not in kinds:
            return change
        kind = kinds[change.subject]
        return dataclasses.replace(
            change,
            **{
                side: formats.band_text(goal, (None, kind, Decimal(value))) if value else value
                for side, value in (("old", change.old_value), ("new", change.new_value))
            },
        )

    changes += [
        band_written(change)
        for change in history_changes(
            BonusBand.history.filter(goal_id=goal.pk),
            fields=BAND_FIELDS,
            shown_on_create=("amount",),
            subject=band_subject,
        )
    ]
    changes = [written(change) for change in changes]
    # A counter-proposal's term changes are in the records above; its reason is here.
    for proposal in goal.proposals.filter(kind=Proposal.Kind.COUNTER).select_related("by"):
        changes.append(
            Change(
                when=proposal.at,
                who=proposal.by,
                action="changed",
                subject=proposal.get_kind_display().lower(),
                field=str(_("Reason")),
                old=None,
                new=proposal.reason,
            )
        )
    return sorted(changes, key=lambda change: change.when, reverse=True)
