"""Forms of the scoring pages: shape only; the rules live in services."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from distributors.forms import ManagerChoiceField, manager_choices
from distributors.models import Tier
from distributors.regions import region_written
from distributors.selectors import DistributorScope
from drm.formats import DateInput

from .metrics import metric_list
from .models import RateEstimate, ScoringModel
from .selectors import SORTS


class RankingFilterForm(forms.Form):
    tier = forms.ModelChoiceField(
        Tier.objects.all(), required=False, to_field_name="code", label=_("Tier")
    )
    region = forms.CharField(required=False, max_length=60, label=_("Region"))
    manager = ManagerChoiceField(
        queryset=None, required=False, to_field_name="username", label=_("Account manager")
    )
    sort = forms.ChoiceField(choices=[(key, key) for key in SORTS], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["manager"].queryset = manager_choices()

    def clean_region(self):
        # A French reader may type the region as it reads it.
        return region_written(self.cleaned_data["region"])


class RunTriggerForm(forms.Form):
    """Starting a run: as of today, or of the day given (the service says which days may be)."""

    as_of = forms.DateField(
        required=False,
        label=_("As of"),
        help_text=_("Leave empty for today."),
        widget=DateInput(attrs={"class": "form-control form-control-sm w-auto"}),
    )


class WeightsForm(forms.Form):
    """One weight per metric of the registry, and a note on why they changed."""

    note = forms.CharField(required=False, max_length=200, label=_("Why the change"))
    rate_estimate = forms.ChoiceField(
        choices=RateEstimate.choices,
        label=_("Rates scored"),
        help_text=ScoringModel._meta.get_field("rate_estimate").help_text,
    )

    def __init__(self, *args, current=None, rate_estimate=RateEstimate.SHRUNK, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rate_estimate"].initial = rate_estimate
        current = current or {}
        self.metrics = metric_list()
        for metric in self.metrics:
            self.fields[metric.key] = forms.DecimalField(
                label=metric.label,
                help_text=metric.explain(),
                min_value=Decimal(0),
                max_value=Decimal(100),
                max_digits=6,
                decimal_places=2,
                initial=current.get(metric.key, metric.default_weight),
            )
        # The note last.
        self.order_fields([m.key for m in self.metrics] + ["rate_estimate", "note"])

    def weights(self):
        return {m.key: self.cleaned_data[m.key] for m in self.metrics}

    def weight_fields(self):
        return [self[m.key] for m in self.metrics]


class ScopeForm(forms.Form):
    """The dashboard's "Waiting for you": over my distributors or all of them."""

    scope = forms.ChoiceField(
        choices=DistributorScope.choices, required=False, label=_("Distributors")
    )
