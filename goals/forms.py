"""Forms of the goals pages: shape only (the SMART check and the co-setting rules live in
services). Landmarks and bonus bands are rows edited in the page (formsets)."""

from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib.auth import get_user_model
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from distributors.forms import DistributorPicker
from distributors.models import CustomerCategory, Distributor, ProductLine, Territory
from drm.limits import text_limit
from drm.widgets import PickerSelect

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


def _number_messages(missing, not_number, too_long, too_precise, **extra):
    """Error messages of a number in a row, each naming its column."""
    return {
        "required": missing,
        "invalid": not_number,
        "max_digits": too_long,
        "max_whole_digits": too_long,
        "max_decimal_places": too_precise,
        **extra,
    }


class RowForm(forms.Form):
    """A row of a table of inputs: each input is named by its row and its column headers
    (`aria-labelledby`) and described by its error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        table = (self.prefix or "").rsplit("-", 1)[0]
        for name, field in self.fields.items():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs.update(
                {
                    "class": "form-select form-select-sm"
                    if select
                    else "form-control form-control-sm",
                    "aria-labelledby": f"{self.prefix}-name {table}-col-{name}",
                    "aria-describedby": f"{self.prefix}-{name}-error",
                }
            )
            if isinstance(field, forms.DecimalField):
                field.widget.attrs.update({"inputmode": "decimal", "step": "any"})

    def is_present(self):
        """Is the row on the page? One removed there is not posted at all."""
        return not self.is_bound or any(key.startswith(f"{self.prefix}-") for key in self.data)

    def has_changed(self):
        # A row not posted is no row, whatever its columns' defaults.
        return self.is_present() and super().has_changed()


class LandmarkRowForm(RowForm):
    """One landmark: the value expected by a date."""

    date = forms.DateField(
        widget=DATE,
        label=gettext_lazy("Date"),
        error_messages={
            "required": gettext_lazy("the date is missing"),
            "invalid": gettext_lazy("the date is not a valid date"),
        },
    )
    value = forms.DecimalField(
        max_digits=16,
        decimal_places=2,
        label=gettext_lazy("Expected value"),
        error_messages=_number_messages(
            gettext_lazy("the value is missing"),
            gettext_lazy("the value is not a number"),
            gettext_lazy("the value has too many digits"),
            gettext_lazy("the value has more than two decimals"),
        ),
    )

    def row(self):
        return (self.cleaned_data["date"], self.cleaned_data["value"])


class BandRowForm(RowForm):
    """One bonus band: from an attainment of the target, a fixed amount or a share of the
    revenue above target."""

    threshold = forms.DecimalField(
        max_digits=6,
        decimal_places=2,
        min_value=0,
        max_value=1000,
        label=gettext_lazy("Attainment from"),
        error_messages=_number_messages(
            gettext_lazy("the attainment is missing"),
            gettext_lazy("the attainment is not a number"),
            gettext_lazy("the attainment has too many digits"),
            gettext_lazy("the attainment has more than two decimals"),
            min_value=gettext_lazy("the attainment cannot be negative"),
            max_value=gettext_lazy("the attainment is at most 1,000 % of the target"),
        ),
    )
    kind = forms.ChoiceField(
        choices=BonusBand.Kind.choices,
        initial=BonusBand.Kind.FIXED,
        label=gettext_lazy("Pays"),
        error_messages={
            "required": gettext_lazy("choose what the band pays"),
            "invalid_choice": gettext_lazy("choose what the band pays"),
        },
    )
    amount = forms.DecimalField(
        max_digits=16,
        decimal_places=2,
        min_value=0,
        label=gettext_lazy("Payout"),
        error_messages=_number_messages(
            gettext_lazy("the payout is missing"),
            gettext_lazy("the payout is not a number"),
            gettext_lazy("the payout has too many digits"),
            gettext_lazy("the payout has more than two decimals"),
            min_value=gettext_lazy("the payout cannot be negative"),
        ),
    )

    def row(self):
        data = self.cleaned_data
        return (data["threshold"], data["kind"], data["amount"])


class RowFormSet(forms.BaseFormSet):
    """Rows edited in the page, added and removed there. A row left empty, removed from the
    page or ticked for removal is no row. Each row is named by its place on the page
    ("Landmark 3") in the errors, which name the column too.

    A post without the formset (a script, an older page) gives no rows at all: `rows()` is
    None, and the terms keep what they had."""

    row_name = gettext_lazy("Row %(number)s")
    key = ""  # the column that tells rows apart (two rows cannot share it)
    same_key = gettext_lazy("the same as row %(number)s")

    def _construct_form(self, i, **kwargs):
        # Every row may be left empty: an empty row is ignored, never "required".
        kwargs.setdefault("empty_permitted", True)
        kwargs.setdefault("use_required_attribute", False)
        return super()._construct_form(i, **kwargs)

    def total_form_count(self):
        # An empty table still shows one blank row to fill in, with or without JavaScript.
        count = super().total_form_count()
        return count if self.is_bound or count else 1

    def is_given(self):
        return not self.is_bound or f"{self.prefix}-TOTAL_FORMS" in self.data

    def _heading(self, number):
        """ "Landmark 3", the number in a span the page renumbers when rows come and go."""
        before, _placeholder, after = str(self.row_name).partition("%(number)s")
        return format_html("{}<span data-row-number>{}</span>{}", before, number, after)

    @property
    def empty_form(self):
        form = super().empty_form
        form.heading = self._heading("")
        return form

    def shown_forms(self):
        """The rows the page shows, in its order: those posted (rows removed in the page are
        not), each numbered by its place."""
        if not self.is_given():
            return []
        forms_ = [form for form in self.forms if form.is_present()]
        for number, form in enumerate(forms_, start=1):
            form.row_number = number
            form.heading = self._heading(number)
        return forms_

    def _kept(self):
        return [
            form
            for form in self.shown_forms()
            if form.has_changed()
            and not (self.can_delete and self._should_delete_form(form))
            and form.is_valid()
            and form.cleaned_data
        ]

    def clean(self):
        seen = {}
        for form in self._kept():
            value = form.cleaned_data.get(self.key)
            if value in seen:
                form.add_error(
                    self.key,
                    self.same_key % {"number": seen[value]},
                )
            else:
                seen[value] = form.row_number

    def rows(self):
        """The rows as tuples, in the page's order; None when the post did not carry them."""
        if not self.is_given():
            return None
        return [form.row() for form in self._kept()]

    def row_label(self, form):
        return self.row_name % {"number": getattr(form, "row_number", "")}

    def error_summary(self):
        """Every error as one line naming its row: "Landmark 3: the date is missing"."""
        lines = [str(error) for error in self.non_form_errors()]
        for form in self.shown_forms():
            for errors in form.errors.values():
                lines += [
                    _("%(row)s: %(message)s") % {"row": self.row_label(form), "message": error}
                    for error in errors
                ]
        return lines

    def form_for(self, key):
        """The shown row whose key column reads `key` (a landmark's date, a band's threshold,
        as an error's details write them)."""
        for form in self._kept():
            value = form.cleaned_data.get(self.key)
            if isinstance(value, Decimal):
                try:
                    found = value == Decimal(str(key))
                except InvalidOperation:
                    found = False
            else:
                found = str(value) == str(key)
            if found:
                return form
        return None


class LandmarkRows(RowFormSet):
    row_name = gettext_lazy("Landmark %(number)s")
    key = "date"
    same_key = gettext_lazy("the same date as landmark %(number)s")


class BandRows(RowFormSet):
    row_name = gettext_lazy("Bonus band %(number)s")
    key = "threshold"
    same_key = gettext_lazy("the same attainment as bonus band %(number)s")


LandmarkFormSet = forms.formset_factory(
    LandmarkRowForm, formset=LandmarkRows, extra=0, can_delete=True, max_num=100
)
BandFormSet = forms.formset_factory(
    BandRowForm, formset=BandRows, extra=1, can_delete=True, max_num=20
)


def landmark_initial(rows):
    """[(date, value)] → the landmark rows' initial values."""
    return [{"date": day, "value": value} for day, value in rows]


def band_initial(rows):
    return [
        {"threshold": threshold, "kind": kind, "amount": amount} for threshold, kind, amount in rows
    ]


class TermsRowsMixin:
    """The landmark and bonus band rows of a set of terms, and how the landmarks are made.

    Landmarks proposed by a rule are shown, not posted; rows posted are the landmarks set by
    hand. Rows changed while the portal proposes the landmarks are an error, not a silent loss.
    """

    def _init_rows(self):
        bound = self.is_bound
        self.landmark_formset = LandmarkFormSet(
            self.data if bound else None,
            prefix="landmarks",
            initial=None if bound else self.initial.get("landmarks"),
        )
        self.band_formset = BandFormSet(
            self.data if bound else None,
            prefix="bands",
            initial=None if bound else self.initial.get("bands"),
        )
        self.landmark_rows, self.band_rows = None, None
        self.row_errors = []  # every row's errors, each line naming its row

    def _clean_rows(self):
        for formset, name in ((self.landmark_formset, "landmark"), (self.band_formset, "band")):
            if not formset.is_given():
                continue  # not posted: the terms keep what they have
            if formset.is_valid():
                setattr(self, f"{name}_rows", formset.rows())
            else:
                for line in formset.error_summary():
                    self.row_errors.append(line)
                    self.add_error(None, line)

    def landmarks_typed(self):
        """Landmark rows posted other than those the form showed."""
        shown = [(row["date"], row["value"]) for row in self.initial.get("landmarks") or []]
        return bool(self.landmark_rows) and self.landmark_rows != shown

    def clean(self):
        data = super().clean()
        self._clean_rows()
        rule = data.get("landmark_rule")
        if not rule:
            # A post that does not say (a script, an older page): landmarks sent anew are
            # by hand; otherwise the goal keeps its way.
            typed = self.landmarks_typed()
            rule = LandmarkRule.MANUAL if typed else self.initial.get("landmark_rule")
            rule = data["landmark_rule"] = rule or LandmarkRule.LINEAR
        if rule != LandmarkRule.MANUAL and self.landmarks_typed():
            self.add_error(
                "landmark_rule",
                _(
                    "You changed the landmarks: choose “Set by hand” to keep them, or let the "
                    "portal propose them."
                ),
            )
        return data

    def landmarks_entered(self):
        """The landmark rows when set by hand, else None (the rule makes them)."""
        if self.cleaned_data.get("landmark_rule") == LandmarkRule.MANUAL:
            return self.landmark_rows
        return None

    def add_domain_error(self, exc):
        """A service's refusal on the form: at the row and the column it names (a landmark's
        date, say), with the row's name in the summary; else at its field, else on top."""
        placed = False
        formsets = {"landmarks": self.landmark_formset, "bands": self.band_formset}
        for detail in exc.details or []:
            formset = formsets.get(detail.get("field"))
            row = formset.form_for(detail["at"]) if formset and detail.get("at") else None
            if row is None:
                continue
            message = detail.get("row_message") or detail["message"]
            column = detail.get("column") if detail.get("column") in row.fields else None
            row.add_error(column, message)
            self.add_error(
                None,
                _("%(row)s: %(message)s") % {"row": formset.row_label(row), "message": message},
            )
            placed = True
        if not placed:
            field = exc.field if exc.field in self.fields else None
            self.add_error(field, exc.message)


SUBTITLE_HELP = gettext_lazy(
    "The title is written from the terms (what, how much, when); say it in your own words here."
)


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


class GoalForm(TermsRowsMixin, forms.Form):
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
        widget=DistributorPicker,
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
        ProductLine.objects.all(),
        required=False,
        label=gettext_lazy("Product line"),
        widget=PickerSelect,
    )
    territory = forms.ModelChoiceField(
        Territory.objects.all(),
        required=False,
        label=gettext_lazy("Territory"),
        widget=PickerSelect,
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
        self,
        *args,
        partner_distributor=None,
        editing=False,
        countering=False,
        goal=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self._init_rows()
        self.partner_distributor = partner_distributor
        self.editing = editing
        self.fields["metric"].choices = metric_choices()
        if not countering:
            self.fields.pop("reason")
        if partner_distributor is not None or (goal is not None and goal.level != "team"):
            self.fields.pop("team_basis")
        if partner_distributor is not None:
            # A partner names its own territories only.
            self.fields["territory"].queryset = Territory.objects.filter(
                distributors=partner_distributor
            )
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
        initial["landmarks"] = landmark_initial(
            (lm.date, lm.expected) for lm in goal.landmarks.all()
        )
        initial["bands"] = band_initial((b.threshold, b.kind, b.amount) for b in goal.bands.all())
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
        label=gettext_lazy("Distributor"),
        widget=DistributorPicker,
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


class AmendmentForm(TermsRowsMixin, forms.Form):
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
    reason = forms.CharField(
        max_length=text_limit(Amendment, "reason"),
        label=gettext_lazy("Why the goal changes"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._init_rows()

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
        initial["landmarks"] = landmark_initial(
            (lm.date, lm.expected) for lm in goal.landmarks.all()
        )
        initial["bands"] = band_initial((b.threshold, b.kind, b.amount) for b in goal.bands.all())
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
        widget=DistributorPicker,
    )
    date = forms.DateField(widget=DATE, label=gettext_lazy("Date"))
    note = forms.CharField(
        required=False,
        max_length=text_limit(Activity, "note"),
        label=gettext_lazy("Note"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
