"""Pages: the inbox, opening one notification, marking all read, delivery preferences."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from . import services
from .models import Notification, NotificationPreference

PAGE_SIZE = 25


def recipient_required(view):
    """Logged in, and let in by settings.NOTIFICATIONS_AUDIENCE (a dotted path to a predicate).

    The predicate comes from settings because the roles live in a higher app this one may not
    import; the project points it at identity.access.user_role.
    """

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        audience = getattr(settings, "NOTIFICATIONS_AUDIENCE", "")
        if audience and not import_string(audience)(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@require_safe
@recipient_required
def inbox(request):
    from .forms import NotificationFilterForm

    form = NotificationFilterForm(request.GET)
    notifications = form.filter(Notification.objects.for_recipient(request.user))
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "form": form, "query": query.urlencode(), "show": request.GET.get("show")},
        status=200 if form.is_valid() else 400,
    )


@require_POST
@recipient_required
def notification_open(request, pk):
    notification = get_object_or_404(Notification.objects.for_recipient(request.user), pk=pk)
    services.notification_open(notification=notification)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("notifications:inbox")


@require_POST
@recipient_required
def read_all(request):
    count = services.notification_read_all(user=request.user)
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked read.", "%(count)d notifications marked read.", count
        )
        % {"count": count},
    )
    return redirect("notifications:inbox")


@require_http_methods(["GET", "POST"])
@recipient_required
def preferences(request):
    from .forms import PreferencesForm

    current = dict(
        NotificationPreference.objects.filter(user=request.user).values_list("kind", "delivery")
    )
    form = PreferencesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        services.notification_preferences_set(user=request.user, deliveries=form.cleaned_data)
        messages.success(request, _("Your notification settings were saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
