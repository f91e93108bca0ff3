"""The forms of the training pages: they check the shape of what is typed; the services check
the rules (a field carries the name the service's errors use, so an error lands on it)."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from distributors.models import ProductLine
from drm.limits import text_limit
from funds.forms import DATE
from identity.access import is_manufacturer, user_membership

from .journeys import check_choices
from .models import (
    MAX_DURATION_MINUTES,
    MAX_VALIDITY_MONTHS,
    AgreementVersion,
    Application,
    Certification,
    Course,
    Journey,
    JourneyStep,
    StepProgress,
    language_choices,
)


def _lines():
    return forms.ModelMultipleChoiceField(
        label=_("Product lines"),
        queryset=ProductLine.objects.filter(is_active=True).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: it concerns every product line."),
    )


class CertificationForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=30)
    name = forms.CharField(label=_("Name"), max_length=120)
    name_fr = forms.CharField(label=_("Name in French"), max_length=120, required=False)
    passing = forms.CharField(
        label=_("What passing means"),
        max_length=text_limit(Certification, "passing"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    passing_fr = forms.CharField(
        label=_("What passing means, in French"),
        max_length=text_limit(Certification, "passing_fr"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    validity_months = forms.IntegerField(
        label=_("Valid for (months)"),
        min_value=1,
        max_value=MAX_VALIDITY_MONTHS,
        required=False,
        help_text=_("Empty: it does not expire."),
    )
    product_lines = _lines()


class CourseForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=30)
    title = forms.CharField(label=_("Title"), max_length=text_limit(Course, "title"))
    description = forms.CharField(
        label=_("Description"),
        max_length=text_limit(Course, "description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=language_choices)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=1, max_value=MAX_DURATION_MINUTES
    )
    url = forms.URLField(
        label=_("Link"),
        max_length=text_limit(Course, "url"),
        required=False,
        assume_scheme="https",
    )
    material = forms.FileField(
        label=_("Material"),
        required=False,
        help_text=_("A PDF, JPEG, PNG or XLSX file; a course needs a link or a material."),
    )
    certification = forms.ModelChoiceField(
        label=_("Certification"),
        queryset=Certification.objects.order_by("name"),
        required=False,
        empty_label=_("None: passing it certifies nothing"),
    )
    product_lines = _lines()
    active = forms.BooleanField(label=_("In the catalogue"), required=False, initial=True)


class CompletionForm(forms.Form):
    """Who passed which course, when. The manufacturer names any partner user by username or
    e-mail; a partner admin picks one of its team."""

    user = forms.ModelChoiceField(label=_("Person"), queryset=get_user_model().objects.none())
    course = forms.ModelChoiceField(
        label=_("Course"), queryset=Course.objects.filter(active=True).order_by("title")
    )
    completed_on = forms.DateField(label=_("Completed on"), widget=DATE)
    score = forms.IntegerField(label=_("Score (%)"), min_value=0, max_value=100, required=False)

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True, membership__isnull=False)
        if is_manufacturer(viewer):
            self.fields["user"] = PartnerUserField(queryset=users)
        else:
            own = user_membership(viewer)
            self.fields["user"].queryset = users.filter(
                membership__distributor_id=own.distributor_id if own else None
            ).order_by("first_name", "last_name", "username")
            self.fields["user"].label_from_instance = _person


def _person(user):
    return user.get_full_name() or user.get_username()


class PartnerUserField(forms.CharField):
    """A partner user named by its username or e-mail (a channel has too many people for a
    drop-down)."""

    def __init__(self, *, queryset, **kwargs):
        self.queryset = queryset
        kwargs.setdefault("label", _("Person"))
        kwargs.setdefault("help_text", _("The partner user's username or e-mail"))
        super().__init__(max_length=254, **kwargs)

    def clean(self, value):
        value = super().clean(value).strip()
        found = list(self.queryset.filter(Q(username__iexact=value) | Q(email__iexact=value))[:2])
        if len(found) != 1:
            raise forms.ValidationError(
                _("No partner user has this username or e-mail.")
                if not found
                else _("Several partner users have this e-mail: give the username.")
            )
        return found[0]


class AgreementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=text_limit(AgreementVersion, "title"))
    title_fr = forms.CharField(
        label=_("Title in French"),
        max_length=text_limit(AgreementVersion, "title_fr"),
        required=False,
    )
    body = forms.CharField(
        label=_("Terms"),
        max_length=text_limit(AgreementVersion, "body"),
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    body_fr = forms.CharField(
        label=_("Terms in French"),
        max_length=text_limit(AgreementVersion, "body_fr"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    summary = forms.CharField(
        label=_("What changed"),
        max_length=text_limit(AgreementVersion, "summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to partners asked to accept it again."),
    )
    summary_fr = forms.CharField(
        label=_("What changed, in French"),
        max_length=text_limit(AgreementVersion, "summary_fr"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AcceptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("I have read the terms and accept them for my distributor."), required=True
    )


# --- onboarding journeys ---------------------------------------------------------------------


class JourneyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=text_limit(Journey, "name"))
    name_fr = forms.CharField(
        label=_("Name in French"), max_length=text_limit(Journey, "name_fr"), required=False
    )
    for_applications = forms.BooleanField(
        label=_("Started by applications"),
        required=False,
        help_text=_("A distributor applying through the public form starts this journey."),
    )


def _blank_first(choices):
    return [("", "—"), *choices()]


class StepForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=text_limit(JourneyStep, "title"))
    title_fr = forms.CharField(
        label=_("Title in French"), max_length=text_limit(JourneyStep, "title_fr"), required=False
    )
    side = forms.ChoiceField(label=_("Done by"), choices=JourneyStep.Side.choices)
    due_days = forms.IntegerField(
        label=_("Due after (days)"),
        min_value=0,
        max_value=3650,
        help_text=_("Days after the journey starts."),
    )
    evidence = forms.ChoiceField(label=_("Evidence"), choices=JourneyStep.Evidence.choices)
    portal_check = forms.ChoiceField(
        label=_("Portal check"),
        choices=lambda: _blank_first(check_choices),
        required=False,
        help_text=_("For a step checked by the portal: the figure that shows it done."),
    )
    opens_access = forms.BooleanField(
        label=_("Opens access"),
        required=False,
        help_text=_("Until this step is done the distributor stays onboarding: no leads."),
    )
    position = forms.IntegerField(
        label=_("Position"),
        min_value=1,
        max_value=999,
        required=False,
        help_text=_("Empty: after the last step."),
    )


class StepDoneForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=text_limit(StepProgress, "note"), required=False
    )
    evidence = forms.FileField(label=_("File"), required=False)


class StartForm(forms.Form):
    journey = forms.ModelChoiceField(label=_("Journey"), queryset=Journey.objects.all())


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=Application.Decision.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=text_limit(Application, "reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to decline: the applicant reads it in the e-mail."),
    )
    invite_contact = forms.BooleanField(
        label=_("Invite the contact as its partner admin"),
        required=False,
        initial=True,
    )


def _countries():
    import babel
    from django.utils.translation import get_language

    from drm.countries import country_codes

    names = babel.Locale.parse((get_language() or "en").replace("-", "_")).territories
    return [("", "—")] + sorted(
        ((code, names.get(code, code)) for code in country_codes()), key=lambda c: c[1]
    )


class ApplicationForm(forms.Form):
    """The public application. `fax` is a trap left empty by people (hidden from them) and
    filled by bots; `started` is a signed time, so that a form sent back within seconds, or
    days later, is refused (see views.apply)."""

    company = forms.CharField(label=_("Company name"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=_countries)
    contact_name = forms.CharField(
        label=_("Your name"), max_length=text_limit(Application, "contact_name")
    )
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    website = forms.CharField(label=_("Website"), max_length=200, required=False)
    product_lines = forms.ModelMultipleChoiceField(
        label=_("Product lines you want to sell"),
        queryset=ProductLine.objects.filter(is_active=True).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    message = forms.CharField(
        label=_("About your company"),
        max_length=text_limit(Application, "message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markets, customers, team, what you sell today."),
    )
    fax = forms.CharField(required=False, label="Fax", max_length=40)
    started = forms.CharField(widget=forms.HiddenInput, max_length=100)
