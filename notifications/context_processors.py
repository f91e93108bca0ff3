"""Template context: the unread count of the navbar badge, counted only if a page shows it."""

from django.db.models import Count

from drm import compiled

from .models import Notification


def unread_count(user):
    """How many of `user`'s notifications are neither read nor done: one query, compiled once
    (every page's navbar reads it)."""
    found = compiled.rows(
        "notifications.unread",
        lambda user: (
            Notification.objects.for_recipient(user)
            .unread()
            .order_by()
            .values("recipient")
            .annotate(n=Count("pk"))
            .values_list("n", flat=True)
        ),
        user=user,
    )
    return found[0] if found else 0


def unread(request):
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    # A callable: the template calls it once, on pages that render the navbar.
    return {"notifications_unread": lambda: unread_count(user)}
