"""Reads of goals, always scoped to the viewer: lists with attainment computed set-based for
the rows shown, a team goal's roll-up, the review queue, and a distributor's quarter on one page."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from distributors.access import (
    CHANNEL_MANAGERS,
    MANUFACTURER_ADMINS,
    is_manufacturer,
    is_partner,
    user_membership,
)
from distributors.periods import month_start

from .metrics import (
    Actual,
    Facts,
    actuals_for,
    attainment,
    expected_at,
    gap_words,
    metric_get,
    quantize,
)
from .models import ActionStep, Amendment, Goal, LandmarkReview

GOAL_RELATIONS = (
    "distributor",
    "territory",
    "product_line",
    "customer_category",
    "owner",
    "parent",
)


@dataclass
class GoalFigures:
    """A goal with what the portal measures of it today."""

    goal: Goal
    actual: Actual
    attainment: Decimal | None
    expected: Decimal | None  # where the landmarks say it should be today
    gap: str  # "behind by 12 %", in words

    @property
    def value(self):
        return self.actual.value


def goal_queryset(*, visible_to, filters=None):
    """The goals `visible_to` may see, filtered: level, distributor (code), status, year, at_risk,
    team goal (parent id), metric, q (title)."""
    filters = filters or {}
    # One join (the distributor); the other names come by prefetch, a small query each once the
    # page is cut: ten joins cost the planner more than the whole page takes to read.
    goals = (
        Goal.objects.visible_to(visible_to)
        .select_related("distributor")
        .prefetch_related(*(name for name in GOAL_RELATIONS if name != "distributor"))
    )
    if filters.get("level"):
        goals = goals.filter(level=filters["level"])
    if filters.get("distributor"):
        goals = goals.filter(distributor__code=filters["distributor"])
    if filters.get("status"):
        goals = goals.filter(status=filters["status"])
    if filters.get("year"):
        goals = goals.filter(due__year=int(filters["year"]))
    if filters.get("at_risk"):
        goals = goals.filter(at_risk=True)
    if filters.get("parent"):
        goals = goals.filter(parent_id=filters["parent"])
    if filters.get("metric"):
        goals = goals.filter(metric=filters["metric"])
    if filters.get("q"):
        goals = goals.filter(title__icontains=filters["q"])
    return goals.order_by("due", "id")


def goal_figures(goals, *, as_of=None):
    """[GoalFigures] for `goals` (a page of them): one aggregate query per data source their
    metrics read, one for their landmarks; never one per goal."""
    as_of = as_of or timezone.localdate()
    goals = list(goals)
    landmarks = {}
    if goals:
        from .models import Landmark

        for landmark in Landmark.objects.filter(goal__in=goals).order_by("date"):
            landmarks.setdefault(landmark.goal_id, []).append(landmark)
    actuals = actuals_for(goals, as_of=as_of)
    rows = []
    for goal in goals:
        actual = actuals[goal.pk]
        expected = expected_at(goal, landmarks.get(goal.pk, []), min(as_of, goal.due))
        rows.append(
            GoalFigures(
                goal=goal,
                actual=actual,
                attainment=attainment(actual.value, goal.target),
                expected=expected,
                gap=gap_words(actual.value, expected),
            )
        )
    return rows


def goal_detail(goal, *, as_of=None):
    """One goal's figures, its monthly series (actual to date) and the run-rate projection to
    its due date, for the detail page's chart."""
    from .metrics import projection

    as_of = as_of or timezone.localdate()
    facts = Facts.for_goals([goal], as_of=as_of)
    metric = metric_get(goal.metric)
    actual = metric.actual(goal, facts, as_of=as_of)
    landmarks = list(goal.landmarks.all())
    expected = expected_at(goal, landmarks, min(as_of, goal.due))
    figures = GoalFigures(
        goal=goal,
        actual=actual,
        attainment=attainment(actual.value, goal.target),
        expected=expected,
        gap=gap_words(actual.value, expected),
    )
    series = metric.series(goal, facts, as_of=as_of)
    # The pace over complete months, as the early warning reads it (goals_at_risk_refresh).
    settled = month_start(as_of) - datetime.timedelta(days=1)
    settled_actual = metric.actual(goal, facts, as_of=settled).value
    projected = (
        projection(goal, settled_actual, as_of=settled, to=goal.due) if as_of < goal.due else None
    )
    return figures, series, projected


@dataclass
class Rollup:
    """A team goal against the sum of the distributor goals aligned under it."""

    goal: Goal
    children: list  # [GoalFigures]
    team: GoalFigures  # the team goal's own figures (the whole channel)
    children_target: Decimal
    children_actual: Decimal
    expected: Decimal | None
    coverage: str  # how the distributor targets add up against the team target, in words
    gap: str  # how the distributor actuals stand against where the team should be, in words


def team_rollup(goal, *, as_of=None):
    as_of = as_of or timezone.localdate()
    children = goal_figures(
        goal.children.exclude(status=Goal.Status.CLOSED).select_related(*GOAL_RELATIONS),
        as_of=as_of,
    )
    team = goal_figures([goal], as_of=as_of)[0]
    children_target = sum((c.goal.target or Decimal(0) for c in children), Decimal(0))
    children_actual = sum((c.value or Decimal(0) for c in children), Decimal(0))
    return Rollup(
        goal=goal,
        children=children,
        team=team,
        children_target=quantize(children_target),
        children_actual=quantize(children_actual),
        expected=team.expected,
        coverage=gap_words(children_target, goal.target),
        gap=gap_words(children_actual, team.expected),
    )


def review_queue(*, visible_to, status=None):
    """Landmark reviews the viewer may see, the open ones first."""
    reviews = (
        LandmarkReview.objects.visible_to(visible_to)
        .select_related("goal__distributor", "landmark", "accounted_by", "acknowledged_by")
        .annotate(action_count=Count("actions"))
    )
    if status:
        reviews = reviews.filter(status=status)
    return reviews.order_by("status", "landmark__date", "id")


def steps_for(*, visible_to, goal=None, open_only=False):
    steps = ActionStep.objects.visible_to(visible_to).select_related("goal", "owner", "review")
    if goal is not None:
        steps = steps.filter(goal=goal)
    if open_only:
        steps = steps.filter(status__in=(ActionStep.Status.TODO, ActionStep.Status.DOING))
    return steps


def open_amendment(goal):
    return goal.amendments.filter(status=Amendment.Status.PROPOSED).first()


def quarter_bounds(label=None, *, today=None):
    """("2026-Q2" or None for the running quarter) → (first day, last day, label)."""
    today = today or timezone.localdate()
    if label:
        try:
            year, quarter = label.upper().split("-Q")
            year, quarter = int(year), int(quarter)
            if not 1 <= quarter <= 4:
                raise ValueError
        except ValueError:
            year, quarter = today.year, (today.month - 1) // 3 + 1
    else:
        year, quarter = today.year, (today.month - 1) // 3 + 1
    first = datetime.date(year, 3 * (quarter - 1) + 1, 1)
    last = (
        datetime.date(year + 1, 1, 1) if quarter == 4 else datetime.date(year, 3 * quarter + 1, 1)
    ) - datetime.timedelta(days=1)
    return first, last, f"{year}-Q{quarter}"


@dataclass
class Quarter:
    distributor: object
    first: datetime.date
    last: datetime.date
    label: str
    goals: list  # [GoalFigures] of the goals running during the quarter
    reviews: list  # reviews of landmarks in the quarter, or still open
    steps: list  # every step of those goals, open first


def quarterly_review(*, distributor, quarter=None, as_of=None):
    """Every goal of `distributor` running in the quarter with its progress, landmarks, open
    accountings and steps: the quarterly review on one page (seed 004)."""
    as_of = as_of or timezone.localdate()
    first, last, label = quarter_bounds(quarter, today=as_of)
    goals = (
        Goal.objects.filter(distributor=distributor, start__lte=last, due__gte=first)
        .exclude(status=Goal.Status.CLOSED)
        .select_related(*GOAL_RELATIONS)
        .prefetch_related("landmarks")
        .order_by("due", "id")
    )
    figures = goal_figures(goals, as_of=min(as_of, last))
    reviews = list(
        LandmarkReview.objects.filter(goal__distributor=distributor)
        .filter(Q(landmark__date__range=(first, last)) | ~Q(status=LandmarkReview.Status.CLOSED))
        .select_related("goal", "landmark")
        .order_by("landmark__date")
    )
    steps = list(
        ActionStep.objects.filter(goal__in=[f.goal for f in figures])
        .select_related("goal", "owner", "review")
        .order_by("status", "due")
    )
    return Quarter(distributor, first, last, label, figures, reviews, steps)


def annex_goals(*, distributor, year):
    """The distributor's goals agreed by both sides and due in `year`: the contract annex."""
    return list(
        Goal.objects.filter(
            distributor=distributor,
            due__year=year,
            status__in=(
                Goal.Status.AGREED,
                Goal.Status.ACTIVE,
                Goal.Status.ACHIEVED,
                Goal.Status.MISSED,
            ),
        )
        .select_related(*GOAL_RELATIONS, "manufacturer_accepted_by", "partner_accepted_by")
        .prefetch_related("landmarks", "bands")
        .order_by("due", "id")
    )


def distributor_for_viewer(user, code):
    """The distributor `code` if `user` may see it, else None (a partner sees its own only)."""
    from distributors.models import Distributor

    if not is_manufacturer(user):
        membership = user_membership(user)
        if membership is None or membership.distributor.code.lower() != code.lower():
            return None
    return Distributor.objects.visible_to(user).filter(code__caseless=code).first()


def step_owner_choices(*, distributor_id):
    """Who may own a step of a goal of `distributor_id` (None: a team or support goal): the
    manufacturer's people and that distributor's users."""
    owners = Q(is_superuser=True) | Q(groups__name__in=(MANUFACTURER_ADMINS, CHANNEL_MANAGERS))
    if distributor_id:
        owners |= Q(membership__distributor_id=distributor_id)
    return get_user_model().objects.filter(owners, is_active=True).distinct().order_by("username")


def step_owners_visible_to(user):
    """Usernames a caller may name as a step's owner: every active user for the manufacturer;
    for a partner, the owners a goal of its own distributor may have, so that another
    distributor's user reads like one that does not exist."""
    if is_manufacturer(user):
        return get_user_model().objects.filter(is_active=True)
    membership = user_membership(user) if is_partner(user) else None
    if membership is None:
        return get_user_model().objects.none()
    return step_owner_choices(distributor_id=membership.distributor_id)
