"""Goals' part of the distributor's 360° record: the running year's goals with attainment and
at-risk flags, landmark reviews waiting, action steps and the manager's latest activities, and
what happened to them in the timeline."""

from django.db import connection
from django.db.models import Case, CharField, Count, DateField, F, Q, Value, When
from django.db.models.functions import Cast, Greatest
from django.urls import reverse
from django.utils.translation import gettext as _

from distributors import record
from drm import compiled
from drm.formats import short_date
from identity.access import is_manufacturer, viewer_key

from . import selectors
from .models import ActionStep, Activity, Amendment, Goal, LandmarkReview, NextAct, Proposal
from .selectors import TITLE_OWN_RELATIONS, TITLE_RELATIONS

GOALS_SHOWN = 8
STEPS_SHOWN = 5
ACTIVITIES_SHOWN = 5


def goals_section(distributor, viewer, today):
    year = today.year

    def build(code):
        goals = (
            selectors.goal_queryset(visible_to=viewer, filters={"distributor": code, "year": year})
            .exclude(status=Goal.Status.CLOSED)
            # What a title reads, joined: for a handful of goals, six tables plan in a
            # millisecond where the list's five prefetches are five queries.
            .prefetch_related(None)
            .select_related("distributor", *TITLE_OWN_RELATIONS)
        )
        return goals, {"total": Count("pk"), "at_risk": Count("pk", filter=Q(at_risk=True))}

    shown, counts = record.frozen_head_and_counts(
        ("goals.section", year, viewer_key(viewer)), build, GOALS_SHOWN, code=distributor.code
    )
    figures = selectors.goal_figures(shown, as_of=today)
    return {
        "year": year,
        "figures": figures,
        "count": counts["total"],
        "at_risk": counts["at_risk"],
        "more": max(counts["total"] - len(figures), 0),
        "list_url": selectors.list_url("goals:list", {"year": year}, distributor),
        "at_risk_url": selectors.list_url(
            "goals:list", {"year": year, "at_risk": "on"}, distributor
        ),
        "quarterly_url": reverse("goals:quarterly", args=[distributor.code]),
        "annex_url": reverse("goals:annex", args=[distributor.code, year]),
    }


def reviews_section(distributor, viewer, today):
    """The reviews waiting for a person (an accounting, an acknowledgement, a close): those
    the review queue lists with `?needs=someone&distributor=`."""

    def build(distributor):
        reviews = (
            selectors.reviews_waiting_on_someone(viewer, distributor)
            .select_related(None)
            .select_related("goal", *TITLE_RELATIONS, "landmark")
        )
        return reviews.order_by("landmark__date", "id"), {"total": Count("pk")}

    shown, counts = record.frozen_head_and_counts(
        ("goals.reviews", viewer_key(viewer)), build, GOALS_SHOWN, distributor=distributor
    )
    return {
        "reviews": shown,
        "count": counts["total"],
        "more": max(counts["total"] - len(shown), 0),
        "list_url": selectors.reviews_waiting_on_someone_url(distributor),
        "mine_url": selectors.reviews_needing_url(distributor),
    }


def steps_section(distributor, viewer, today):

    def build(distributor, today):
        steps = (
            selectors.step_list(visible_to=viewer)
            .filter(
                goal__distributor=distributor,
                status__in=(ActionStep.Status.TODO, ActionStep.Status.DOING),
            )
            # What the section shows: the list's nine tables cost 15 ms of planning alone.
            .select_related(None)
            .select_related("goal", *TITLE_RELATIONS, "owner")
            .order_by("due", "id")
        )
        return steps, {"total": Count("pk"), "overdue": Count("pk", filter=Q(due__lt=today))}

    shown, counts = record.frozen_head_and_counts(
        ("goals.steps", viewer_key(viewer)),
        build,
        STEPS_SHOWN,
        distributor=distributor,
        today=today,
    )
    context = {
        "steps": shown,
        "count": counts["total"],
        "overdue": counts["overdue"],
        "today": today,
        "list_url": selectors.list_url("goals:steps", {"state": "open"}, distributor),
        "overdue_url": selectors.list_url("goals:steps", {"state": "overdue"}, distributor),
        "activities": None,
    }
    if is_manufacturer(viewer):
        context["activities"] = list(
            Activity.objects.filter(distributor=distributor)
            .select_related("manager")
            .order_by("-date", "-id")[:ACTIVITIES_SHOWN]
        )
        context["activities_url"] = selectors.list_url("goals:activities", {}, distributor)
    return context


def goal_timeline(distributor, viewer, limit):
    """Goals agreed, proposals and counter-proposals, amendments decided, reviews accounted for
    and closed: the latest `limit` of each, from the records the goals app keeps.

    Three queries: the goals agreed; the latest proposals, amendments and reviews in one UNION of
    their rows (each with who did it); the titles of the goals they name. Joined into each of
    the others (nine tables for the reviews), the titles made Postgres spend 20 ms planning a
    query that runs in half a millisecond."""

    def build(distributor):
        return (
            Goal.objects.visible_to(viewer)
            .filter(
                distributor=distributor,
                manufacturer_accepted_at__isnull=False,
                partner_accepted_at__isnull=False,
            )
            .annotate(agreed_at=Greatest("manufacturer_accepted_at", "partner_accepted_at"))
            .select_related(*TITLE_OWN_RELATIONS)
            .order_by("-agreed_at", "-id")[:limit]
        )

    agreed = compiled.rows(
        ("goals.timeline.agreed", limit, viewer_key(viewer)), build, distributor=distributor
    )
    acts = _goal_acts(distributor, viewer, limit)
    goals = {goal.pk: goal for goal in agreed}
    named = {act["goal_id"] for act in acts} - goals.keys()
    # Asked even when nothing is named (no goal has pk 0): the page's query count stays the
    # same whatever the distributor's history.
    goals |= {
        goal.pk: goal
        for goal in compiled.rows(
            "goals.timeline.titles",
            lambda ids: Goal.objects.select_related(*TITLE_OWN_RELATIONS).filter(pk__in=ids),
            ids=sorted(named) or [0],
        )
    }
    titles = {}
    for goal in goals.values():
        goal.distributor = distributor  # what a title reads of it, without a query
        titles[goal.pk] = goal.title
    entries = [
        record.TimelineEntry(
            when=goal.agreed_at,
            kind=_("Goal agreed"),
            text=titles[goal.pk],
            url=goal.get_absolute_url(),
            tone="success",
        )
        for goal in agreed
    ]
    entries += [_act_entry(act, titles) for act in acts]
    return entries


# Which record a row of the timeline's UNION comes from.
_PROPOSAL, _AMENDMENT, _REVIEW = "proposal", "amendment", "review"


def _goal_acts(distributor, viewer, limit):
    """The latest `limit` proposals, decided amendments and reviews accounted for or closed of
    `distributor`'s goals, as rows of one UNION: source, pk, goal, when, what (a kind, a status),
    the outcome and landmark date of a review, and who acted."""

    def who(prefix):
        return {
            "who_first": F(f"{prefix}__first_name"),
            "who_last": F(f"{prefix}__last_name"),
            "who_username": F(f"{prefix}__username"),
        }

    def columns(source, *, when, what, outcome=None, landmark=None, **names):
        return {
            "source": Value(source, output_field=CharField()),
            "when": when,
            "what": what,
            "result": outcome or Value("", output_field=CharField()),
            "day": landmark or Cast(Value(None), output_field=DateField()),
            **names,
        }

    def latest(queryset, **fields):
        return (
            queryset.order_by().values("pk", "goal_id", **fields).order_by("-when", "-pk")[:limit]
        )

    def build(distributor):
        proposals = latest(
            Proposal.objects.visible_to(viewer).filter(goal__distributor=distributor),
            **columns(_PROPOSAL, when=F("at"), what=F("kind"), **who("by")),
        )
        amendments = latest(
            Amendment.objects.visible_to(viewer).filter(
                goal__distributor=distributor, decided_at__isnull=False
            ),
            **columns(_AMENDMENT, when=F("decided_at"), what=F("status"), **who("decided_by")),
        )
        closed = Q(status=LandmarkReview.Status.CLOSED, closed_at__isnull=False)

        def reviewer(part):
            return Case(
                When(closed, then=F(f"closed_by__{part}")), default=F(f"accounted_by__{part}")
            )

        reviews = latest(
            LandmarkReview.objects.visible_to(viewer)
            .filter(goal__distributor=distributor)
            .filter(Q(accounted_at__isnull=False) | Q(closed_at__isnull=False)),
            **columns(
                _REVIEW,
                when=Case(When(closed, then=F("closed_at")), default=F("accounted_at")),
                what=F("status"),
                outcome=F("outcome"),
                landmark=F("landmark__date"),
                who_first=reviewer("first_name"),
                who_last=reviewer("last_name"),
                who_username=reviewer("username"),
            ),
        )
        return proposals, amendments, reviews

    if not connection.features.supports_slicing_ordering_in_compound:
        # SQLite (the one-command demo) takes no LIMIT inside a UNION: three queries there.
        return [row for part in build(distributor) for row in part]

    def union(distributor):
        proposals, amendments, reviews = build(distributor)
        return proposals.union(amendments, reviews, all=True)

    return compiled.rows(
        ("goals.timeline.acts", limit, viewer_key(viewer)), union, distributor=distributor
    )


def _act_entry(act, titles):
    source, title = act["source"], titles[act["goal_id"]]
    who = f"{act['who_first'] or ''} {act['who_last'] or ''}".strip() or act["who_username"]
    if source == _PROPOSAL:
        return record.TimelineEntry(
            when=act["when"],
            kind=Proposal.Kind(act["what"]).label,
            text=title,
            url=reverse("goals:detail", args=[act["goal_id"]]),
            who=who or "",
            tone="primary",
        )
    if source == _AMENDMENT:
        decided = {
            Amendment.Status.ACCEPTED: _("Amendment accepted"),
            Amendment.Status.REJECTED: _("Amendment rejected"),
            Amendment.Status.WITHDRAWN: _("Amendment withdrawn"),
        }
        return record.TimelineEntry(
            when=act["when"],
            kind=decided.get(act["what"], _("Amendment")),
            text=title,
            url=reverse("goals:detail", args=[act["goal_id"]]),
            who=who or "",
        )
    closed = act["what"] == LandmarkReview.Status.CLOSED
    return record.TimelineEntry(
        when=act["when"],
        kind=_("Review closed") if closed else _("Review accounted for"),
        text=f"{title} · {short_date(act['day'])}",
        url=reverse("goals:review", args=[act["pk"]]),
        who=who or "",
        tone="warning" if act["result"] == LandmarkReview.Outcome.MISSED else "info",
    )


def todo_goals_to_answer(viewer, *, distributor, scope, today):
    """Proposals, counter-proposals and amendments waiting for the viewer's side (its own
    acts: a manager's are those of the goals it answers for, whatever the scope)."""

    def build(distributor):
        # What a title reads, joined (as the goals section does): one query, no prefetches.
        waiting = (
            selectors.goals_waiting_for(viewer, distributor)
            .prefetch_related(None)
            .select_related("distributor", *TITLE_OWN_RELATIONS)
        )
        return waiting, {"count": Count("pk")}

    goals, counts = record.frozen_head_and_counts(
        ("goals.todo.answer", viewer_key(viewer)),
        build,
        record.TODO_PREVIEW,
        distributor=distributor,
    )
    return record.Todo(
        key="goals_to_answer",
        label=_("Goal proposals and amendments to answer"),
        count=counts["count"],
        url=selectors.goals_waiting_url(distributor),
        rows=tuple(record.TodoRow(text=goal.title, url=goal.get_absolute_url()) for goal in goals),
        action=_("Accept, counter or reject the terms"),
    )


def todo_reviews(viewer, *, distributor, scope, today):
    """Landmark reviews whose next act is the viewer's: account for, acknowledge or close."""

    def build(distributor):
        needing = (
            selectors.reviews_needing(viewer, distributor)
            .select_related(None)
            .select_related("goal", *TITLE_RELATIONS, "landmark")
        )
        return needing, {
            "count": Count("pk"),
            "overdue": Count("pk", filter=LandmarkReview.overdue_q(today)),
        }

    reviews, counts = record.frozen_head_and_counts(
        ("goals.todo.reviews", today, viewer_key(viewer)),
        build,
        record.TODO_PREVIEW,
        distributor=distributor,
    )
    manufacturer = is_manufacturer(viewer)
    return record.Todo(
        key="reviews",
        label=_("Landmark reviews waiting for you")
        if manufacturer
        else _("Missed landmarks to account for or acknowledge"),
        count=counts["count"],
        overdue=counts["overdue"],
        url=selectors.reviews_needing_url(distributor),
        rows=tuple(
            record.TodoRow(
                text=f"{review.goal.title} · {NextAct(review.next_act).label}",
                url=reverse("goals:review", args=[review.pk]),
                due=review.landmark.date,
                due_word=_("landmark of"),
            )
            for review in reviews
        ),
        action=_("Account for your own goals' misses; close the reviews nothing is missing from")
        if manufacturer
        else _("Say what happened and what you will do"),
    )


def todo_steps(viewer, *, distributor, scope, today):
    """The viewer's open action steps due within a week or overdue."""

    def build(distributor):
        due = selectors.steps_due_for(viewer, distributor, today=today).select_related(None)
        return due, {"count": Count("pk"), "overdue": Count("pk", filter=Q(due__lt=today))}

    steps, counts = record.frozen_head_and_counts(
        ("goals.todo.steps", today, viewer_key(viewer)),
        build,
        record.TODO_PREVIEW,
        distributor=distributor,
    )
    return record.Todo(
        key="steps_due",
        label=_("Action steps due"),
        count=counts["count"],
        overdue=counts["overdue"],
        url=selectors.steps_due_url(viewer, distributor),
        rows=tuple(
            record.TodoRow(
                text=step.what,
                url=reverse("goals:detail", args=[step.goal_id]),
                due=step.due,
                overdue=step.due < today,
            )
            for step in steps
        ),
        action=_("Do them, or say they are dropped"),
    )


def register():
    record.register_section(
        "goals", order=20, template="goals/record/_goals.html", build=goals_section
    )
    record.register_section(
        "reviews", order=30, template="goals/record/_reviews.html", build=reviews_section
    )
    record.register_section(
        "steps", order=70, template="goals/record/_steps.html", build=steps_section
    )
    record.register_timeline("goals", goal_timeline)
    record.register_todo("goals_to_answer", order=20, build=todo_goals_to_answer)
    record.register_todo("reviews", order=25, build=todo_reviews)
    record.register_todo("steps_due", order=50, build=todo_steps)
