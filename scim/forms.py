"""The form that creates a provisioning token."""

from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    description = forms.CharField(
        label=_("Description"),
        max_length=200,
        required=False,
        help_text=_("Which directory holds it, e.g. Okta or Microsoft Entra ID."),
    )
