"""The preferences form: one select per registered kind."""

from django import forms

from .kinds import Delivery, kind_list


class PreferencesForm(forms.Form):
    def __init__(self, *args, current, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in kind_list():
            self.fields[kind.slug] = forms.ChoiceField(
                label=kind.label,
                choices=Delivery.choices,
                initial=current.get(kind.slug, kind.default_delivery),
            )
