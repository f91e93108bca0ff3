"""API shapes of the leads app: they validate input and render output, nothing more."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from distributors.codes import validate_currency
from distributors.models import Distributor, ProductLine
from distributors.serializers import CodeRelatedField
from drm.api import NamedFields
from drm.limits import text_limit

from .models import Lead, LeadEvent, LeadRejection, LeadSource, LostReason, RoutingDecision
from .outcomes import MAX_OUTCOMES

MONEY = {"max_digits": 16, "decimal_places": 2}


class LeadSourceSerializer(NamedFields, serializers.ModelSerializer):
    class Meta:
        model = LeadSource
        fields = ["code", "name", "name_en", "name_fr", "kind", "updated_at"]


class LeadSerializer(serializers.ModelSerializer):
    """A lead as its viewer may see it: a partner gets no contact details before accepting."""

    distributor = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text="Code of the distributor it is with, or null",
    )
    source = serializers.SlugRelatedField(slug_field="code", read_only=True)
    product_line = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    owner = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="The partner rep working it",
    )
    # Read-only model fields lose allow_blank in DRF: an open lead's reason is "".
    lost_reason = serializers.ChoiceField(
        choices=LostReason.choices, read_only=True, allow_blank=True
    )
    contact_hidden = serializers.SerializerMethodField(
        help_text="True when the contact fields are withheld: the distributor has not accepted yet"
    )
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "status",
            "distributor",
            "source",
            "external_ref",
            "company",
            "contact_name",
            "contact_email",
            "contact_phone",
            "contact_hidden",
            "country",
            "region",
            "postcode",
            "product_line",
            "estimated_value",
            "currency",
            "mql_score",
            "owner",
            "assigned_at",
            "accept_deadline",
            "overdue",
            "escalated_at",
            "opportunity_value",
            "expected_close",
            "won_value",
            "lost_reason",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        # Withheld (null) until the distributor accepts the lead.
        extra_kwargs = {name: {"allow_null": True} for name in Lead.CONTACT_FIELDS}

    def _hidden(self, lead):
        request = self.context.get("request")
        return not lead.contact_visible_to(getattr(request, "user", None))

    def get_contact_hidden(self, lead) -> bool:
        return self._hidden(lead)

    def to_representation(self, lead):
        data = super().to_representation(lead)
        if self._hidden(lead):
            for name in Lead.CONTACT_FIELDS:
                data[name] = None
        if self.context.get("with_routing"):
            # One lead, a manufacturer reader: why it went where it went.
            from .routing import explain

            decision = lead.routings.select_related("distributor").first()
            data["routing"] = (
                {
                    "at": decision.at.isoformat(),
                    "mode": decision.mode,
                    "distributor": decision.distributor.code if decision.distributor else None,
                    "override_reason": decision.override_reason,
                    **explain(decision.explanation),
                }
                if decision
                else None
            )
        return data


class LeadInputSerializer(serializers.Serializer):
    """A lead a manager (or a marketing tool with a manager's token) sends."""

    source = CodeRelatedField(queryset=LeadSource.objects.all(), help_text="Lead source code")
    external_ref = serializers.CharField(max_length=100)
    company = serializers.CharField(max_length=200)
    contact_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    contact_email = serializers.EmailField(
        max_length=text_limit(Lead, "contact_email"), required=False, allow_blank=True
    )
    contact_phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code")
    region = serializers.CharField(max_length=60, required=False, allow_blank=True)
    postcode = serializers.CharField(max_length=20, required=False, allow_blank=True)
    product_line = CodeRelatedField(
        queryset=ProductLine.objects.all(),
        required=False,
        allow_null=True,
        help_text="Product line code",
    )
    estimated_value = serializers.DecimalField(
        **MONEY, required=False, allow_null=True, min_value=0
    )
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True)
    mql_score = serializers.IntegerField(min_value=0, max_value=100, required=False)
    status = serializers.ChoiceField(
        choices=[Lead.Status.MQL, Lead.Status.NEW], default=Lead.Status.MQL
    )
    route = serializers.BooleanField(
        default=False, help_text="Route it by the rules once created (MQL only)"
    )


class LeadBulkSerializer(serializers.Serializer):
    rows = serializers.ListField(
        child=serializers.DictField(),
        allow_empty=False,
        help_text="Leads with the MQL file's columns (source, external_ref, company, country, …)",
    )
    route = serializers.BooleanField(default=False, help_text="Route the new leads by the rules")
    number_format = serializers.ChoiceField(choices=["point", "comma"], default="point")


class LeadBulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    skipped = serializers.IntegerField(help_text="Rows whose (source, external_ref) is stored")
    routed = serializers.IntegerField()
    left = serializers.IntegerField(help_text="Created leads no distributor fits (in the pool)")


class AssignSerializer(serializers.Serializer):
    distributor = CodeRelatedField(queryset=Distributor.objects.all(), help_text="Distributor code")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=text_limit(RoutingDecision, "override_reason"),
        help_text=(
            "Why to assign anyway when the distributor is not active, holds no territory for "
            "the lead, does not carry its product line or is at its lead capacity; without it "
            "such an assignment is a 400 on override_reason listing the warnings in details"
        ),
    )


REASON_ERRORS = {
    "required": _("Choose a reason."),
    "null": _("Choose a reason."),
}


class RejectSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, help_text="Lead quality, 1 to 5")
    # Required, no default: a reason the caller did not choose would skew the analytics.
    reason = serializers.ChoiceField(
        choices=LeadRejection.Reason.choices, error_messages=REASON_ERRORS
    )
    contacted = serializers.BooleanField(default=False)
    text = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_limit(LeadRejection, "text")
    )


class QualifySerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.BooleanField(),
        help_text="Criterion code → true/false, for the current criteria version",
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ConvertSerializer(serializers.Serializer):
    value = serializers.DecimalField(**MONEY, min_value=0)
    expected_close = serializers.DateField()
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_limit(LeadEvent, "note")
    )


class WinSerializer(serializers.Serializer):
    value = serializers.DecimalField(**MONEY, min_value=0)
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_limit(LeadEvent, "note")
    )


class LoseSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=[
            choice
            for choice in Lead.LostReason.choices
            if choice[0] != Lead.LostReason.REGISTRATION_DECLINED
        ],
        error_messages=REASON_ERRORS,
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_limit(LeadEvent, "note")
    )


class EmptySerializer(serializers.Serializer):
    pass


# --- a CRM's outcome push (leads.outcomes) ----------------------------------------------------

OUTCOME_STAGES = [Lead.Status.ACCEPTED, Lead.Status.DQL, Lead.Status.OPPORTUNITY]
OUTCOME_STAGES += [Lead.Status.WON, Lead.Status.LOST]
# What each stage needs in the item itself, whatever the lead's state.
OUTCOME_NEEDS = {
    Lead.Status.OPPORTUNITY: ("opportunity_value", "expected_close"),
    Lead.Status.WON: ("won_value",),
    Lead.Status.LOST: ("lost_reason",),
}


class OutcomeItemSerializer(serializers.Serializer):
    """One stage change a CRM reports for one lead."""

    lead = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The lead's id in the portal"
    )
    stage = serializers.ChoiceField(
        choices=OUTCOME_STAGES, help_text="The portal stage the lead reached in the CRM"
    )
    event_id = serializers.CharField(
        max_length=100,
        help_text="The CRM's id of this stage change: the same id sent again changes nothing",
    )
    crm_id = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="The CRM's record id (deal, opportunity), kept for the audit",
    )
    crm_stage = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="The CRM's own stage name, kept for the audit",
    )
    occurred_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When it happened in the CRM (audit)"
    )
    answers = serializers.DictField(
        child=serializers.BooleanField(),
        required=False,
        help_text="Criterion code → true/false: needed to make an accepted lead DQL",
    )
    opportunity_value = serializers.DecimalField(
        **MONEY,
        min_value=0,
        required=False,
        help_text="Opportunity: its value (on the way to won: the won value by default)",
    )
    expected_close = serializers.DateField(
        required=False, help_text="Opportunity: its expected close (on the way to won: today)"
    )
    won_value = serializers.DecimalField(**MONEY, min_value=0, required=False)
    currency = serializers.CharField(
        max_length=3,
        required=False,
        allow_blank=True,
        validators=[validate_currency],
        help_text="The currency of the values: it must be the lead's",
    )
    lost_reason = serializers.ChoiceField(
        choices=LoseSerializer().fields["reason"].choices, required=False
    )
    note = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=text_limit(LeadEvent, "note")
    )

    def validate(self, data):
        missing = {
            name: [_("Required when the stage is %(stage)s.") % {"stage": data["stage"]}]
            for name in OUTCOME_NEEDS.get(data["stage"], ())
            if data.get(name) is None
        }
        if missing:
            raise serializers.ValidationError(missing)
        return data


class OutcomePushSerializer(serializers.Serializer):
    outcomes = serializers.ListField(
        child=OutcomeItemSerializer(),
        allow_empty=False,
        max_length=MAX_OUTCOMES,
        help_text=f"The stage changes, applied in order; at most {MAX_OUTCOMES}",
    )


class OutcomeResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's place in `outcomes`, from 0")
    lead = serializers.IntegerField()
    event_id = serializers.CharField()
    result = serializers.ChoiceField(
        choices=["applied", "unchanged", "refused"],
        help_text="applied: moved; unchanged: already there or event received before; "
        "refused: nothing changed (see code, field, message)",
    )
    status = serializers.CharField(
        allow_null=True, help_text="The lead's status afterwards (null: not found)"
    )
    code = serializers.CharField(
        required=False, help_text="Refused: not_found, invalid or forbidden"
    )
    field = serializers.CharField(
        required=False, help_text="Refused: the item's field at fault, as outcomes[i].name"
    )
    message = serializers.CharField(required=False, help_text="Refused: why, in a sentence")


class OutcomePushResultSerializer(serializers.Serializer):
    applied = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    refused = serializers.IntegerField()
    results = OutcomeResultSerializer(many=True)
