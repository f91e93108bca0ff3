"""The inbox's filter and the preferences form (one select per registered kind)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .kinds import Delivery, kind_list


class PreferencesForm(forms.Form):
    """A kind left out of the POST keeps its setting (a client may change just one)."""

    def __init__(self, *args, current, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kind_list():
            self.fields[kind.slug] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                initial=current.get(kind.slug, kind.default_delivery),
                required=False,
            )

    def clean(self):
        data = super().clean()
        return {slug: delivery for slug, delivery in data.items() if delivery}


class NotificationFilterForm(forms.Form):
    """`?show=unread` (neither read nor done: what the badge counts) or `?show=done`; an
    unknown value is an error, never the whole inbox."""

    SHOW = {
        "": lambda notifications: notifications,
        "unread": lambda notifications: notifications.unread(),
        "done": lambda notifications: notifications.filter(done_at__isnull=False),
    }

    show = forms.ChoiceField(
        choices=[("", _("All notifications")), ("unread", _("Unread")), ("done", _("Marked done"))],
        required=False,
        label=_("Show"),
    )

    def filter(self, notifications):
        if not self.is_valid():
            return notifications.none()
        return self.SHOW[self.cleaned_data.get("show") or ""](notifications)
