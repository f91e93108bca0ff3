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

    from distributors.models import Distributor
    from identity.models import Membership
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
        .exclude(distributor__status__in=Distributor.OUTSIDE_CHANNEL)
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


STEP_DUE = register(Kind("onboarding_step_due", _("Onboarding steps coming due")))
APPLICATION_RECEIVED = register(
    Kind("application_received", _("Applications to become a distributor"))
)
ACCESS_OPENED = register(Kind("onboarding_access_opened", _("Onboarding: access opened")))


class StepTitle:
    """A step's title in the reader's language, written when it is read."""

    def __init__(self, step):
        self.step = step

    def __str__(self):
        return self.step.display_title


def step_due_notify(progress, *, today):
    """The owners of a step hear it is due soon, or overdue: a partner-side step its partner
    admins, the manufacturer's the account manager (else every channel manager)."""
    from leads.notices import channel_managers

    from .models import JourneyStep

    distributor = progress.onboarding.distributor
    partner_side = progress.step.side == JourneyStep.Side.PARTNER
    recipients = (
        partner_admins(distributor.pk) if partner_side else channel_managers(distributor.pk)
    )
    overdue = progress.due_on < today
    _send(
        recipients,
        kind=STEP_DUE.slug,
        subject=(
            _("Onboarding of %(distributor)s: “%(step)s” was due on %(due)s")
            if overdue
            else _("Onboarding of %(distributor)s: “%(step)s” is due on %(due)s")
        ),
        body=_("Open the onboarding journey to do it or see what it waits for."),
        link=(
            reverse("partnership:my-onboarding")
            if partner_side
            else reverse("partnership:onboarding", args=[distributor.code])
        ),
        context={
            "distributor": distributor.name,
            "step": StepTitle(progress.step),
            "due": progress.due_on,
        },
    )


def application_received_notify(application_id):
    """Every channel manager hears of a new application (an applicant has no account manager
    yet)."""
    from leads.notices import channel_managers

    from .models import Application

    application = Application.objects.select_related("distributor").filter(pk=application_id)
    application = application.first()
    if application is None:
        return
    _send(
        channel_managers(),
        kind=APPLICATION_RECEIVED.slug,
        subject=_("%(company)s applies to become a distributor"),
        body=_("%(contact)s applied from %(country)s. Review the application and decide."),
        link=reverse("partnership:onboarding", args=[application.distributor.code]),
        context={
            "company": application.distributor.name,
            "contact": application.contact_name,
            "country": application.distributor.country,
        },
    )


def access_opened_notify(distributor):
    """The partner admins and the account manager hear the distributor is active: leads may
    now be routed to it."""
    from leads.notices import channel_managers

    message = {
        "kind": ACCESS_OPENED.slug,
        "subject": _("%(distributor)s is active"),
        "body": _("Its onboarding journey opened access: leads may now be routed to it."),
        "context": {"distributor": distributor.name},
    }
    _send(partner_admins(distributor.pk), link=reverse("partnership:my-onboarding"), **message)
    if distributor.account_manager_id:
        _send(
            channel_managers(distributor.pk),
            link=reverse("partnership:onboarding", args=[distributor.code]),
            **message,
        )
