"""API authentication: tokens read with the caller's partner membership, and sessions that
passed their second factor.

DRF's TokenAuthentication reads the token and its user; every API view then asks for the user's
role: its partner membership, else its portal groups. This one reads the membership (and its
distributor) in the token's query, a left join, and leaves it where `access.user_membership`
looks first: a partner's request costs one query less, and a manufacturer user's, whose groups
are still read, no more. A revoked token, a deactivated user or a removed membership is seen on
the very next request: nothing is kept between requests.
"""

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .two_factor import two_factor_step


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user__membership__distributor").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        try:
            user._drm_membership = user.membership
        except ObjectDoesNotExist:
            user._drm_membership = None
        return user, token


class SessionAuthentication(authentication.SessionAuthentication):
    """Django's session (with DRF's CSRF check), refused while the log-in still owes its second
    factor: a password alone does not open the API to a user who must also give a code."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and two_factor_step(result[0]) is not None:
            raise exceptions.PermissionDenied(
                _("Finish logging in first: enter the code from your authenticator app.")
            )
        return result
