"""Forms of the goals pages: shape only (the SMART check and the co-setting rules live in
services). Landmarks and bonus bands are typed as lines, one row a line."""

import datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from distributors.models import CustomerCategory, Distributor, ProductLine, Territory
from drm.limits import text_limit

from .metrics import metric_choices
from .models import (
    ACKNOWLEDGEMENT_MAX_LENGTH,
    ActionStep,
    Activity,
    Amendment,
    BonusBand,
    Cause,
    Goal,
    LandmarkReview,
    LandmarkRule,
    Proposal,
    Side,
    TeamBasis,
)
from .selectors import step_owner_groups
from .services import Terms

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def landmark_lines(rows):
    """[(date, value)] → the textarea's text."""
    return "\n".join(f"{day:%Y-%m-%d} {value}" for day, value in rows)


def band_lines(rows):
    return "\n".join(f"{threshold} {kind} {amount}" for threshold, kind, amount in rows)


def _number(text):
    try:
        return Decimal(text.replace(",", "."))
    except (InvalidOperation, ValueError):
        return None


def parse_landmarks(text):
    """ "YYYY-MM-DD value" lines → [(date, Decimal)]; errors name the row."""
    rows, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        day = value = None
        if len(parts) == 2:
            try:
                day = datetime.date.fromisoformat(parts[0])
            except ValueError:
                day = None
            value = _number(parts[1])
        if day is None or value is None:
            errors.append(
                _(
                    'Landmark row %(row)d ("%(line)s"): write a date and a value, like '
                    '"2026-03-31 30000".'
                )
                % {"row": number, "line": line.strip()}
            )
            continue
        rows.append((day, value))
    return rows, errors


def parse_bands(text):
    """ "threshold kind amount" lines → [(Decimal, kind, Decimal)]; errors name the row."""
    rows, errors = [], []
    kinds = BonusBand.Kind.values
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        if len(parts) != 3 or parts[1] not in kinds:
            errors.append(
                _(
                    'Bonus band row %(row)d ("%(line)s"): write a threshold %%, a kind (%(kinds)s) '
                    'and an amount, like "100 fixed 5000".'
                )
                % {"row": number, "line": line.strip(), "kinds": ", ".join(kinds)}
            )
            continue
        threshold, amount = _number(parts[0]), _number(parts[2])
        if threshold is None or amount is None:
            errors.append(
                _('Bonus band row %(row)d ("%(line)s"): the threshold and the amount are numbers.')
                % {"row": number, "line": line.strip()}
            )
            continue
        rows.append((threshold, parts[1], amount))
    return rows, errors


class LinesMixin:
    """Cleans the `landmarks` and `bands` textareas into rows (self.landmark_rows, ...)."""

    def clean_landmarks(self):
        rows, errors = parse_landmarks(self.cleaned_data.get("landmarks"))
        if errors:
            raise forms.ValidationError(errors)
        self.landmark_rows = rows
        return self.cleaned_data.get("landmarks")

    def clean_bands(self):
        rows, errors = parse_bands(self.cleaned_data.get("bands"))
        if errors:
            raise forms.ValidationError(errors)
        self.band_rows = rows
        return self.cleaned_data.get("bands")


LANDMARKS_HELP = gettext_lazy(
    "Used when the landmarks are set by hand: one a line, a date and the value expected by "
    'then, like "2026-03-31 30000". The last one is the target on the due date (added when '
    "missing)."
)
SUBTITLE_HELP = gettext_lazy(
    "The title is written from the terms (what, how much, when); say it in your own words here."
)


class TermsLinesMixin(LinesMixin):
    """The landmarks' rule and the typed lines: typed landmarks are used only when set by
    hand, and typing them while the portal proposes them is an error, not a silent loss."""

    def landmarks_typed(self):
        """Landmarks in the box other than those the form showed (line endings aside)."""
        shown, _errors = parse_landmarks(self.initial.get("landmarks") or "")
        return bool(self.landmark_rows) and self.landmark_rows != shown

    def clean(self):
        data = super().clean()
        rule = data.get("landmark_rule")
        if not rule:
            # A post that does not say (a script, an older page): landmarks typed anew are
            # by hand; otherwise the goal keeps its way.
            typed = self.landmarks_typed()
            rule = LandmarkRule.MANUAL if typed else self.initial.get("landmark_rule")
            rule = data["landmark_rule"] = rule or LandmarkRule.LINEAR
        if rule != LandmarkRule.MANUAL and self.landmarks_typed():
            self.add_error(
                "landmarks",
                _(
                    "You typed landmarks: choose “Set by hand” to keep them, or clear the box "
                    "and let the portal propose them."
                ),
            )
        return data

    def landmarks_entered(self):
        """The typed landmarks when set by hand, else None (the rule makes them)."""
        if self.cleaned_data.get("landmark_rule") == LandmarkRule.MANUAL:
            return self.landmark_rows
        return None


def _rule_field():
    return forms.ChoiceField(
        choices=LandmarkRule.choices,
        initial=LandmarkRule.LINEAR,
        required=False,
        widget=forms.RadioSelect,
        label=gettext_lazy("Landmarks"),
        help_text=gettext_lazy(
            "Proposed landmarks follow the target and the dates whenever they change; "
            "landmarks set by hand are asked for again."
        ),
    )


BANDS_HELP = gettext_lazy(
    "One band a line: attainment from (%), kind (fixed or percent_above) and payout, like "
    '"100 fixed 5000".'
)


class GoalForm(TermsLinesMixin, forms.Form):
    """A goal's terms. A partner admin's form fixes the level and its own distributor; a
    counter-proposal says why."""

    TERM_FIELDS = (
        "subtitle",
        "description",
        "metric",
        "product_line",
        "territory",
        "customer_category",
        "baseline",
        "baseline_start",
        "baseline_end",
        "target",
        "start",
        "due",
        "exciting",
        "team_basis",
    )

    level = forms.ChoiceField(choices=Goal.Level.choices, label=gettext_lazy("Level"))
    parent = forms.ModelChoiceField(
        Goal.objects.filter(level=Goal.Level.TEAM),
        required=False,
        label=gettext_lazy("Team goal it aligns under"),
    )
    distributor = forms.ModelChoiceField(
        Distributor.objects.all(),
        required=False,
        to_field_name="code",
        label=gettext_lazy("Distributor"),
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Distributor code")}),
    )
    owner = forms.ModelChoiceField(
        get_user_model().objects.all(), required=False, widget=forms.HiddenInput
    )
    subtitle = forms.CharField(
        max_length=200,
        required=False,
        label=gettext_lazy("Subtitle"),
        help_text=SUBTITLE_HELP,
    )
    description = forms.CharField(
        required=False,
        max_length=text_limit(Goal, "description"),
        label=gettext_lazy("Specific description"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    metric = forms.ChoiceField(label=gettext_lazy("Metric"))
    team_basis = forms.ChoiceField(
        choices=[("", "—"), *TeamBasis.choices],
        required=False,
        label=gettext_lazy("A team goal is measured on"),
        help_text=gettext_lazy(
            "Team goals only: the whole channel's figure, or the sum of the distributor goals "
            "aligned under it."
        ),
    )
    product_line = forms.ModelChoiceField(
        ProductLine.objects.all(), required=False, label=gettext_lazy("Product line")
    )
    territory = forms.ModelChoiceField(
        Territory.objects.all(), required=False, label=gettext_lazy("Territory")
    )
    customer_category = forms.ModelChoiceField(
        CustomerCategory.objects.all(), required=False, label=gettext_lazy("Customer category")
    )
    baseline = forms.DecimalField(
        required=False,
        max_digits=16,
        decimal_places=2,
        label=gettext_lazy("Baseline"),
        help_text=gettext_lazy("Left empty, computed from the portal's figures for the period"),
    )
    baseline_start = forms.DateField(
        required=False, widget=DATE, label=gettext_lazy("Baseline period from")
    )
    baseline_end = forms.DateField(
        required=False, widget=DATE, label=gettext_lazy("Baseline period to")
    )
    target = forms.DecimalField(max_digits=16, decimal_places=2, label=gettext_lazy("Target"))
    start = forms.DateField(widget=DATE, label=gettext_lazy("Start"))
    due = forms.DateField(widget=DATE, label=gettext_lazy("Due"))
    exciting = forms.CharField(
        required=False,
        max_length=text_limit(Goal, "exciting"),
        label=gettext_lazy("Why it matters"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    landmark_rule = _rule_field()
    landmarks = forms.CharField(
        required=False,
        label=gettext_lazy("Landmarks set by hand"),
        help_text=LANDMARKS_HELP,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    bands = forms.CharField(
        required=False,
        label=gettext_lazy("Bonus bands"),
        help_text=BANDS_HELP,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    acknowledgement = forms.CharField(
        required=False,
        max_length=ACKNOWLEDGEMENT_MAX_LENGTH,
        label=gettext_lazy("Why the goal stands despite the SMART warnings"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    reason = forms.CharField(
        max_length=text_limit(Proposal, "reason"),
        label=gettext_lazy("Why you answer with other terms"),
        help_text=gettext_lazy("The other side reads it, with what changed, before it answers."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self, *args, partner_distributor=None, editing=False, countering=False, goal=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.landmark_rows, self.band_rows = [], []
        self.partner_distributor = partner_distributor
        self.editing = editing
        self.fields["metric"].choices = metric_choices()
        if not countering:
            self.fields.pop("reason")
        if partner_distributor is not None or (goal is not None and goal.level != "team"):
            self.fields.pop("team_basis")
        if partner_distributor is not None or editing:
            # The level, the distributor and the team goal are not a partner's to choose, and
            # do not change once a goal exists.
            for name in ("level", "distributor", "parent", "owner"):
                if partner_distributor is not None or name != "parent":
                    self.fields.pop(name)

    def clean(self):
        data = super().clean()
        if self.partner_distributor is not None:
            data["level"] = Goal.Level.DISTRIBUTOR
            data["distributor"] = self.partner_distributor
        level = data.get("level")
        if not self.editing and level == Goal.Level.DISTRIBUTOR and not data.get("distributor"):
            self.add_error("distributor", _("A distributor goal names its distributor."))
        if not self.editing and level and level != Goal.Level.DISTRIBUTOR:
            data["distributor"] = None
        if "team_basis" in self.fields and level and level != Goal.Level.TEAM:
            data["team_basis"] = ""
        return data

    def goal_fields(self):
        data = self.cleaned_data
        fields = {name: data.get(name) for name in self.TERM_FIELDS if name in data}
        for name in ("subtitle", "description", "exciting", "team_basis"):
            if name in fields:
                fields[name] = fields[name] or ""
        if not self.editing:
            fields["level"] = data.get("level")
            fields["distributor"] = data.get("distributor")
            if data.get("owner"):
                fields["owner"] = data["owner"]
        if "parent" in self.fields:
            fields["parent"] = data.get("parent")
        return fields

    def terms(self):
        """Terms for the services: the landmarks' rule, and the landmarks typed when by hand."""
        return Terms(
            fields=self.goal_fields(),
            landmarks=self.landmarks_entered(),
            landmark_rule=self.cleaned_data.get("landmark_rule"),
            bands=self.band_rows,
            acknowledgement=self.cleaned_data.get("acknowledgement", ""),
            reason=self.cleaned_data.get("reason", ""),
        )

    @classmethod
    def initial_for(cls, goal):
        initial = {name: getattr(goal, name) for name in cls.TERM_FIELDS}
        initial["landmark_rule"] = goal.landmark_rule
        initial["parent"] = goal.parent_id
        initial["landmarks"] = landmark_lines((lm.date, lm.expected) for lm in goal.landmarks.all())
        initial["bands"] = band_lines((b.threshold, b.kind, b.amount) for b in goal.bands.all())
        return initial


class GoalFilterForm(forms.Form):
    """The goals list's filters. An invalid value is an error, never an unfiltered list."""

    q = forms.CharField(required=False, label=gettext_lazy("Search"))
    level = forms.ChoiceField(
        choices=[("", gettext_lazy("Any level")), *Goal.Level.choices],
        required=False,
        label=gettext_lazy("Level"),
    )
    distributor = forms.SlugField(
        required=False,
        max_length=text_limit(Distributor, "code"),
        label=gettext_lazy("Distributor code"),
    )
    status = forms.ChoiceField(
        choices=[("", gettext_lazy("Any status")), *Goal.Status.choices],
        required=False,
        label=gettext_lazy("Status"),
    )
    year = forms.IntegerField(
        required=False, min_value=2000, max_value=2100, label=gettext_lazy("Year due")
    )
    metric = forms.ChoiceField(required=False, label=gettext_lazy("Metric"))
    at_risk = forms.BooleanField(required=False, label=gettext_lazy("At risk only"))
    waiting = forms.ChoiceField(
        choices=[("", gettext_lazy("Anyone")), ("me", gettext_lazy("Me"))],
        required=False,
        label=gettext_lazy("Waiting for an answer from"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [("", _("Any metric")), *metric_choices()]

    def selector_filters(self):
        data = self.cleaned_data
        return {name: data.get(name) for name in self.fields} | {"q": (data.get("q") or "").strip()}


class CloseForm(forms.Form):
    reason = forms.CharField(
        max_length=text_limit(Goal, "closed_reason"),
        label=gettext_lazy("Reason for closing"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AmendmentForm(TermsLinesMixin, forms.Form):
    FIELDS = ("subtitle", "description", "target", "start", "due", "exciting")

    subtitle = forms.CharField(
        max_length=200, required=False, label=gettext_lazy("Subtitle"), help_text=SUBTITLE_HELP
    )
    description = forms.CharField(
        required=False,
        max_length=text_limit(Goal, "description"),
        label=gettext_lazy("Specific description"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    target = forms.DecimalField(max_digits=16, decimal_places=2, label=gettext_lazy("Target"))
    start = forms.DateField(widget=DATE, label=gettext_lazy("Start"))
    due = forms.DateField(widget=DATE, label=gettext_lazy("Due"))
    exciting = forms.CharField(
        required=False,
        max_length=text_limit(Goal, "exciting"),
        label=gettext_lazy("Why it matters"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    landmark_rule = _rule_field()
    landmarks = forms.CharField(
        required=False,
        label=gettext_lazy("Landmarks set by hand"),
        help_text=LANDMARKS_HELP,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    bands = forms.CharField(
        required=False,
        label=gettext_lazy("Bonus bands"),
        help_text=BANDS_HELP,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reason = forms.CharField(
        max_length=text_limit(Amendment, "reason"),
        label=gettext_lazy("Why the goal changes"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.landmark_rows, self.band_rows = [], []

    def amendment_fields(self):
        data = self.cleaned_data
        fields = {name: data[name] for name in self.FIELDS}
        for name in ("subtitle", "description", "exciting"):
            fields[name] = fields[name] or ""
        return fields

    @classmethod
    def initial_for(cls, goal):
        initial = {name: getattr(goal, name) for name in cls.FIELDS}
        initial["landmark_rule"] = goal.landmark_rule
        initial["landmarks"] = landmark_lines((lm.date, lm.expected) for lm in goal.landmarks.all())
        initial["bands"] = band_lines((b.threshold, b.kind, b.amount) for b in goal.bands.all())
        return initial


class OwnerField(forms.TypedChoiceField):
    """A step's owner, offered by full name and grouped by side (`selectors.step_owner_groups`);
    the value is the user's id, never a username."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("empty_value", None)
        super().__init__(*args, **kwargs)
        self.people = {}

    def offer(self, goal, viewer=None):
        groups = step_owner_groups(
            distributor_id=goal.distributor_id if goal is not None else None,
            goal=goal,
            viewer=viewer,
        )
        self.people = {user.pk: user for _side, users in groups for user in users}
        choices = [("", "—")]
        for side, users in groups:
            label = (
                goal.distributor.name
                if side == Side.PARTNER and goal is not None and goal.distributor_id
                else Side(side).label
            )
            choices.append((label, [(user.pk, person_name(user)) for user in users]))
        self.choices = choices

    def clean(self, value):
        value = super().clean(value)
        return None if value is None else self.people[value]


def person_name(user):
    """A person as the other side knows them: the full name, else the username."""
    return user.get_full_name() or user.get_username()


class StepForm(forms.Form):
    what = forms.CharField(max_length=300, label=gettext_lazy("What"))
    owner = OwnerField(required=False, label=gettext_lazy("Owner"))
    due = forms.DateField(widget=DATE, label=gettext_lazy("Due"))

    def __init__(self, *args, goal, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].offer(goal, viewer)


class StepStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStep.Status.choices)


class AccountForm(forms.Form):
    # No cause is chosen for the user: a pre-selected one would be taken as given and bias
    # what the causes add up to.
    cause = forms.ChoiceField(
        choices=[("", gettext_lazy("Choose a cause…")), *Cause.choices],
        label=gettext_lazy("Cause"),
    )
    explanation = forms.CharField(
        max_length=text_limit(LandmarkReview, "explanation"),
        label=gettext_lazy("Explanation"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ActionForm(forms.Form):
    what = forms.CharField(max_length=300, required=False, label=gettext_lazy("Corrective action"))
    owner = OwnerField(required=False, label=gettext_lazy("Owner"))
    due = forms.DateField(required=False, widget=DATE, label=gettext_lazy("Due"))

    def __init__(self, *args, goal=None, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        if goal is not None:
            self.fields["owner"].offer(goal, viewer)

    def clean(self):
        data = super().clean()
        if data.get("what") and not data.get("due"):
            self.add_error("due", _("A corrective action needs a due date."))
        return data


ActionFormSet = forms.formset_factory(ActionForm, extra=2, max_num=10)


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(choices=Activity.Kind.choices, label=gettext_lazy("Kind"))
    distributor = forms.ModelChoiceField(
        Distributor.objects.all(),
        required=False,
        to_field_name="code",
        label=gettext_lazy("Distributor"),
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Distributor code")}),
    )
    date = forms.DateField(widget=DATE, label=gettext_lazy("Date"))
    note = forms.CharField(
        required=False,
        max_length=text_limit(Activity, "note"),
        label=gettext_lazy("Note"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
