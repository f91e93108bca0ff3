"""The tiers' forms: a tier's requirement, and a manager's decision on a proposal. They check
shape; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from distributors.models import Tier

from .models import THRESHOLD_DIGITS, TierReview
from .requirements import requirement_choices


class RequirementForm(forms.Form):
    tier = forms.ModelChoiceField(queryset=Tier.objects.order_by("rank"), label=_("Tier"))
    key = forms.ChoiceField(choices=requirement_choices, label=_("Requirement"))
    threshold = forms.DecimalField(
        label=_("At least"),
        min_value=0,
        max_digits=THRESHOLD_DIGITS,
        decimal_places=2,
        help_text=_(
            "Money in the reporting currency, a percentage, a number of people, or 1 (yes)"
        ),
    )


class DecisionForm(forms.Form):
    CONFIRM, OVERRIDE = "confirm", "override"

    decision = forms.ChoiceField(
        choices=[(CONFIRM, _("Confirm the proposed tier")), (OVERRIDE, _("Override"))],
        widget=forms.RadioSelect,
        label=_("Decision"),
        initial=CONFIRM,
    )
    tier = forms.ModelChoiceField(
        queryset=Tier.objects.order_by("rank"),
        required=False,
        label=_("Tier to set"),
        empty_label=_("Keep the tier held"),
        help_text=_("When overriding: the tier the distributor gets"),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=TierReview._meta.get_field("reason").max_length,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to override"),
    )
