"""Reads of the training catalogue, always scoped to the viewer: the courses (with how many of
the viewer's people passed each), the completions, and the certificates held.

A certificate is a user's standing in a certification: the latest end of its completions of the
courses giving it (`ends`: None when one of them does not expire). Its status is read by
`models.certificate_status` alone: valid, expiring (within EXPIRING_DAYS) or expired.
"""

import datetime

from django.db.models import Count, DateField, F, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from identity.access import is_manufacturer

from .models import EXPIRING_DAYS, Certification, Completion, Course, certificate_status

# What an end that never comes sorts as, inside a query.
NEVER = datetime.date(9999, 12, 31)


def course_list(*, visible_to):
    """The catalogue: a partner sees the courses in it; the manufacturer also those taken out.
    Each course carries `passed_by`: how many people the viewer may see passed it."""
    courses = Course.objects.select_related("certification").prefetch_related("product_lines")
    if not is_manufacturer(visible_to):
        courses = courses.filter(active=True)
    scope = completion_list(visible_to=visible_to)
    return courses.annotate(
        passed_by=Count(
            "completions__user",
            filter=Q(completions__in=scope.values("pk")),
            distinct=True,
        )
    )


def certification_list():
    return Certification.objects.prefetch_related("product_lines", "courses")


def completion_list(*, visible_to):
    return Completion.objects.visible_to(visible_to).select_related(
        "user", "distributor", "course__certification"
    )


def certificate_list(*, visible_to):
    """One row per person and certification the viewer may see: user, distributor,
    certification, `first_earned`, `last_passed`, `ends` (NEVER when it does not expire), and the
    status's bounds to filter by (`status_filter`)."""
    return (
        Completion.objects.visible_to(visible_to)
        .filter(course__certification__isnull=False)
        .values(
            "user",
            "user__username",
            "user__first_name",
            "user__last_name",
            "distributor",
            "distributor__code",
            "distributor__name",
            "course__certification",
        )
        .annotate(
            last_passed=Max("completed_on"),
            ends=Max(Coalesce("expires_on", Value(NEVER), output_field=DateField())),
        )
        .order_by("ends", "user__username", "course__certification")
    )


def status_filter(queryset, status, today):
    """`certificate_list` rows of one status (the SQL twin of `certificate_status`)."""
    horizon = today + datetime.timedelta(days=EXPIRING_DAYS)
    if status == "expired":
        return queryset.filter(ends__lt=today)
    if status == "expiring":
        return queryset.filter(ends__gte=today, ends__lte=horizon)
    return queryset.filter(ends__gt=horizon)


def certificates_read(rows, today):
    """`certificate_list` rows as the pages, exports and API show them: each with its
    certification, person's name, `ends` (None: does not expire) and `status`."""
    rows = list(rows)
    certifications = Certification.objects.in_bulk({row["course__certification"] for row in rows})
    for row in rows:
        row["certification"] = certifications[row["course__certification"]]
        if row["ends"] == NEVER:
            row["ends"] = None
        row["status"] = certificate_status(row["ends"], today)
        full = f"{row['user__first_name']} {row['user__last_name']}".strip()
        row["person"] = full or row["user__username"]
    return rows


def certified_people(*, distributor_ids, today, product_line_ids=None):
    """{distributor id: how many of its people hold a certification today} (of a product line
    among `product_line_ids`, when given). A certificate counts for the distributor it was
    earned at, while its holder is still there."""
    valid = Completion.objects.filter(
        distributor_id__in=distributor_ids,
        course__certification__isnull=False,
        user__membership__distributor_id=F("distributor_id"),
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    if product_line_ids is not None:
        valid = valid.filter(course__certification__product_lines__in=product_line_ids)
    rows = valid.values("distributor_id").annotate(people=Count("user", distinct=True))
    return {row["distributor_id"]: row["people"] for row in rows}


def training_for(*, product_line_ids, distributor_id, today):
    """The courses of the catalogue on these product lines (any when none is given: the
    general ones), each with `passed_by` (people of the distributor who passed it) and
    `certified` (of them, those holding its certification today)."""
    courses = Course.objects.filter(active=True).select_related("certification")
    if product_line_ids:
        links = Course.product_lines.through.objects
        on_lines = links.filter(productline_id__in=product_line_ids).values("course_id")
        courses = courses.filter(Q(pk__in=on_lines) | ~Q(pk__in=links.values("course_id")))
    mine = Q(completions__distributor_id=distributor_id)
    valid = mine & (Q(completions__expires_on__isnull=True) | Q(completions__expires_on__gte=today))
    return courses.annotate(
        passed_by=Count("completions__user", filter=mine, distinct=True),
        certified=Count(
            "completions__user",
            filter=valid & Q(certification__isnull=False),
            distinct=True,
        ),
    ).order_by("-passed_by", "title")


def agreement_standing(*, version, visible_to):
    """The distributors the viewer may see in the channel (applicants, declined and terminated
    ones left out), each with its acceptance of `version`: `accepted_at` and `accepted_by_name`
    (None: not accepted yet)."""
    from distributors.models import Distributor

    from .models import AgreementAcceptance

    accepted = AgreementAcceptance.objects.filter(
        version=version, distributor=OuterRef("pk")
    ).order_by()
    return (
        Distributor.objects.visible_to(visible_to)
        .exclude(status__in=Distributor.OUTSIDE_CHANNEL)
        .annotate(
            accepted_at=Subquery(accepted.values("accepted_at")[:1]),
            accepted_by_name=Subquery(accepted.values("accepted_by_name")[:1]),
        )
        .order_by("name", "pk")
    )


def acceptance_list(*, visible_to):
    from .models import AgreementAcceptance

    return AgreementAcceptance.objects.visible_to(visible_to).select_related(
        "version", "distributor"
    )


# --- onboarding journeys --------------------------------------------------------------------


def onboarding_list(*, visible_to, today):
    """The onboardings `visible_to` may see, each with `steps`, `done` (steps done), its next
    step to do (`next_title`, `next_title_fr`, `next_side`, `next_due`), `overdue` (steps to do
    past their day) and its distributor and application. One query, whatever the rows."""
    from .models import Onboarding, StepProgress

    undone = StepProgress.objects.filter(onboarding=OuterRef("pk"), done_at__isnull=True).order_by(
        "step__position", "step_id"
    )
    return (
        Onboarding.objects.visible_to(visible_to)
        .select_related("distributor", "journey", "distributor__application")
        .annotate(
            steps=Count("progress", distinct=True),
            done=Count("progress", filter=Q(progress__done_at__isnull=False), distinct=True),
            overdue=Count(
                "progress",
                filter=Q(progress__done_at__isnull=True, progress__due_on__lt=today),
                distinct=True,
            ),
            next_title=Subquery(undone.values("step__title")[:1]),
            next_title_fr=Subquery(undone.values("step__title_fr")[:1]),
            next_side=Subquery(undone.values("step__side")[:1]),
            next_due=Subquery(undone.values("due_on")[:1]),
        )
    )


def onboarding_progress(*, onboarding):
    """The steps of one onboarding in their order, with who did each."""
    return onboarding.progress.select_related("step", "done_by").order_by(
        "step__position", "step_id"
    )


def applications_pending_count():
    from distributors.models import Distributor

    from .models import Application

    return Application.objects.filter(
        decision="", distributor__status=Distributor.Status.APPLICANT
    ).count()
