"""Reads of provisioning: the tokens and the activity a keeper sees."""

from .models import Event, Token


def token_list(*, visible_to):
    return (
        Token.objects.visible_to(visible_to)
        .select_related("created_by", "revoked_by")
        .order_by("revoked_at", "-created_at")
    )


def event_list(*, visible_to):
    return Event.objects.visible_to(visible_to).select_related("by", "token").order_by("-at", "-pk")
