"""Forms of the distributors pages: shape only; rules live in services."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from drm.caseless import CodeChoiceField
from drm.formats import DateInput
from drm.widgets import LanguageSelect, PickerCodeInput, PickerSelectMultiple
from identity.access import CHANNEL_MANAGERS, MANUFACTURER_ADMINS
from identity.models import Membership

from .models import Distributor, ImportBatch, Territory, Tier


class DistributorPicker(PickerCodeInput):
    """A distributor typed by its code, or found by part of its code or name as one types
    (among those the user sees; `statuses` narrow them): a channel of thousands is too many for
    a drop-down, whose options alone would cost more than the rest of the page."""

    def __init__(self, attrs=None, *, statuses=None):
        super().__init__(
            attrs,
            url="distributors:pick",
            params={"status": list(statuses)} if statuses else None,
            placeholder=_("Code or name"),
        )


def manager_choices():
    return (
        get_user_model()
        .objects.filter(groups__name__in=[CHANNEL_MANAGERS, MANUFACTURER_ADMINS], is_active=True)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def manager_label(user):
    return user.get_full_name() or user.get_username()


class ManagerChoiceField(forms.ModelChoiceField):
    """Account managers listed by full name; the query string still carries the username."""

    def label_from_instance(self, user):
        return manager_label(user)


class DistributorForm(forms.ModelForm):
    class Meta:
        model = Distributor
        fields = [
            "code",
            "name",
            "country",
            "region",
            "currency",
            "tier",
            "status",
            "contract_start",
            "contract_end",
            "account_manager",
            "market_potential",
            "language",
            "lead_capacity",
            "territories",
            "product_lines",
        ]
        widgets = {
            "language": LanguageSelect(),
            "contract_start": DateInput(),
            "contract_end": DateInput(),
            "territories": PickerSelectMultiple,
            "product_lines": PickerSelectMultiple,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account_manager"].queryset = manager_choices()
        self.fields["account_manager"].label_from_instance = manager_label
        if self.instance.pk:
            self.fields["code"].disabled = True
        # Left out (older clients, scripts): the distributor keeps its language, English if new.
        self.fields["language"].required = False
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Row(Column("code"), Column("name", css_class="col-md-8")),
            Row(Column("country"), Column("region"), Column("currency"), Column("language")),
            Row(Column("tier"), Column("status"), Column("account_manager")),
            Row(Column("contract_start"), Column("contract_end"), Column("market_potential")),
            Row(Column("territories"), Column("product_lines")),
            Submit("save", _("Save distributor")),
        )

    def clean_country(self):
        return self.cleaned_data["country"].upper()

    def clean_currency(self):
        return self.cleaned_data["currency"].upper()

    def clean_language(self):
        return self.cleaned_data["language"] or self.instance.language or "en"


class ReferenceForm(forms.ModelForm):
    """Create/edit form of a reference row whose code is its key in URLs, files and the API."""

    submit_label = _("Save")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", self.submit_label))


class TierForm(ReferenceForm):
    submit_label = _("Save tier")

    class Meta:
        model = Tier
        fields = [
            "code",
            "name",
            "name_fr",
            "rank",
            "accept_hours",
            "lead_weight",
            "max_open_leads",
        ]
        labels = {
            "code": _("Code"),
            "name": _("Name (English)"),
            "name_fr": _("Name (French)"),
            "rank": _("Rank"),
        }
        help_texts = {"rank": _("1 is the top tier; each tier has its own rank.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty, the lead settings keep their defaults (48 hours, weight 1, no cap).
        for name in ("accept_hours", "lead_weight"):
            self.fields[name].required = False

    def _default(self, name):
        value = self.cleaned_data.get(name)
        return Tier._meta.get_field(name).default if value in (None, "") else value

    def clean_accept_hours(self):
        return self._default("accept_hours")

    def clean_lead_weight(self):
        return self._default("lead_weight")


class TerritoryForm(ReferenceForm):
    submit_label = _("Save territory")

    class Meta:
        model = Territory
        fields = ["code", "name", "name_fr", "country", "region"]
        labels = {
            "code": _("Code"),
            "name": _("Name (English)"),
            "name_fr": _("Name (French)"),
            "country": _("Country"),
            "region": _("Region"),
        }
        help_texts = {
            "country": _("ISO 3166-1 alpha-2 code, e.g. DE, FR, US."),
            "region": _(
                "In English, as distributors write it; its French name is on the regions page."
            ),
        }

    def clean_country(self):
        return self.cleaned_data["country"].strip().upper()


class RegionNameForm(forms.Form):
    """One region's French name; the region itself is the text distributors and territories
    write, which is not edited here."""

    name = forms.CharField(max_length=60, widget=forms.HiddenInput)
    name_fr = forms.CharField(max_length=120, required=False, label=_("Name (French)"), strip=True)


RegionNameFormSet = forms.formset_factory(RegionNameForm, extra=0, max_num=500, validate_max=True)


class ImportUploadForm(forms.Form):
    # The kinds registered for this page (`kinds`): leads have their own page (leads:import).
    kind = forms.ChoiceField(choices=(), label=_("What the file holds"))
    file = forms.FileField(
        label=_("File"), help_text=_("A .csv (UTF-8) or .xlsx file; first row holds the headers.")
    )
    number_format = forms.ChoiceField(
        choices=ImportBatch.NumberFormat.choices,
        initial=ImportBatch.NumberFormat.AUTO,
        required=False,
        label=_("Numbers are written"),
        help_text=_(
            "How the file separates thousands and decimals. Detected from values like 1,234.56 "
            "when left on 'detect'; a value that could be read both ways is refused, not guessed."
        ),
    )

    def __init__(self, *args, kinds=(ImportBatch.Kind.REVENUE,), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, ImportBatch.Kind(kind).label) for kind in kinds]
        self.helper = FormHelper()
        self.helper.add_input(Submit("upload", _("Upload and check")))


class ExchangeRateForm(forms.Form):
    currency = forms.CharField(
        max_length=3, label=_("Currency"), help_text=_("ISO 4217 code, like USD")
    )
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text=_("Applies from this month until the next stored rate"),
    )
    rate = forms.DecimalField(
        max_digits=20,
        decimal_places=10,
        label=_("Rate"),
        help_text=_("Units of the reporting currency one unit of this currency is worth"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


def _distributor_field(**kwargs):
    return CodeChoiceField(
        Distributor.objects.order_by("code"),
        label=_("Distributor"),
        widget=DistributorPicker,
        **kwargs,
    )


class PartnerUserFilterForm(forms.Form):
    """The manufacturer's filter of the partner user list."""

    distributor = _distributor_field(required=False, empty_label=_("Every distributor"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.add_input(Submit("filter", _("Filter"), css_class="btn-secondary"))


class PartnerUserInviteForm(forms.Form):
    """Who to invite; the manufacturer also picks the distributor and the role."""

    email = forms.EmailField(label=_("E-mail"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    distributor = _distributor_field()
    role = forms.ChoiceField(
        label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.REP
    )

    def __init__(self, *args, for_manufacturer=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not for_manufacturer:
            # A partner admin invites reps to its own distributor only.
            del self.fields["distributor"], self.fields["role"]
        self.helper = FormHelper()
        self.helper.add_input(Submit("invite", _("Send invitation")))
