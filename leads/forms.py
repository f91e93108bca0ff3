"""Forms of the leads pages: shape only; the rules live in services."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.contrib.auth import get_user_model
from django.forms.models import construct_instance
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from distributors.forms import DistributorPicker
from distributors.models import Distributor, ImportBatch, ProductLine
from drm.caseless import CodeChoiceField
from drm.countries import validate_country_code
from drm.formats import DateInput
from drm.limits import text_limit
from drm.widgets import LanguageSelect, PickerSelect

from .models import (
    CriteriaVersion,
    Criterion,
    DealRegistration,
    Lead,
    LeadEvent,
    LeadRejection,
    Material,
    RoutingDecision,
)


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


# The statuses a lead may be assigned to.
ASSIGNABLE = ["active", "probation"]


class DistributorCodeInput(DistributorPicker):
    """A distributor picker (`distributors.forms.DistributorPicker`); `assignable` offers only
    those a lead may go to."""

    def __init__(self, attrs=None, *, assignable=False):
        super().__init__(attrs, statuses=ASSIGNABLE if assignable else None)


class DistributorCodeField(CodeChoiceField):
    def label_from_instance(self, distributor):
        return f"{distributor.code} · {distributor.name}"


class InboxFilterForm(forms.Form):
    view = forms.ChoiceField(
        choices=[
            ("open", _("Open")),
            ("to_accept", _("To accept")),
            ("mine", _("Mine")),
            ("closed", _("Closed")),
        ],
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
        widgets = {"product_line": PickerSelect}

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
        Distributor.objects.filter(status__in=ASSIGNABLE).order_by("code"),
        to_field_name="code",
        label=_("Distributor"),
        widget=DistributorCodeInput(assignable=True),
    )
    note = forms.CharField(required=False, max_length=500, label=_("Note"))
    override_reason = forms.CharField(
        required=False,
        max_length=text_limit(RoutingDecision, "override_reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Reason to assign anyway"),
        help_text=_(
            "Needed only when the distributor is not active, holds no territory for the lead, "
            "does not carry its product line or is at its lead capacity."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Assign"))


class BulkForm(forms.Form):
    """The manager's bulk acts on the selected leads of the list."""

    ACTIONS = [("assign", _("Assign to")), ("route", _("Route by the rules"))]

    action = forms.ChoiceField(choices=ACTIONS, label=_("Action"))
    distributor = CodeChoiceField(
        Distributor.objects.filter(status__in=ASSIGNABLE),
        required=False,
        label=_("Distributor"),
        widget=DistributorCodeInput(
            {"class": "form-control form-control-sm", "aria-label": _("Distributor")},
            assignable=True,
        ),
    )
    leads = forms.TypedMultipleChoiceField(coerce=int, label=_("Leads"))
    override_reason = forms.CharField(
        required=False,
        max_length=text_limit(RoutingDecision, "override_reason"),
        label=_("Reason to override the routing rules"),
    )

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
    # No reason is chosen for the partner: a pre-selected one would be sent untouched and
    # skew the rejection analytics.
    reason = forms.ChoiceField(
        choices=[("", _("Choose a reason")), *LeadRejection.Reason.choices],
        label=_("Reason"),
        error_messages={"required": _("Choose a reason.")},
    )
    contacted = forms.BooleanField(required=False, label=_("We contacted them"))
    text = forms.CharField(
        required=False,
        max_length=text_limit(LeadRejection, "text"),
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Comment"),
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


# --- qualification criteria --------------------------------------------------------------------


class CriterionForm(forms.ModelForm):
    """An item of the draft: code, labels in both languages, required, place in the list."""

    position = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=1000,
        label=_("Position"),
        help_text=_("1 is the first item; empty keeps its place (a new item goes last)."),
    )

    class Meta:
        model = Criterion
        fields = ["code", "label", "label_fr", "required", "position"]
        labels = {
            "code": _("Code"),
            "label": _("Label (English)"),
            "label_fr": _("Label (French)"),
            "required": _("Required for a lead to be distributor-qualified"),
        }
        help_texts = {
            "code": _("Letters, digits, - and _; identifies the item across versions."),
            "label_fr": _("Optional; French readers see the English label without it."),
        }

    def __init__(self, *args, submit_label=None, action="", **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.initial.setdefault("required", True)
        self.helper = _helper(submit_label or _("Save the item"))
        self.helper.form_action = action
        self.helper.layout = Layout(
            Row(
                Column("code", css_class="col-md-2"),
                Column("label", css_class="col-md-4"),
                Column("label_fr", css_class="col-md-4"),
                Column("position", css_class="col-md-2"),
            ),
            "required",
        )


class CriteriaPublishForm(forms.Form):
    number = forms.IntegerField(widget=forms.HiddenInput)
    notes = forms.CharField(
        required=False,
        max_length=text_limit(CriteriaVersion, "notes"),
        label=_("What changed"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Partner admins read this when they are asked to acknowledge the version."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Publish"))
        self.helper.form_action = reverse("leads:criteria-publish")


class ConvertForm(forms.Form):
    value = forms.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, label=_("Opportunity value")
    )
    expected_close = forms.DateField(label=_("Expected close"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Convert to opportunity"))


class WinForm(forms.Form):
    value = forms.DecimalField(max_digits=16, decimal_places=2, min_value=0, label=_("Won value"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Mark won"))


class LoseForm(forms.Form):
    # Nothing pre-selected, as RejectForm's reason.
    reason = forms.ChoiceField(
        choices=[
            ("", _("Choose a reason")),
            *(
                choice
                for choice in Lead.LostReason.choices
                if choice[0] != Lead.LostReason.REGISTRATION_DECLINED
            ),
        ],
        label=_("Reason"),
        error_messages={"required": _("Choose a reason.")},
    )
    note = forms.CharField(
        required=False,
        max_length=text_limit(LeadEvent, "note"),
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Note"),
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
        widgets = {"product_line": PickerSelect}

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
        max_length=text_limit(DealRegistration, "decision_note"),
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


# --- materials ---------------------------------------------------------------------------------


class MaterialFilterForm(forms.Form):
    """Filters of the catalogue. An invalid value is an error, never an unfiltered list."""

    kind = forms.ChoiceField(
        choices=[("", _("Any kind")), *Material.Kind.choices], required=False, label=_("Kind")
    )
    product_line = forms.ModelChoiceField(
        ProductLine.objects.order_by("name"),
        required=False,
        to_field_name="code",
        label=_("Product line"),
        empty_label=_("Any product line"),
        widget=PickerSelect,
    )
    stage = forms.ChoiceField(
        choices=[("", _("All stages")), *Material.Stage.choices],
        required=False,
        label=_("Sales stage"),
    )
    language = forms.ChoiceField(
        choices=[("", _("Any language")), *Material._meta.get_field("language").choices],
        required=False,
        label=_("Language"),
        widget=LanguageSelect,
    )
    shown = forms.ChoiceField(
        choices=[
            ("", _("Shown or hidden")),
            ("yes", _("Shown to partners")),
            ("no", _("Hidden from partners")),
        ],
        required=False,
        label=_("Visibility"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(method="get", tag=False)
        self.helper.disable_csrf = True

    def selector_filters(self):
        data = self.cleaned_data
        return {
            "kind": data.get("kind"),
            "product_line": data.get("product_line"),
            "stage": data.get("stage"),
            "language": data.get("language"),
            "is_active": {"yes": True, "no": False}.get(data.get("shown")),
        }


class MaterialForm(forms.ModelForm):
    """A catalogue item; material_save checks the file's type and size and the link."""

    url = forms.URLField(
        required=False,
        max_length=200,
        assume_scheme="https",
        label=_("Link"),
        help_text=_("A web address starting with http:// or https://"),
    )

    class Meta:
        model = Material
        fields = [
            "title",
            "kind",
            "stage",
            "product_line",
            "language",
            "description",
            "file",
            "url",
            "is_active",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "product_line": PickerSelect,
            "language": LanguageSelect,
        }

    def __init__(self, *args, **kwargs):
        from django.conf import settings
        from django.template.defaultfilters import filesizeformat

        from .services import MATERIAL_EXTENSIONS

        super().__init__(*args, **kwargs)
        self.fields["product_line"].queryset = ProductLine.objects.order_by("name")
        self.fields["product_line"].empty_label = _("Every product line")
        self.fields["language"].choices = [
            ("", _("Any language")),
            *Material._meta.get_field("language").choices,
        ]
        self.fields["file"].help_text = _("%(types)s; at most %(limit)s. Or give a link.") % {
            "types": ", ".join(f".{extension}" for extension in MATERIAL_EXTENSIONS),
            "limit": filesizeformat(settings.MATERIAL_MAX_BYTES),
        }
        self.fields["file"].widget.attrs["accept"] = ",".join(
            f".{extension}" for extension in MATERIAL_EXTENSIONS
        )
        self.helper = _helper(_("Save the item"))
        self.helper.layout = Layout(
            Row(Column("title", css_class="col-md-6"), Column("kind"), Column("stage")),
            Row(
                Column("product_line", css_class="col-md-6"),
                Column("language"),
                Column("is_active", css_class="pt-md-4"),
            ),
            "description",
            Row(Column("file"), Column("url")),
        )

    def _post_clean(self):
        # material_save validates the item (and names the field at fault); the form only carries
        # the values over, so that no rule is written twice.
        construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)


RATINGS = [("", "—"), *((str(value), str(value)) for value in range(1, 6))]


class MaterialRateForm(forms.Form):
    """A partner's rating of an item; `lead` when rated from a lead's page."""

    rating = forms.TypedChoiceField(
        choices=RATINGS,
        coerce=int,
        label=_("Rating"),
        help_text=_("1: of no use, 5: very useful"),
        error_messages={
            "required": _("Choose a rating from 1 to 5."),
            "invalid_choice": _("Choose a rating from 1 to 5."),
        },
    )
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Comment"),
        help_text=_("What worked, what was missing"),
    )
    lead = forms.IntegerField(
        required=False, min_value=1, widget=forms.HiddenInput, label=_("Lead")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(_("Save my rating"))
