"""Template context: the unread count of the navbar badge, counted only if a page shows it."""

from .models import Notification


def unread(request):
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}
    # A callable: the template calls it once, on pages that render the navbar.
    return {
        "notifications_unread": lambda: Notification.objects.for_recipient(user).unread().count()
    }
