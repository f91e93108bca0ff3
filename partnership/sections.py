"""What the training catalogue adds to the distributor's 360° record (`distributors.record`):
how many of its people hold a certification, the certificates ending soonest, and the way to
its certificates; and to a partner's "Waiting for you", the certificates to renew. The figures
are the certificates page's (`selectors.certificate_list`)."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from distributors import record
from distributors.access import is_manufacturer

from . import selectors

CERTIFICATES_SHOWN = 5


def _certificates_url(distributor, viewer, **query):
    if is_manufacturer(viewer):
        query["distributor"] = distributor.code
    url = reverse("partnership:certificates")
    return f"{url}?{urlencode(query)}" if query else url


def training_section(distributor, viewer, today):
    """People certified today, certificates expiring or expired (soonest first); hidden where
    nobody of the distributor passed a certifying course."""
    rows = selectors.certificates_read(
        selectors.certificate_list(visible_to=viewer).filter(distributor=distributor), today
    )
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
    rows = [
        row
        for row in selectors.certificates_read(
            selectors.status_filter(
                selectors.certificate_list(visible_to=viewer).filter(distributor=distributor),
                "expiring",
                today,
            ),
            today,
        )
    ]
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


def agreement_section(distributor, viewer, today):
    """Whether the distributor accepted the current agreement (who, when); hidden while none is
    published."""
    from .models import AgreementAcceptance
    from .services import agreement_current

    current = agreement_current()
    if current is None:
        return None
    accepted = AgreementAcceptance.objects.filter(version=current, distributor=distributor).first()
    return {"current": current, "accepted": accepted, "url": reverse("partnership:agreement")}


def todo_agreement(viewer, *, distributor, scope, today):
    """A partner admin's distributor has not accepted the current agreement."""
    from distributors.access import Role, user_role

    from .models import AgreementAcceptance
    from .services import agreement_current

    if distributor is None or user_role(viewer) != Role.PARTNER_ADMIN:
        return None
    current = agreement_current()
    if (
        current is None
        or AgreementAcceptance.objects.filter(version=current, distributor=distributor).exists()
    ):
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


def register():
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
