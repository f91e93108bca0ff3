"""The preferences form: one select per registered kind."""

from django import forms

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
