"""Goals' part of the distributor's 360° record: the running year's goals with attainment and
at-risk flags, landmark reviews waiting, action steps and the manager's latest activities, and
what happened to them in the timeline."""

from django.db.models import Count, Q
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from distributors import record
from distributors.access import is_manufacturer

from . import selectors
from .models import ActionStep, Activity, Amendment, Goal, LandmarkReview, Proposal
from .selectors import TITLE_RELATIONS

SHORT = "SHORT_DATE_FORMAT"
GOALS_SHOWN = 8
STEPS_SHOWN = 5
ACTIVITIES_SHOWN = 5
# Reviews that still wait for someone: a missed or at-risk landmark not yet accounted for, or
# accounted for and not yet acknowledged or closed.
WAITING_REVIEWS = Q(status=LandmarkReview.Status.OPEN, outcome__in=("missed", "at_risk")) | Q(
    status=LandmarkReview.Status.ACCOUNTED
)


def _query(url, **params):
    from urllib.parse import urlencode

    return f"{url}?{urlencode(params)}"


def goals_section(distributor, viewer, today):
    year = today.year
    goals = selectors.goal_queryset(
        visible_to=viewer, filters={"distributor": distributor.code, "year": year}
    ).exclude(status=Goal.Status.CLOSED)
    counts = goals.aggregate(total=Count("pk"), at_risk=Count("pk", filter=Q(at_risk=True)))
    figures = selectors.goal_figures(goals[:GOALS_SHOWN], as_of=today)
    return {
        "year": year,
        "figures": figures,
        "count": counts["total"],
        "at_risk": counts["at_risk"],
        "more": max(counts["total"] - len(figures), 0),
        "list_url": _query(reverse("goals:list"), distributor=distributor.code, year=year),
        "at_risk_url": _query(
            reverse("goals:list"), distributor=distributor.code, year=year, at_risk="on"
        ),
        "quarterly_url": reverse("goals:quarterly", args=[distributor.code]),
        "annex_url": reverse("goals:annex", args=[distributor.code, year]),
    }


def reviews_section(distributor, viewer, today):
    reviews = (
        LandmarkReview.objects.visible_to(viewer)
        .filter(WAITING_REVIEWS, goal__distributor=distributor)
        .select_related("goal", "goal__distributor", *TITLE_RELATIONS, "landmark")
        .order_by("landmark__date", "id")
    )
    shown = list(reviews[:GOALS_SHOWN])
    count = len(shown) if len(shown) < GOALS_SHOWN else reviews.count()
    return {
        "reviews": shown,
        "count": count,
        "more": max(count - len(shown), 0),
        "list_url": _query(reverse("goals:reviews"), distributor=distributor.code, waiting="on"),
    }


def steps_section(distributor, viewer, today):
    steps = (
        ActionStep.objects.visible_to(viewer)
        .filter(
            goal__distributor=distributor,
            status__in=(ActionStep.Status.TODO, ActionStep.Status.DOING),
        )
        .select_related("goal", "goal__distributor", *TITLE_RELATIONS, "owner")
        .order_by("due", "id")
    )
    counts = steps.aggregate(total=Count("pk"), overdue=Count("pk", filter=Q(due__lt=today)))
    context = {
        "steps": list(steps[:STEPS_SHOWN]),
        "count": counts["total"],
        "overdue": counts["overdue"],
        "today": today,
        "list_url": _query(reverse("goals:list"), distributor=distributor.code),
        "activities": None,
    }
    if is_manufacturer(viewer):
        context["activities"] = list(
            Activity.objects.filter(distributor=distributor)
            .select_related("manager")
            .order_by("-date", "-id")[:ACTIVITIES_SHOWN]
        )
        context["activities_url"] = _query(
            reverse("goals:activities"), distributor=distributor.code
        )
    return context


def goal_timeline(distributor, viewer, limit):
    """Goals agreed, proposals and counter-proposals, amendments decided, reviews accounted for
    and closed: the latest `limit` of each, from the records the goals app keeps."""
    amendment_decided = {
        Amendment.Status.ACCEPTED: _("Amendment accepted"),
        Amendment.Status.REJECTED: _("Amendment rejected"),
        Amendment.Status.WITHDRAWN: _("Amendment withdrawn"),
    }
    entries = []
    titles = {}  # a goal's title is written once, however many entries name it

    def title(goal):
        if goal.pk not in titles:
            titles[goal.pk] = goal.title
        return titles[goal.pk]

    agreed = (
        Goal.objects.visible_to(viewer)
        .filter(
            distributor=distributor,
            manufacturer_accepted_at__isnull=False,
            partner_accepted_at__isnull=False,
        )
        .annotate(agreed_at=Greatest("manufacturer_accepted_at", "partner_accepted_at"))
        .select_related("distributor", "product_line", "customer_category", "territory")
        .order_by("-agreed_at", "-id")[:limit]
    )
    entries += [
        record.TimelineEntry(
            when=goal.agreed_at,
            kind=_("Goal agreed"),
            text=title(goal),
            url=goal.get_absolute_url(),
            tone="success",
        )
        for goal in agreed
    ]
    proposals = (
        Proposal.objects.visible_to(viewer)
        .filter(goal__distributor=distributor)
        .select_related("goal", "goal__distributor", *TITLE_RELATIONS, "by")
        .order_by("-at", "-id")[:limit]
    )
    entries += [
        record.TimelineEntry(
            when=proposal.at,
            kind=proposal.get_kind_display(),
            text=title(proposal.goal),
            url=proposal.goal.get_absolute_url(),
            who=_name(proposal.by),
            tone="primary",
        )
        for proposal in proposals
    ]
    amendments = (
        Amendment.objects.visible_to(viewer)
        .filter(goal__distributor=distributor, decided_at__isnull=False)
        .select_related("goal", "goal__distributor", *TITLE_RELATIONS, "decided_by")
        .order_by("-decided_at", "-id")[:limit]
    )
    entries += [
        record.TimelineEntry(
            when=amendment.decided_at,
            kind=amendment_decided.get(amendment.status, _("Amendment")),
            text=title(amendment.goal),
            url=amendment.goal.get_absolute_url(),
            who=_name(amendment.decided_by),
        )
        for amendment in amendments
    ]
    reviews = (
        LandmarkReview.objects.visible_to(viewer)
        .filter(goal__distributor=distributor)
        .filter(Q(accounted_at__isnull=False) | Q(closed_at__isnull=False))
        .annotate(done_at=Greatest("accounted_at", "closed_at"))
        .select_related(
            "goal", "goal__distributor", *TITLE_RELATIONS, "landmark", "accounted_by", "closed_by"
        )
        .order_by("-done_at", "-id")[:limit]
    )
    for review in reviews:
        closed = review.status == LandmarkReview.Status.CLOSED and review.closed_at
        entries.append(
            record.TimelineEntry(
                when=review.closed_at if closed else review.accounted_at,
                kind=_("Review closed") if closed else _("Review accounted for"),
                text=f"{title(review.goal)} · {date_format(review.landmark.date, SHORT)}",
                url=reverse("goals:review", args=[review.pk]),
                who=_name(review.closed_by if closed else review.accounted_by),
                tone="warning" if review.outcome == LandmarkReview.Outcome.MISSED else "info",
            )
        )
    return entries


def _name(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


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
