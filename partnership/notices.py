"""The notifications of the training catalogue: a certificate about to expire is told to its
holder and to its distributor's partner admins, in each one's language."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from leads.notices import _send, partner_admins
from notifications.kinds import Kind, register

CERTIFICATE_EXPIRING = register(Kind("certificate_expiring", _("Certificates about to expire")))


class CertificationName:
    """A certification's name in the reader's language, written when it is read."""

    def __init__(self, certification):
        self.certification = certification

    def __str__(self):
        return self.certification.display_name


class PersonName:
    def __init__(self, user):
        self.user = user

    def __str__(self):
        return self.user.get_full_name() or self.user.get_username()


def certificate_expiring_notify(completion):
    """The holder and the partner admins of its distributor (each once) hear that the
    certificate ends, and which course renews it."""
    recipients = {completion.user_id: completion.user}
    for admin in partner_admins(completion.distributor_id):
        recipients.setdefault(admin.pk, admin)
    _send(
        list(recipients.values()),
        kind=CERTIFICATE_EXPIRING.slug,
        subject=_("%(certification)s of %(person)s expires on %(end)s"),
        body=_(
            "Passing %(course)s again before %(end)s renews it. Certified people count towards "
            "the distributor's tier."
        ),
        link=reverse("partnership:certificates"),
        context={
            "certification": CertificationName(completion.course.certification),
            "person": PersonName(completion.user),
            "end": completion.expires_on,
            "course": completion.course.title,
        },
    )


class AgreementTitle:
    """A version's title in the reader's language, written when it is read."""

    def __init__(self, version):
        self.version = version

    def __str__(self):
        return self.version.display_title


AGREEMENT_TO_ACCEPT = register(
    Kind("agreement_to_accept", _("A new version of the partner agreement to accept"))
)


def agreement_published_notify(version_id, *, by_id=None):
    """Every partner admin of a distributor not terminated is asked to accept the new version;
    the notice is done once its distributor has accepted (whoever of its admins did)."""
    from django.contrib.auth import get_user_model

    from distributors.models import Distributor, Membership
    from notifications.services import act_key

    from .models import AgreementVersion

    version = AgreementVersion.objects.filter(pk=version_id).first()
    latest = AgreementVersion.objects.order_by("-number").first()
    if version is None or version != latest:
        return 0  # a later version is out: it asks for itself
    actor = get_user_model().objects.filter(pk=by_id).first() if by_id else None
    admins = (
        Membership.objects.select_related("user")
        .filter(role=Membership.Role.ADMIN, user__is_active=True)
        .exclude(distributor__status=Distributor.Status.TERMINATED)
        # Those whose distributor accepted it already (the job runs after the commit) are done.
        .exclude(distributor__agreement_acceptances__version=version)
        .order_by("distributor_id", "user_id")
    )
    told = 0
    for membership in admins.iterator(chunk_size=500):
        _send(
            [membership.user],
            kind=AGREEMENT_TO_ACCEPT.slug,
            subject=_("Please accept the partner agreement: %(title)s (version %(number)s)"),
            body=_(
                "A new version of the partner agreement was published on %(published)s. Read it "
                "and accept it for your distributor."
            ),
            link=reverse("partnership:agreement"),
            context={
                "title": AgreementTitle(version),
                "number": version.number,
                "published": version.published_at,
            },
            acts=[act_key("agreement", version.pk, "accept", membership.distributor_id)],
            actor=actor,
        )
        told += 1
    return told
