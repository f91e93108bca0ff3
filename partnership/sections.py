"""What the partner programme adds to the record and the to-do lists: the onboarding journey
(where it stands; the steps and applications waiting), the agreement, and the training.

What the training catalogue adds to the distributor's 360° record (`distributors.record`):
how many of its people hold a certification, the certificates ending soonest, and the way to
its certificates; and to a partner's "Waiting for you", the certificates to renew. The figures
are the certificates page's (`selectors.certificate_list`)."""

import datetime
from urllib.parse import urlencode

from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from distributors import record
from drm import compiled
from identity.access import is_manufacturer, viewer_key

from . import selectors

CERTIFICATES_SHOWN = 5


def _certificates_url(distributor, viewer, **query):
    if is_manufacturer(viewer):
        query["distributor"] = distributor.code
    url = reverse("partnership:certificates")
    return f"{url}?{urlencode(query)}" if query else url


def _certificates(distributor, viewer, today):
    """The distributor's certificates the viewer may see, read once per page (the training
    section and the certificates to renew both show them)."""
    return record.shared(
        distributor,
        ("certificates", viewer.pk, today),
        lambda: selectors.certificates_read(
            compiled.rows(
                ("partnership.record.certificates", viewer_key(viewer)),
                lambda distributor: selectors.certificate_list(visible_to=viewer).filter(
                    distributor=distributor
                ),
                distributor=distributor,
            ),
            today,
        ),
    )


def training_section(distributor, viewer, today):
    """People certified today, certificates expiring or expired (soonest first); hidden where
    nobody of the distributor passed a certifying course."""
    rows = _certificates(distributor, viewer, today)
    if not rows:
        return None
    held = {row["user"] for row in rows if row["status"] in ("valid", "expiring")}
    ending = [row for row in rows if row["status"] in ("expiring", "expired")]
    return {
        "certified": len(held),
        "certificates": sum(1 for row in rows if row["status"] != "expired"),
        "ending": ending[:CERTIFICATES_SHOWN],
        "ending_count": len(ending),
        "certificates_url": _certificates_url(distributor, viewer),
        "training_url": reverse("partnership:courses"),
    }


def todo_certificates(viewer, *, distributor, scope, today):
    """A partner's certificates to renew (expiring within EXPIRING_DAYS): its own for a rep,
    its whole team's for a partner admin."""
    if distributor is None or is_manufacturer(viewer):
        return None
    # The page's status (certificate_status), the certificates page's `?status=expiring`.
    rows = [row for row in _certificates(distributor, viewer, today) if row["status"] == "expiring"]
    if not rows:
        return None
    return record.Todo(
        key="certificates",
        label=_("Certificates to renew"),
        count=len(rows),
        url=_certificates_url(distributor, viewer, status="expiring"),
        rows=tuple(
            record.TodoRow(
                text=f"{row['certification'].display_name} · {row['person']}",
                url=_certificates_url(distributor, viewer, status="expiring"),
                due=row["ends"],
                due_word=_("valid until"),
            )
            for row in rows[: record.TODO_PREVIEW]
        ),
        action=_("Pass the course again before the end date"),
    )


def _agreement(distributor):
    """(the current agreement version or None, the distributor's acceptance of it or None),
    read once per page, in one query (the version with its acceptance's figures; the terms
    themselves, which the record does not show, left unread)."""
    from .models import AgreementAcceptance
    from .services import agreement_versions

    def build(distributor):
        acceptance = AgreementAcceptance.objects.filter(
            version=OuterRef("pk"), distributor=distributor
        )

        def of_acceptance(field):
            return Subquery(acceptance.values(field)[:1])

        return (
            agreement_versions()
            .defer("body", "body_fr")
            .annotate(
                acceptance_id=of_acceptance("pk"),
                acceptance_by_id=of_acceptance("accepted_by_id"),
                acceptance_by_name=of_acceptance("accepted_by_name"),
                acceptance_at=of_acceptance("accepted_at"),
            )
        )

    def read():
        current = compiled.first("partnership.record.agreement", build, distributor=distributor)
        if current is None:
            return None, None
        if current.acceptance_id is None:
            return current, None
        return current, AgreementAcceptance(
            pk=current.acceptance_id,
            version=current,
            distributor=distributor,
            accepted_by_id=current.acceptance_by_id,
            accepted_by_name=current.acceptance_by_name,
            accepted_at=current.acceptance_at,
        )

    return record.shared(distributor, "agreement", read)


def agreement_section(distributor, viewer, today):
    """Whether the distributor accepted the current agreement (who, when); hidden while none is
    published."""
    current, accepted = _agreement(distributor)
    if current is None:
        return None
    return {"current": current, "accepted": accepted, "url": reverse("partnership:agreement")}


def todo_agreement(viewer, *, distributor, scope, today):
    """A partner admin's distributor has not accepted the current agreement."""
    from identity.access import Role, user_role

    if distributor is None or user_role(viewer) != Role.PARTNER_ADMIN:
        return None
    current, accepted = _agreement(distributor)
    if current is None or accepted is not None:
        return None
    url = reverse("partnership:agreement")
    return record.Todo(
        key="agreement",
        label=_("Partner agreement to accept"),
        count=1,
        url=url,
        rows=(record.TodoRow(text=str(current), url=url),),
        action=_("Read the terms and accept them for your distributor"),
    )


STEPS_AHEAD_DAYS = 7


def _journey_steps(distributor, viewer):
    """The steps of the distributor's journey under way, in order, read once per page (the
    section and the partner's steps to do both show them)."""
    from .models import StepProgress

    def build(distributor):
        return (
            StepProgress.objects.visible_to(viewer)
            .filter(
                onboarding__distributor=distributor,
                onboarding__completed_at__isnull=True,
                onboarding__stopped_at__isnull=True,
            )
            .select_related("step", "onboarding__journey")
            .order_by("step__position", "step_id")
        )

    return record.shared(
        distributor,
        ("journey-steps", viewer.pk),
        lambda: compiled.rows(
            ("partnership.journey-steps", viewer_key(viewer)), build, distributor=distributor
        ),
    )


def onboarding_section(distributor, viewer, today):
    """Where the distributor's onboarding journey stands while it is under way: steps done, the
    next one and by whom, steps overdue, and whether access is open; hidden otherwise. One
    query of four tables (its steps, with their journey), counted here."""
    from types import SimpleNamespace

    from drm.names import name_in

    steps = _journey_steps(distributor, viewer)
    if not steps:
        return None
    to_do = [progress for progress in steps if progress.done_at is None]
    following = to_do[0] if to_do else None
    row = SimpleNamespace(
        journey=steps[0].onboarding.journey,
        steps=len(steps),
        done=len(steps) - len(to_do),
        overdue=sum(1 for progress in to_do if progress.due_on < today),
        next_side=following.step.side if following else "",
        next_due=following.due_on if following else None,
    )
    return {
        "row": row,
        "next_title": (name_in(following.step.title, following.step.title_fr) if following else ""),
        "url": (
            reverse("partnership:onboarding", args=[distributor.code])
            if is_manufacturer(viewer)
            else reverse("partnership:my-onboarding")
        ),
    }


def _steps_todo(viewer, *, distributor, scope, ahead):
    """The steps waiting for `viewer`'s side (a manufacturer's: due by `ahead`)."""
    from .models import JourneyStep, StepProgress

    steps = StepProgress.objects.visible_to(viewer).filter(
        done_at__isnull=True,
        onboarding__completed_at__isnull=True,
        onboarding__stopped_at__isnull=True,
    )
    if distributor is not None:
        steps = steps.filter(onboarding__distributor=distributor)
    if is_manufacturer(viewer):
        steps = steps.filter(
            step__side=JourneyStep.Side.MANUFACTURER,
            due_on__lte=ahead,
        ).exclude(step__evidence=JourneyStep.Evidence.CHECK)
        if scope == "mine":
            steps = steps.filter(onboarding__distributor__account_manager=viewer)
    else:
        steps = steps.filter(step__side=JourneyStep.Side.PARTNER)
    return steps


def todo_onboarding_steps(viewer, *, distributor, scope, today):
    """The onboarding steps waiting for the viewer: the manufacturer's steps due within a week
    (or overdue) of the distributors in scope; a partner admin's distributor's steps to do."""
    from identity.access import Role, user_role

    from .models import JourneyStep

    manufacturer = is_manufacturer(viewer)
    if not manufacturer and (distributor is None or user_role(viewer) != Role.PARTNER_ADMIN):
        return None
    if manufacturer:
        values = {"today": today, "ahead": today + datetime.timedelta(days=STEPS_AHEAD_DAYS)}
        if distributor is not None:
            values["distributor"] = distributor

        def build(today, ahead, distributor=None):
            steps = _steps_todo(viewer, distributor=distributor, scope=scope, ahead=ahead)
            return (
                steps.select_related("step", "onboarding__distributor").order_by("due_on", "pk"),
                {"count": Count("pk"), "overdue": Count("pk", filter=Q(due_on__lt=today))},
            )

        rows, counts = record.frozen_head_and_counts(
            ("partnership.todo-steps", viewer_key(viewer), scope),
            build,
            record.TODO_PREVIEW,
            **values,
        )
    else:
        # The partner's side of the steps its record's section read (`_steps_todo`'s rule).
        waiting = sorted(
            (
                progress
                for progress in _journey_steps(distributor, viewer)
                if progress.done_at is None and progress.step.side == JourneyStep.Side.PARTNER
            ),
            key=lambda progress: (progress.due_on, progress.pk),
        )
        rows = waiting[: record.TODO_PREVIEW]
        counts = {
            "count": len(waiting),
            "overdue": sum(1 for progress in waiting if progress.due_on < today),
        }
    if not counts.get("count"):
        return None

    def url(row):
        if manufacturer:
            return reverse("partnership:onboarding", args=[row.onboarding.distributor.code])
        return reverse("partnership:my-onboarding")

    list_url = (
        f"{reverse('partnership:onboardings')}?state=open&waiting_on=manufacturer"
        if manufacturer
        else reverse("partnership:my-onboarding")
    )
    return record.Todo(
        key="onboarding_steps",
        label=_("Onboarding steps to do"),
        count=counts["count"],
        overdue=counts["overdue"],
        url=list_url,
        rows=tuple(
            record.TodoRow(
                text=(
                    f"{row.step.display_title} · {row.onboarding.distributor.name}"
                    if manufacturer
                    else row.step.display_title
                ),
                url=url(row),
                due=row.due_on,
                overdue=row.due_on < today,
            )
            for row in rows
        ),
        action=_("Do each step, or see what the portal waits for"),
    )


def todo_applications(viewer, *, distributor, scope, today):
    """The manufacturer's applications to decide (all of them: an applicant has no account
    manager yet)."""
    if distributor is not None or not is_manufacturer(viewer):
        return None
    from distributors.models import Distributor

    from .models import Application

    rows, counts = record.frozen_head_and_counts(
        "partnership.todo-applications",
        lambda: (
            Application.objects.filter(
                decision="", distributor__status=Distributor.Status.APPLICANT
            )
            .select_related("distributor")
            .order_by("submitted_at", "pk"),
            {"count": Count("pk")},
        ),
        record.TODO_PREVIEW,
    )
    if not counts.get("count"):
        return None
    return record.Todo(
        key="applications",
        label=_("Applications to decide"),
        count=counts["count"],
        url=f"{reverse('partnership:onboardings')}?state=applicant",
        rows=tuple(
            record.TodoRow(
                text=f"{row.distributor.name} · {row.distributor.country}",
                url=reverse("partnership:onboarding", args=[row.distributor.code]),
                due=row.submitted_at,
                due_word=_("sent"),
            )
            for row in rows
        ),
        action=_("Approve or decline, with the reason"),
    )


def register():
    record.register_section(
        "onboarding",
        order=67,
        template="partnership/record/_onboarding.html",
        build=onboarding_section,
    )
    record.register_todo("applications", order=3, build=todo_applications)
    record.register_todo("onboarding_steps", order=4, build=todo_onboarding_steps)
    record.register_section(
        "agreement",
        order=69,
        template="partnership/record/_agreement.html",
        build=agreement_section,
    )
    record.register_todo("agreement", order=5, build=todo_agreement)
    record.register_section(
        "training",
        order=68,
        template="partnership/record/_training.html",
        build=training_section,
    )
    record.register_todo("certificates", order=60, build=todo_certificates)
