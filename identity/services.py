"""Writes of the identity app: a user's own settings."""

from django.conf import settings
from django.utils.translation import gettext as _

from drm.errors import ValidationFailed

from .models import UserProfile


def user_language_set(*, user, language):
    """Save the language `user` wants pages and e-mails in ("" = follow the browser)."""
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationFailed(_("Unknown language."), field="language")
    UserProfile.objects.update_or_create(user=user, defaults={"language": language})
    user.__dict__.pop("_drm_language", None)
