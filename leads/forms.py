"""Forms of the leads pages: shape only; the rules live in services."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from distributors.countries import validate_country_code
from distributors.models import Distributor, ImportBatch, ProductLine

from .models import Lead, LeadRejection, LeadSource

AGES = [("", _("Any age")), ("7", _("Last 7 days")), ("30", _("Last 30 days"))]
AGES += [("90", _("Last 90 days")), ("365", _("Last 12 months"))]


def _helper(button=None, *, method="post", tag=True):
    helper = FormHelper()
    helper.form_method = method
    helper.form_tag = tag
    if button:
        helper.add_input(Submit("submit", button))
    return helper


class CountryField(forms.CharField):
    """An ISO 3166-1 alpha-2 code in any case, returned upper-cased."""

    def clean(self, value):
        value = (super().clean(value) or "").strip().upper()
        if value:
            validate_country_code(value)
        return value


class DistributorCodeInput(forms.TextInput):
    """A distributor typed by its code: a channel of thousands is too many for a drop-down
    (rendering its options alone would cost more than the rest of the page)."""

    def __init__(self, attrs=None):
        super().__init__(
            {"placeholder": _("Distributor code"), "autocomplete": "off", **(attrs or {})}
        )


class DistributorCodeField(forms.ModelChoiceField):
    def label_from_instance(self, distributor):
        return f"{distributor.code} · {distributor.name}"


class LeadFilterForm(forms.Form):
    """The manager's list filters. An invalid value is an error, never an unfiltered list."""

    q = forms.CharField(
        required=False,
        label=_("Search"),
        widget=forms.TextInput(attrs={"placeholder": _("Company or reference")}),
    )
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *Lead.Status.choices], required=False, label=_("Status")
    )
    distributor = forms.ModelChoiceField(
        Distributor.objects.all(),
        required=False,
        to_field_name="code",
        label=_("Distributor"),
        widget=DistributorCodeInput,
    )
    source = forms.ModelChoiceField(
        LeadSource.objects.all(), required=False, to_field_name="code", label=_("Source")
    )
    country = CountryField(required=False, max_length=2, label=_("Country"))
    product_line = forms.ModelChoiceField(
        ProductLine.objects.all(), required=False, to_field_name="code", label=_("Product line")
    )
    age = forms.ChoiceField(choices=AGES, required=False, label=_("Created"))
    overdue = forms.BooleanField(required=False, label=_("Past the accept deadline"))
    escalated = forms.BooleanField(required=False, label=_("Escalated"))
    after = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(method="get", tag=False)
        self.helper.disable_csrf = True

    def selector_filters(self):
        data = self.cleaned_data
        return {
            "q": data.get("q", "").strip(),
            "status": data.get("status"),
            "distributor": data.get("distributor"),
            "source": data.get("source"),
            "country": data.get("country"),
            "product_line": data.get("product_line"),
            "age_days": int(data["age"]) if data.get("age") else None,
            "overdue": data.get("overdue"),
            "escalated": data.get("escalated"),
        }


class InboxFilterForm(forms.Form):
    view = forms.ChoiceField(
        choices=[("open", _("Open")), ("mine", _("Mine")), ("closed", _("Closed"))],
        required=False,
    )


class LeadForm(forms.ModelForm):
    """A lead a manager enters by hand."""

    status = forms.ChoiceField(
        choices=[
            (Lead.Status.MQL, Lead.Status.MQL.label),
            (Lead.Status.NEW, Lead.Status.NEW.label),
        ],
        label=_("Status"),
        help_text=_("New leads wait for the manufacturer's own qualification (MQL)"),
    )
    country = CountryField(max_length=2, label=_("Country"), help_text=_("ISO code, like FR"))
    route = forms.BooleanField(
        required=False, initial=True, label=_("Route it by the rules once saved (MQL only)")
    )

    class Meta:
        model = Lead
        fields = [
            "source",
            "external_ref",
            "company",
            "contact_name",
            "contact_email",
            "contact_phone",
            "country",
            "region",
            "postcode",
            "product_line",
            "estimated_value",
            "currency",
            "mql_score",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save the lead"))

    def clean_currency(self):
        return (self.cleaned_data.get("currency") or "").upper()

    def _post_clean(self):
        # The service validates the lead (and the uniqueness of its reference) itself.
        pass


class AssignForm(forms.Form):
    distributor = DistributorCodeField(
        Distributor.objects.filter(status__in=["active", "probation"]).order_by("code"),
        to_field_name="code",
        label=_("Distributor"),
    )
    note = forms.CharField(required=False, max_length=500, label=_("Note"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Assign"))


class BulkForm(forms.Form):
    """The manager's bulk acts on the selected leads of the list."""

    ACTIONS = [("assign", _("Assign to")), ("route", _("Route by the rules"))]

    action = forms.ChoiceField(choices=ACTIONS, label=_("Action"))
    distributor = forms.ModelChoiceField(
        Distributor.objects.filter(status__in=["active", "probation"]),
        to_field_name="code",
        required=False,
        label=_("Distributor"),
    )
    leads = forms.TypedMultipleChoiceField(coerce=int, label=_("Leads"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Ids are checked against what the user may see by the view; any id is a valid shape.
        self.fields["leads"].choices = [
            (value, value) for value in (self.data.getlist("leads") if self.is_bound else [])
        ]

    def clean(self):
        data = super().clean()
        if data.get("action") == "assign" and not data.get("distributor"):
            self.add_error("distributor", _("Choose the distributor to assign them to."))
        return data


class RejectForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        label=_("Lead quality (1 poor – 5 excellent)"),
    )
    reason = forms.ChoiceField(choices=LeadRejection.Reason.choices, label=_("Reason"))
    contacted = forms.BooleanField(required=False, label=_("We contacted them"))
    text = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Comment")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Reject the lead"))


class QualifyForm(forms.Form):
    """One checkbox per item of the current criteria version."""

    note = forms.CharField(required=False, max_length=500, label=_("Note"))

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version
        for item in version.items.all():
            label = item.text + ("" if item.required else " " + str(_("(optional)")))
            self.fields[f"c_{item.code}"] = forms.BooleanField(required=False, label=label)
        self.fields["note"] = self.fields.pop("note")
        self.helper = _helper(_("Qualify (DQL)"))

    def answers(self):
        return {
            name.removeprefix("c_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("c_")
        }


class ConvertForm(forms.Form):
    value = forms.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, label=_("Opportunity value")
    )
    expected_close = forms.DateField(
        label=_("Expected close"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Convert to opportunity"))


class WinForm(forms.Form):
    value = forms.DecimalField(max_digits=16, decimal_places=2, min_value=0, label=_("Won value"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Mark won"))


class LoseForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[
            choice
            for choice in Lead.LostReason.choices
            if choice[0] != Lead.LostReason.REGISTRATION_DECLINED
        ],
        label=_("Reason"),
    )
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Note")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Mark lost"))


class HandForm(forms.Form):
    owner = forms.ModelChoiceField(get_user_model().objects.none(), label=_("Rep"))

    def __init__(self, *args, distributor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            get_user_model()
            .objects.filter(membership__distributor=distributor, is_active=True)
            .order_by("first_name", "last_name", "username")
        )
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.helper = _helper(_("Hand over"))


class DealForm(forms.ModelForm):
    """A deal a partner found and registers."""

    country = CountryField(max_length=2, label=_("Country"), help_text=_("ISO code, like FR"))

    class Meta:
        model = Lead
        fields = [
            "company",
            "contact_name",
            "contact_email",
            "contact_phone",
            "country",
            "region",
            "postcode",
            "product_line",
            "estimated_value",
            "currency",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_line"].queryset = ProductLine.objects.filter(is_active=True)
        self.helper = _helper(_("Register the deal"))

    def clean_currency(self):
        return (self.cleaned_data.get("currency") or "").upper()

    def _post_clean(self):
        pass


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("decline", _("Decline"))], label=_("Decision")
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Note to the partner"),
        help_text=_("Required to decline"),
    )


class LeadImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("A .csv (UTF-8) or .xlsx file from your marketing tool; first row: headers."),
    )
    number_format = forms.ChoiceField(
        choices=ImportBatch.NumberFormat.choices,
        initial=ImportBatch.NumberFormat.AUTO,
        required=False,
        label=_("Numbers are written"),
    )
    route = forms.BooleanField(
        required=False, initial=True, label=_("Route the new leads by the rules once imported")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Upload and check"))
