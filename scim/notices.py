"""The notification of provisioning: a token created or revoked, told to the others who keep the
directory's access (the distributor's partner admins; for the staff token, the manufacturer
admins). Whoever did it is not told of their own act."""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from identity.access import MANUFACTURER_ADMINS
from leads.notices import _send, partner_admins
from notifications.kinds import Delivery, Kind, register

SCIM_TOKEN = register(
    Kind("scim_token", _("Provisioning (SCIM) tokens created or revoked"), Delivery.IMMEDIATE)
)


def _keepers(distributor_id):
    if distributor_id is not None:
        return partner_admins(distributor_id)
    return list(get_user_model().objects.filter(groups__name=MANUFACTURER_ADMINS, is_active=True))


def token_changed_notify(token, *, created, by):
    link = reverse("scim:mine" if token.distributor_id is not None else "scim:staff")
    if created:
        subject = _("Provisioning token created")
        body = _(
            "%(who)s created a provisioning (SCIM) token starting with %(prefix)s: a directory "
            "holding it can create, change and delete users. Revoke it if you did not expect it."
        )
    else:
        subject = _("Provisioning token revoked")
        body = _(
            "%(who)s revoked the provisioning (SCIM) token starting with %(prefix)s: the "
            "directory using it can no longer change users."
        )
    _send(
        _keepers(token.distributor_id),
        kind=SCIM_TOKEN.slug,
        subject=subject,
        body=body,
        link=link,
        context={"who": by.get_full_name() or by.get_username(), "prefix": token.prefix},
        actor=by,
    )
