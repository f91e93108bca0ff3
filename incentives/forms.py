"""The forms of the incentives pages: they check the shape of what is typed; the services check
the rules (a field carries the name the service's errors use, so an error lands on it)."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from distributors.forms import DistributorPicker
from distributors.models import Distributor, ProductLine, Region, Tier
from drm.formats import long_date
from drm.limits import text_limit
from funds.forms import DATE, PaymentForm

from .models import Programme

TIER_ROWS = 5


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    name_fr = forms.CharField(label=_("Name in French"), max_length=120, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=Programme.Kind.choices)
    description = forms.CharField(
        label=_("Description"),
        max_length=text_limit(Programme, "description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    description_fr = forms.CharField(
        label=_("Description in French"),
        max_length=text_limit(Programme, "description_fr"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    basis = forms.ChoiceField(label=_("What is measured"), choices=Programme.Basis.choices)
    product_line = forms.ModelChoiceField(
        label=_("Product line"),
        queryset=ProductLine.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("Every product line"),
        help_text=_("A SPIFF rewards one product line."),
    )
    period_start = forms.DateField(label=_("Period start"), widget=DATE)
    period_end = forms.DateField(label=_("Period end"), widget=DATE)
    baseline_start = forms.DateField(
        label=_("Baseline start"),
        widget=DATE,
        required=False,
        help_text=_("Growth programmes: the period growth is measured against."),
    )
    baseline_end = forms.DateField(label=_("Baseline end"), widget=DATE, required=False)
    method = forms.ChoiceField(label=_("Tiers apply"), choices=Programme.Method.choices)
    cap = forms.DecimalField(
        label=_("Cap per distributor"),
        max_digits=14,
        decimal_places=2,
        required=False,
        help_text=_("Empty: no cap."),
    )
    schedule = forms.ChoiceField(label=_("Payment"), choices=Programme.Schedule.choices)
    advance_percent = forms.DecimalField(
        label=_("Advance (% of the accrued)"),
        max_digits=5,
        decimal_places=2,
        initial=100,
        help_text=_("Quarterly schedule: the share of the accrued paid each quarter."),
    )
    eligible_tiers = forms.ModelMultipleChoiceField(
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
    distributors = forms.CharField(
        label=_("Named distributors"),
        required=False,
        max_length=2000,
        help_text=_("Distributor codes, separated by commas: only they take part."),
    )

    def clean_distributors(self):
        codes = [code.strip() for code in self.cleaned_data["distributors"].split(",")]
        codes = [code for code in codes if code]
        found = {row.code.lower(): row for row in Distributor.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code.lower() not in found]
        if unknown:
            raise forms.ValidationError(
                _("No distributor has the code %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return list({row.pk: row for row in found.values()}.values())


class TierRowForm(forms.Form):
    threshold = forms.DecimalField(label=_("From"), max_digits=17, decimal_places=2, required=False)
    rate = forms.DecimalField(
        label=_("Rate"), max_digits=12, decimal_places=4, min_value=0, required=False
    )

    def clean(self):
        data = super().clean()
        if (data.get("threshold") is None) != (data.get("rate") is None):
            raise forms.ValidationError(_("A tier needs both its threshold and its rate."))
        return data


TierFormSet = forms.formset_factory(TierRowForm, extra=TIER_ROWS, max_num=10, absolute_max=10)


def tier_rows(formset):
    """The filled rows of a valid tier formset as (threshold, rate) pairs."""
    return [
        (row["threshold"], row["rate"])
        for row in formset.cleaned_data
        if row and row.get("threshold") is not None
    ]


class AdvanceForm(PaymentForm):
    through = forms.TypedChoiceField(label=_("Quarter ending"), choices=())

    field_order = ["through", "reference", "paid_on"]

    def __init__(self, *args, quarters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["through"].choices = [(day.isoformat(), long_date(day)) for day in quarters]
        self.fields["through"].coerce = datetime.date.fromisoformat


class StatementForm(forms.Form):
    distributor = forms.ModelChoiceField(
        Distributor.objects.all(),
        to_field_name="code",
        label=_("Distributor"),
        widget=DistributorPicker,
    )
