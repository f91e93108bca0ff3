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
