"""REST API of the identity app: an API token for a user name, a password and the second factor."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.authentication import SessionScheme
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from drm.errors import ValidationFailed
from drm.throttling import AnonRateThrottle

from .access import two_factor_required
from .two_factor import totp_device, totp_verify


class TwoFactorSessionScheme(SessionScheme):
    """OpenAPI: the API's session authentication is still Django's session cookie."""

    target_class = "identity.authentication.SessionAuthentication"


class TokenRequestSerializer(AuthTokenSerializer):
    """User name and password, and the authenticator code when the user has two factors."""

    code = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=_("The current code of the user's authenticator app, when it has one."),
    )


class TokenObtainApi(ObtainAuthToken):
    """A user's API token for its user name and password, and its current authenticator code
    when two-factor authentication is on for it: the password alone would get round it."""

    serializer_class = TokenRequestSerializer
    # DRF's token view has no throttle of its own; the anonymous rate applies (and django-axes).
    throttle_classes = [AnonRateThrottle]

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        device = totp_device(user)
        if device is None and two_factor_required(user):
            raise ValidationFailed(
                _("Set up two-factor authentication in the portal first."), field="code"
            )
        if device is not None:
            if not serializer.validated_data.get("code"):
                raise ValidationFailed(
                    _("This account uses two-factor authentication: send its current code too."),
                    field="code",
                )
            totp_verify(user=user, code=serializer.validated_data["code"])
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
