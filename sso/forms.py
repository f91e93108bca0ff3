"""The identity provider form: it checks shape; sso.services decides (domains free, fields a
protocol needs, who may change the role mapping, passwords off only once the provider works).

Only the chosen protocol's fields are required and checked; the other protocol's are dropped
(the page's script hides their fieldset; without it both show, each under its legend)."""

from django import forms
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import services
from .models import IdentityProvider

FIELDS = services.PROVIDER_FIELDS
PROTOCOL_FIELDS = IdentityProvider.PROTOCOL_FIELDS
HEAD = ("name", "distributor", "domains", "protocol", "is_active")


def _https_by_default(field, **kwargs):
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class ProviderForm(forms.ModelForm):
    domains = forms.CharField(
        label=_("E-mail domains"),
        max_length=2000,
        help_text=_(
            "Comma-separated, like example.com: people typing such an address sign in here."
        ),
    )
    client_secret = forms.CharField(
        label=_("Client secret"),
        max_length=500,
        required=False,
        widget=forms.PasswordInput(render_value=False),
    )

    class Meta:
        model = IdentityProvider
        fields = FIELDS
        widgets = {"certificate": forms.Textarea(attrs={"rows": 4})}
        formfield_callback = _https_by_default

    def __init__(self, *args, manufacturer, distributor_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        provider = self.instance
        if provider.pk:
            self.fields["domains"].initial = ", ".join(provider.domain_list())
            hint = provider.secret_hint()
            self.fields["client_secret"].help_text = (
                _("Stored, ending %(hint)s. Leave empty to keep it.") % {"hint": hint}
                if hint
                else _("None stored.")
            )
        if not manufacturer:
            # Only the manufacturer decides which asserted values make a partner admin.
            for name in ("admin_values", "manager_values"):
                self.fields.pop(name)
        if distributor_choices is not None:
            self.fields["distributor"] = forms.ModelChoiceField(
                label=_("Distributor"),
                queryset=distributor_choices,
                required=False,
                empty_label=_("The manufacturer's staff"),
                help_text=_("Whose people sign in here. Empty: the manufacturer's staff."),
            )
        self.order_fields(HEAD)
        side_is_staff = provider.pk and provider.distributor_id is None
        if side_is_staff:
            # The staff's passwords are closed by a setting (SSO_STAFF_PASSWORD_LOGIN_DISABLED).
            self.fields.pop("password_login_disabled")
        for names in PROTOCOL_FIELDS.values():
            for name in names:
                # Required by protocol in clean(); a browser must not ask for a hidden field.
                self.fields[name].required = False
        self.fields["protocol"].widget.attrs["data-protocol-select"] = ""

    def clean(self):
        cleaned = super().clean()
        protocol = cleaned.get("protocol")
        if protocol not in PROTOCOL_FIELDS:
            return cleaned
        for other, names in PROTOCOL_FIELDS.items():
            if other == protocol:
                continue
            for name in names:
                # Not this provider's protocol: neither checked nor kept.
                self._errors.pop(name, None)
                cleaned[name] = ""
        for name in services.PROTOCOL_REQUIRED[protocol]:
            if not cleaned.get(name) and name not in self._errors:
                self.add_error(
                    name,
                    gettext("%(field)s is required for this protocol.")
                    % {"field": IdentityProvider._meta.get_field(name).verbose_name},
                )
        return cleaned

    def head_fields(self):
        return [self[name] for name in HEAD if name in self.fields]

    def protocol_fieldsets(self):
        """Each protocol's fields under its name, for a <fieldset> of its own."""
        return [
            {"protocol": value, "label": label, "fields": [self[n] for n in PROTOCOL_FIELDS[value]]}
            for value, label in IdentityProvider.Protocol.choices
        ]

    def tail_fields(self):
        placed = set(HEAD).union(*PROTOCOL_FIELDS.values())
        return [self[name] for name in self.fields if name not in placed]

    def domain_list(self):
        return [d for d in self.cleaned_data["domains"].split(",") if d.strip()]

    def provider_data(self):
        return {name: self.cleaned_data[name] for name in FIELDS if name in self.cleaned_data}
