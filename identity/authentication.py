"""API authentication: tokens read with who the caller is, and sessions that passed their second
factor.

DRF's TokenAuthentication reads the token and its user; every API view then asks for the user's
role: its partner membership, else its portal groups, two more queries a request. This one reads
the membership (and its distributor) with a left join and the two portal groups with two
EXISTS, in the token's query, and leaves them where `access.user_membership` and
`access.user_portal_groups` look first. A revoked token, a deactivated user, a removed membership
or group is seen on the very next request: nothing is kept between requests.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .access import CHANNEL_MANAGERS, MANUFACTURER_ADMINS
from .two_factor import two_factor_step

# Plain SQL rather than Exists(...): compiling two ORM subqueries costs more than the query.
IN_GROUP = (
    "EXISTS (SELECT 1 FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id "
    "WHERE ug.user_id = authtoken_token.user_id AND g.name = %s)"
)


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = (
                model.objects.select_related("user__membership__distributor")
                .annotate(
                    # A constant statement; the group names go as parameters.
                    in_admins=RawSQL(IN_GROUP, (MANUFACTURER_ADMINS,), BooleanField()),  # noqa: S611
                    in_managers=RawSQL(IN_GROUP, (CHANNEL_MANAGERS,), BooleanField()),  # noqa: S611
                )
                .get(key=key)
            )
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        try:
            user._drm_membership = user.membership
        except ObjectDoesNotExist:
            user._drm_membership = None
        user._drm_groups = {
            group
            for group, member in (
                (MANUFACTURER_ADMINS, token.in_admins),
                (CHANNEL_MANAGERS, token.in_managers),
            )
            if member
        }
        return user, token


class SessionAuthentication(authentication.SessionAuthentication):
    """Django's session (with DRF's CSRF check), refused while the log-in still owes its second
    factor: a password alone does not open the API to a user who must also give a code."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and two_factor_step(result[0], session=request.session) is not None:
            raise exceptions.PermissionDenied(
                _("Finish logging in first: enter the code from your authenticator app.")
            )
        return result
