"""The forms of the funds pages: they check the shape of what is typed; the services check the
rules (a form's field carries the name the service's errors use, so an error lands on it)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from distributors.forms import DistributorPicker
from distributors.models import Distributor, Region, Tier
from drm.limits import text_limit
from leads.models import LeadSource, Material

from .models import ActivityType, Fund, FundRequest

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class FundForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    name_fr = forms.CharField(label=_("Name in French"), max_length=120, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Fund.Kind.choices)
    period_start = forms.DateField(label=_("Period start"), widget=DATE)
    period_end = forms.DateField(label=_("Period end"), widget=DATE)
    expires_on = forms.DateField(
        label=_("Expires on"),
        widget=DATE,
        help_text=_("What no request holds by then expires."),
    )
    accrual_percent = forms.DecimalField(
        label=_("Accrual (% of reported revenue)"),
        max_digits=5,
        decimal_places=2,
        required=False,
        help_text=_("Accrual funds only: each distributor earns this share of its revenue."),
    )
    cost_share_percent = forms.DecimalField(
        label=_("Share of the cost the manufacturer pays (%)"),
        max_digits=5,
        decimal_places=2,
        initial=50,
    )
    tiers = forms.ModelMultipleChoiceField(
        label=_("Tiers"),
        queryset=Tier.objects.order_by("rank", "code"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every tier."),
    )
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions"),
        queryset=Region.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every region."),
    )


class AllocationForm(forms.Form):
    distributor = forms.ModelChoiceField(
        Distributor.objects.all(),
        to_field_name="code",
        label=_("Distributor"),
        widget=DistributorPicker,
    )
    amount = forms.DecimalField(label=_("Amount allocated"), **MONEY)


class RequestForm(forms.Form):
    fund = forms.ModelChoiceField(label=_("Fund"), queryset=Fund.objects.none())
    activity_type = forms.ChoiceField(
        label=_("Type of activity"), choices=[("", "—"), *ActivityType.choices]
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=text_limit(FundRequest, "description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you will do, for whom, and the materials you will use."),
    )
    start = forms.DateField(label=_("Activity start"), widget=DATE)
    end = forms.DateField(label=_("Activity end"), widget=DATE)
    planned_cost = forms.DecimalField(label=_("Planned cost"), **MONEY)
    expected_leads = forms.IntegerField(
        label=_("Expected leads"), min_value=0, initial=0, required=False
    )
    expected_revenue = forms.DecimalField(label=_("Expected revenue"), required=False, **MONEY)
    materials = forms.ModelMultipleChoiceField(
        label=_("Materials used"),
        queryset=Material.objects.filter(is_active=True).order_by("title"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, funds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fund"].queryset = funds


class DecisionForm(forms.Form):
    """Approve (in full, or a part with a reason) or reject (with a reason)."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(
        label=_("Amount approved"),
        required=False,
        help_text=_("Empty: all that is asked. Less: say why below."),
        **MONEY,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=text_limit(FundRequest, "decision_reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ClaimForm(forms.Form):
    actual_cost = forms.DecimalField(label=_("Actual cost"), **MONEY)
    results_leads = forms.IntegerField(
        label=_("Leads it brought"), min_value=0, initial=0, required=False
    )
    results_revenue = forms.DecimalField(
        label=_("Revenue it brought"), initial=0, required=False, **MONEY
    )
    lead_source = forms.ModelChoiceField(
        label=_("Lead source"),
        empty_label=_("None"),
        queryset=LeadSource.objects.order_by("name"),
        required=False,
        help_text=_("The portal counts the leads of this source during the activity."),
    )


class PaymentForm(forms.Form):
    reference = forms.CharField(label=_("Payment reference"), max_length=100)
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)


def zero_when_empty(data, *names):
    """`data` with the counts and amounts left empty as zero (what an empty box means)."""
    return {**data, **{name: data[name] or 0 for name in names}}
