"""Two-factor authentication: who must use it, and the one authenticator app (TOTP) of a user.

django-otp keeps the devices and remembers in the session which one verified it
(`request.user.is_verified()`); this module says what a log-in still owes: nothing, a code
("verify"), or an authenticator app first ("setup").
"""

import io
import math
from base64 import b32encode

import qrcode
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathImage

from drm import compiled
from drm.errors import ValidationFailed

from .access import admin_site_requires_verification, two_factor_required

DEVICE_NAME = "Authenticator app"


class Step:
    """What a logged-in user owes before the portal opens."""

    VERIFY = "verify"
    SETUP = "setup"


# --- a company sign-in's second factor (written by sso/ at its log-in) ----------------------
# Who answers for the second factor of this session: the company's identity provider (the portal
# asks none of its own, but the Django admin when TWO_FACTOR_REQUIRED_FOR_ADMINS asks it there),
# or the portal (its own code, after setting up an app if need be). Absent: a password log-in.
SESSION_SECOND_FACTOR = "two_factor_by"


class SecondFactorBy:
    PROVIDER = "provider"
    PORTAL = "portal"


def totp_device(user, *, confirmed=True):
    """The user's authenticator app (confirmed, or the one being set up), or None."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("pk").first()
        if user.is_authenticated
        else None
    )


def two_factor_step(user, *, admin_site=False, session=None):
    """What the logged-in `user` of this session owes: None, Step.VERIFY or Step.SETUP.

    `admin_site`: the request is for the Django admin, which may ask more than the portal.
    `session`: the request's, which says whether a company sign-in left the second factor to
    its provider or asked the portal's (SESSION_SECOND_FACTOR).
    """
    if not user.is_authenticated or _is_verified(user):
        return None
    by = session.get(SESSION_SECOND_FACTOR) if session is not None else None
    admin_asks = admin_site and admin_site_requires_verification(user)
    if by == SecondFactorBy.PROVIDER and not admin_asks:
        return None
    devices = compiled.rows(
        "identity.two_factor_step.devices",
        lambda user: TOTPDevice.objects.filter(user=user, confirmed=True).values_list(
            "pk", flat=True
        )[:1],
        user=user,
    )
    if devices:
        return Step.VERIFY
    if by == SecondFactorBy.PORTAL or two_factor_required(user) or admin_asks:
        return Step.SETUP
    return None


def _is_verified(user):
    # OTPMiddleware installs is_verified on request.user; a user from elsewhere is not verified.
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def totp_device_start(*, user):
    """The authenticator app being set up: the pending one again (a reload keeps the key shown),
    else a new one with a fresh random key. It proves nothing until confirmed with a code."""
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_code_check(*, device, code):
    """Verify `code` against `device` under a row lock (a code is good once, wrong codes are
    throttled with a growing wait); raise ValidationFailed saying why when it is refused."""
    code = "".join((code or "").split())
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, why = device.verify_is_allowed()
        # A wrong code is counted (and the wait grows) in this transaction, so raise after it.
        verified = allowed and device.verify_token(code)
    if not allowed:
        raise ValidationFailed(_throttled_message(why), field="code")
    if not verified:
        raise ValidationFailed(
            _("That code is not right. Enter the current code from your authenticator app."),
            field="code",
        )
    return device


def _throttled_message(why):
    locked_until = (why or {}).get("locked_until")
    seconds = (
        max(1, math.ceil((locked_until - timezone.now()).total_seconds())) if locked_until else 1
    )
    return ngettext(
        "Too many wrong codes. Wait %(seconds)s second, then try again.",
        "Too many wrong codes. Wait %(seconds)s seconds, then try again.",
        seconds,
    ) % {"seconds": seconds}


def totp_device_confirm(*, user, code):
    """Switch two-factor authentication on: the pending app's first good code confirms it."""
    device = totp_device(user, confirmed=False)
    if device is None:
        raise ValidationFailed(_("Start the set-up again: no authenticator app is pending."))
    device = totp_code_check(device=device, code=code)
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # One app per user: any other (pending, or one set up from the shell) stops counting.
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return device


def totp_device_remove(*, user, code):
    """Switch two-factor authentication off; a current code proves it is the owner asking."""
    if two_factor_required(user):
        raise ValidationFailed(_("Two-factor authentication is required for your role."))
    device = totp_device(user)
    if device is None:
        raise ValidationFailed(_("Two-factor authentication is not on."))
    totp_code_check(device=device, code=code)
    TOTPDevice.objects.filter(user=user).delete()


def totp_verify(*, user, code):
    """The log-in step after the password: the device that accepted `code`."""
    device = totp_device(user)
    if device is None:
        raise ValidationFailed(_("Two-factor authentication is not on."))
    return totp_code_check(device=device, code=code)


def qr_code_svg(device):
    """The device's otpauth:// URI as an inline SVG QR code (drawn here, no image library)."""
    image = qrcode.make(device.config_url, image_factory=SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    # Drop the XML declaration: the SVG sits inside the page.
    return svg[svg.index("<svg") :]


def secret_key_text(device):
    """The key in base32, in groups of four, for typing into an app by hand."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
