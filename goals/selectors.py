"""Reads of goals, always scoped to the viewer: lists with attainment computed set-based for
the rows shown, a team goal's roll-up, the review queue, and a distributor's quarter on one page."""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from drm import compiled
from drm.periods import month_start
from identity.access import (
    CHANNEL_MANAGERS,
    MANUFACTURER_ADMINS,
    Role,
    is_manufacturer,
    is_partner,
    user_membership,
    user_role,
)

from . import formats
from .metrics import (
    Actual,
    Facts,
    actuals_for,
    attainment,
    expected_at,
    metric_get,
    quantize,
)
from .models import ActionStep, Amendment, Goal, LandmarkReview, NextAct
from .sides import own_side, waits_for_q

# What a goal's title is written from (`goals.formats.goal_title`), for the lists that name
# goals through a review or a step.
# What a goal's title reads besides the goal: from the goal, and from a row that names one.
TITLE_OWN_RELATIONS = ("product_line", "customer_category", "territory")
TITLE_RELATIONS = tuple(f"goal__{relation}" for relation in TITLE_OWN_RELATIONS)

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
    """A goal with what the portal measures of it today, and each figure written as every
    surface writes it (`goals.formats`)."""

    goal: Goal
    actual: Actual
    attainment: Decimal | None
    expected: Decimal | None  # where the landmarks say it should be today
    gap: str  # "behind by 12.0%", in words

    @property
    def value(self):
        return self.actual.value

    @property
    def value_text(self):
        return formats.value_text(self.goal, self.value)

    @property
    def expected_text(self):
        return formats.value_text(self.goal, self.expected)

    @property
    def target_text(self):
        return formats.value_text(self.goal, self.goal.target, exact=True)

    @property
    def attainment_text(self):
        return formats.attainment_text(self.attainment)


def figures_of(goal, actual, expected):
    return GoalFigures(
        goal=goal,
        actual=actual,
        attainment=attainment(actual.value, goal.target),
        expected=expected,
        gap=formats.gap_text(goal, actual.value, expected),
    )


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
    if filters.get("waiting") == "me":
        waiting = waiting_q(visible_to)
        goals = goals.filter(waiting) if waiting is not None else goals.none()
    if filters.get("q"):
        # Titles are written from the terms: the words to find are the author's and the
        # names the terms carry (in either language).
        words = filters["q"]
        goals = goals.filter(
            Q(subtitle__icontains=words)
            | Q(description__icontains=words)
            | Q(product_line__name__icontains=words)
            | Q(product_line__name_fr__icontains=words)
            | Q(customer_category__name__icontains=words)
            | Q(customer_category__name_fr__icontains=words)
            | Q(territory__name__icontains=words)
            | Q(territory__name_fr__icontains=words)
            | Q(distributor__name__icontains=words)
        )
    return goals.order_by("due", "id")


def goal_figures(goals, *, as_of=None):
    """[GoalFigures] for `goals` (a page of them): one aggregate query per data source their
    metrics read, one for their landmarks; never one per goal."""
    as_of = as_of or timezone.localdate()
    goals = list(goals)
    landmarks = {}
    if goals:
        from .models import Landmark

        found = compiled.rows(
            "goals.figures.landmarks",
            lambda goals: Landmark.objects.filter(goal__in=goals).order_by("date", "pk"),
            goals=goals,
        )
        for landmark in found:
            landmarks.setdefault(landmark.goal_id, []).append(landmark)
    actuals = actuals_for(goals, as_of=as_of)
    rows = []
    for goal in goals:
        expected = expected_at(goal, landmarks.get(goal.pk, []), min(as_of, goal.due))
        rows.append(figures_of(goal, actuals[goal.pk], expected))
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
    figures = figures_of(goal, actual, expected)
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
    """A team goal seen both ways, each figure against its own target: the whole channel (all
    distributors, in the goal's scope) against the team target, and the distributor goals
    aligned under it (agreed, running or settled) against the sum of their own targets. The
    goal's `team_basis` says which of the two is its headline."""

    goal: Goal
    children: list  # [GoalFigures] of every aligned goal not closed, counted or not
    channel: GoalFigures  # the whole channel, against the team target
    aligned: GoalFigures  # the aligned goals counted, against the sum of their targets
    counted: int  # how many aligned goals are counted (agreed by both sides)
    aligned_target: Decimal
    coverage: str  # how the counted goals' targets add up against the team target, in words

    @property
    def aligned_target_text(self):
        return formats.value_text(self.goal, self.aligned_target, exact=True)


def _as_basis(goal, basis, target):
    """An unsaved copy of the team goal measured on `basis` against `target`."""
    copy = Goal(**{f.attname: getattr(goal, f.attname) for f in Goal._meta.concrete_fields})
    copy.team_basis, copy.target = basis, target
    return copy


def team_rollup(goal, *, as_of=None):
    from .models import TeamBasis

    as_of = as_of or timezone.localdate()
    children = goal_figures(
        goal.children.exclude(status=Goal.Status.CLOSED).select_related(*GOAL_RELATIONS),
        as_of=as_of,
    )
    counted = [c for c in children if c.goal.status in Goal.COUNTED]
    aligned_target = quantize(sum((c.goal.target or Decimal(0) for c in counted), Decimal(0)))
    channel_goal = _as_basis(goal, TeamBasis.CHANNEL, goal.target)
    aligned_goal = _as_basis(goal, TeamBasis.ALIGNED, aligned_target)
    landmarks = list(goal.landmarks.all())
    facts = Facts.for_goals([channel_goal, aligned_goal], as_of=as_of)
    day = min(as_of, goal.due)
    channel = figures_of(
        channel_goal,
        actuals_for([channel_goal], as_of=as_of, facts=facts)[channel_goal.pk],
        expected_at(goal, landmarks, day),
    )
    # The aligned goals should be where their own landmarks say, added up.
    own = {c.goal.pk: c.expected for c in counted}
    aligned = figures_of(
        aligned_goal,
        actuals_for([aligned_goal], as_of=as_of, facts=facts)[aligned_goal.pk],
        quantize(sum((value or Decimal(0) for value in own.values()), Decimal(0))),
    )
    return Rollup(
        goal=goal,
        children=children,
        channel=channel,
        aligned=aligned,
        counted=len(counted),
        aligned_target=aligned_target,
        coverage=formats.gap_text(goal, aligned_target, goal.target),
    )


# The queue's order: the open reviews first, then by landmark.
REVIEW_QUEUE_ORDER = ("status", "landmark__date", "id")


def review_queue(*, visible_to, status=None):
    """Landmark reviews the viewer may see, each with what it waits for next and from which
    side (`next_act`, `next_side`), the open ones first. The queue's filters are
    `goals.filters.ReviewFilter`."""
    # The corrective actions counted in a subquery, not a GROUP BY over every column: Postgres
    # works a subquery out for the rows a page shows only.
    actions = (
        ActionStep.objects.filter(review=OuterRef("pk"))
        .order_by()
        .values("review")
        .annotate(count=Count("pk"))
        .values("count")
    )
    reviews = (
        LandmarkReview.objects.visible_to(visible_to)
        .select_related(
            "goal__distributor__account_manager",
            *TITLE_RELATIONS,
            "landmark",
            "accounted_by",
            "acknowledged_by",
        )
        .annotate(action_count=Coalesce(Subquery(actions), 0))
    )
    if status:
        reviews = reviews.filter(status=status)
    return reviews.order_by(*REVIEW_QUEUE_ORDER)


def review_page(reviews, number, *, size):
    """Page `number` of the queue `reviews` (`review_queue`, filtered): the page is found over
    the reviews' ids, ordered with the landmark alone, and only its rows are read with their
    goal, distributor and people. One query joining ten tables over a channel's 100,000
    reviews took seconds; this reads ten tables for `size` rows."""
    from django.core.paginator import Paginator

    page = Paginator(reviews.select_related(None).values_list("pk", flat=True), size).get_page(
        number
    )
    ids = list(page.object_list)
    rows = {review.pk: review for review in reviews.filter(pk__in=ids)}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page


# The acts a person does on a review (the rest wait for final figures, or for nothing).
PERSON_ACTS = (NextAct.ACCOUNT, NextAct.ACKNOWLEDGE, NextAct.CLOSE)


def reviews_waiting_on_someone(user, distributor):
    """`distributor`'s reviews `user` may see whose next act is a person's (account,
    acknowledge, close), as the queue's `?needs=someone&distributor=` lists them."""
    return _reviews_to_act_on(user).filter(goal__distributor=distributor, next_act__in=PERSON_ACTS)


def _reviews_to_act_on(user):
    """The queue's rows without its per-row action count (a GROUP BY over every column): what
    a count and a short list of names need, on the pages that show them every morning."""
    # The stored next act (closed and on-track reviews never wait for a person).
    return (
        LandmarkReview.objects.visible_to(user)
        .filter(next_act__in=PERSON_ACTS)
        .select_related("goal__distributor", *TITLE_RELATIONS, "landmark")
    )


def reviews_waiting_on_someone_url(distributor):
    return list_url("goals:reviews", {"needs": "someone"}, distributor)


def reviews_waiting_for(reviews, user):
    """Of `reviews`, those whose (stored) next act is `user`'s: the
    services' side rule (`sides.own_side`: a rep speaks for no side, so none), and for the
    manufacturer the reviews of the goals `user` answers for (`sides.answerable_q`)."""
    side = own_side(user)
    if side is None:
        return reviews.none()
    return reviews.filter(waits_for_q(user, side), next_side=side)


def reviews_needing(user, distributor=None):
    """The landmark reviews whose next act is `user`'s (account, acknowledge or close), as the
    queue's "needs me" filter lists them; `distributor`: one distributor's only. The page that
    lists exactly them: `reviews_needing_url(distributor)`."""
    reviews = reviews_waiting_for(_reviews_to_act_on(user), user).order_by("landmark__date", "id")
    if distributor is not None:
        reviews = reviews.filter(goal__distributor=distributor)
    return reviews


def reviews_needing_url(distributor=None):
    """The review queue's address listing `reviews_needing(user, distributor)`."""
    return list_url("goals:reviews", {"needs": "me"}, distributor)


# The dashboard's "missed landmarks not accounted for", as the queue filters them.
MISSED_NOT_ACCOUNTED = {"outcome": LandmarkReview.Outcome.MISSED, "status": "open"}


def reviews_missed_not_accounted(user):
    """Missed landmarks not accounted for that `user` may see (what
    `reviews_missed_not_accounted_url()` lists)."""
    # The queue's rows, read without its per-row annotations (a count over a channel's reviews).
    return (
        LandmarkReview.objects.visible_to(user)
        .filter(outcome=LandmarkReview.Outcome.MISSED, status=LandmarkReview.Status.OPEN)
        .select_related("goal__distributor", *TITLE_RELATIONS, "landmark")
    )


def reviews_missed_not_accounted_url():
    return list_url("goals:reviews", MISSED_NOT_ACCOUNTED)


def list_url(route, query, distributor=None):
    """The address of the list `route` filtered by `query` (and `distributor`, by its code)."""
    query = dict(query)
    if distributor is not None:
        query["distributor"] = distributor.code
    return f"{reverse(route)}?{urlencode(query)}"


def waiting_q(user, *, distributor_id=None):
    """The goals that wait for `user`'s side to answer (None: `user` answers for no side):
    terms on the table proposed by the other side (accept or counter, `Goal.awaiting_q`), or an
    amendment the other side proposed (accept or reject); for the manufacturer, of the goals
    `user` answers for (`sides.answerable_q`)."""
    side = own_side(user)
    if side is None:
        return None
    return Goal.waiting_for_q(side, distributor_id=distributor_id) & waits_for_q(
        user, side, goal=""
    )


def goals_waiting_for(user, distributor=None):
    """Goals whose proposal, counter-proposal or open amendment waits for `user`'s side to
    answer (`waiting_q`; a rep: none). The goals list shows exactly them with `?waiting=me`
    (`goals_waiting_url`)."""
    if distributor is None:
        return goal_queryset(visible_to=user, filters={"waiting": "me"})
    # The same rule, its two sets cut to the distributor's goals before their union.
    waiting = waiting_q(user, distributor_id=distributor.pk)
    if waiting is None:
        return Goal.objects.none()
    return goal_queryset(visible_to=user).filter(waiting, distributor=distributor)


def goals_waiting_url(distributor=None):
    return list_url("goals:list", {"waiting": "me"}, distributor)


def step_list(*, visible_to):
    """The action steps `visible_to` may see, by due date: the manufacturer's people every
    step, a partner admin its distributor's, a rep the steps it owns."""
    steps = ActionStep.objects.visible_to(visible_to)
    if user_role(visible_to) == Role.PARTNER_REP:
        steps = steps.filter(owner=visible_to)
    return steps.select_related(
        "goal__distributor", *TITLE_RELATIONS, "owner", "review__landmark"
    ).order_by("due", "id")


def steps_due_for(user, distributor=None, *, today=None):
    """The user's open steps due within STEP_DUE_DAYS or overdue: for the manufacturer's people
    and reps the steps they own, for a partner admin its distributor's. Listed exactly by
    `steps_due_url(user, distributor)`."""
    steps = step_list(visible_to=user).filter(ActionStep.due_q(today or timezone.localdate()))
    if user_role(user) != Role.PARTNER_ADMIN:
        steps = steps.filter(owner=user)
    if distributor is not None:
        steps = steps.filter(goal__distributor=distributor)
    return steps


def steps_due_url(user, distributor=None):
    owner = {} if user_role(user) == Role.PARTNER_ADMIN else {"owner": "me"}
    return list_url("goals:steps", {**owner, "state": "due"}, distributor)


def steps_for(*, visible_to, goal=None, open_only=False):
    steps = ActionStep.objects.visible_to(visible_to).select_related(
        "goal", *TITLE_RELATIONS, "owner", "review"
    )
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
        .select_related("goal", *TITLE_RELATIONS, "landmark")
        .order_by("landmark__date")
    )
    steps = list(
        ActionStep.objects.filter(goal__in=[f.goal for f in figures])
        .select_related("goal", *TITLE_RELATIONS, "owner", "review")
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


def _manufacturer_people():
    return Q(is_superuser=True) | Q(groups__name__in=(MANUFACTURER_ADMINS, CHANNEL_MANAGERS))


def step_owner_choices(*, distributor_id, goal=None, viewer=None):
    """Who is offered as the owner of a step of a goal of `distributor_id` (None: a team or
    support goal): that distributor's users, and of the manufacturer's people those relevant to
    it, not every staff account: its account manager, the goal's owner, the managers who
    logged an activity with it, and the manufacturer's viewer itself. A team or support goal:
    every one of the manufacturer's people. Ordered by name, the manufacturer's people first."""
    from distributors.models import Distributor

    from .models import Activity

    people = _manufacturer_people()
    if distributor_id:
        relevant = Q(
            pk__in=Distributor.objects.filter(pk=distributor_id).values("account_manager")
        ) | Q(pk__in=Activity.objects.filter(distributor_id=distributor_id).values("manager"))
        if goal is not None and goal.owner_id:
            relevant |= Q(pk=goal.owner_id)
        if viewer is not None and is_manufacturer(viewer):
            relevant |= Q(pk=viewer.pk)
        owners = (people & relevant) | Q(membership__distributor_id=distributor_id)
    else:
        owners = people
    return (
        get_user_model()
        .objects.filter(owners, is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "id")
    )


def step_owner_groups(*, distributor_id, goal=None, viewer=None):
    """`step_owner_choices` grouped by side: [(Side, [user, ...])], the manufacturer first;
    each user carries `is_partner_user`."""
    from identity.models import Membership

    users = list(step_owner_choices(distributor_id=distributor_id, goal=goal, viewer=viewer))
    partners = set(
        Membership.objects.filter(user__in=users, distributor_id=distributor_id).values_list(
            "user_id", flat=True
        )
    )
    from .models import Side

    groups = [
        (Side.MANUFACTURER, [u for u in users if u.pk not in partners]),
        (Side.PARTNER, [u for u in users if u.pk in partners]),
    ]
    return [(side, members) for side, members in groups if members]


def step_owners_visible_to(user):
    """Usernames a caller may name as a step's owner: every active user for the manufacturer;
    for a partner, the owners a goal of its own distributor is offered, so that another
    distributor's user reads like one that does not exist."""
    if is_manufacturer(user):
        return get_user_model().objects.filter(is_active=True)
    membership = user_membership(user) if is_partner(user) else None
    if membership is None:
        return get_user_model().objects.none()
    return step_owner_choices(distributor_id=membership.distributor_id)
