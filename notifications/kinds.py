"""The registry of notification kinds: each app registers the kinds it sends."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("E-mail me at once")
    DIGEST = "digest", _("One e-mail a day (digest)")
    IN_APP = "in_app", _("Only in the portal")


@dataclass(frozen=True)
class Kind:
    slug: str
    label: str
    default_delivery: str = Delivery.IMMEDIATE


_KINDS: dict[str, Kind] = {}


def register(kind):
    """Add `kind` (idempotent for the same slug, so an app's ready() may run twice)."""
    _KINDS[kind.slug] = kind
    return kind


def kind_get(slug):
    try:
        return _KINDS[slug]
    except KeyError:
        raise LookupError(f"unknown notification kind {slug!r}; register it first") from None


def kind_list():
    return sorted(_KINDS.values(), key=lambda kind: kind.slug)
