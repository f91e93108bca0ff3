"""The subscription form: a URL, the events (checkboxes with their labels), a description,
on or off. It checks shape; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import URL_MAX


def _event_choices():
    from .services import subscribable_events

    return [(event.name, f"{event.label} ({event.name})") for event in subscribable_events()]


class SubscriptionForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=URL_MAX,
        help_text=_("Where the events are POSTed: an https address of your system."),
        widget=forms.URLInput,
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=_event_choices, widget=forms.CheckboxSelectMultiple
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
