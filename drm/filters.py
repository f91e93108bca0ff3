"""The bases of every list's filters (django-filter): strict FilterSets that refuse blank and
out-of-range values, `?updated_after=`, stable orderings, codes in any case, values among those
present, and a page's reading of a query string. Each list's own FilterSet lives in its app."""

import datetime

from django import forms
from django.db import connection, models
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import (
    BaseCSVField,
    IsoDateTimeField,
    ModelChoiceField,
    MultipleChoiceField,
)
from django_filters.filters import BaseCSVFilter
from django_filters.utils import get_model_field
from drf_spectacular.drainage import set_override

from drm.caseless import CaselessCode
from drm.countries import validate_country_code


class StableOrderingFilter(filters.OrderingFilter):
    """`?ordering=` with public names; ties fall back to the id so pages never overlap."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            qs = qs.order_by(*qs.query.order_by, "pk")
        return qs


# What a yes/no filter takes; Django's NullBooleanField reads anything else as "no filter".
BOOLEAN_WORDS = frozenset(("true", "false", "1", "0"))


class NoBlankValuesForm(forms.Form):
    """A filter named in the query string with no value is a 400 naming it, like a malformed one:
    `?status=` would otherwise answer the unfiltered list. Free text (a CharField) may be empty.
    A yes/no filter takes true, false, 1 or 0, not any word."""

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            if isinstance(field, forms.CharField):
                continue
            # A range comes as two parameters: `date_after`, `date_before`.
            suffixes = getattr(field.widget, "suffixes", None) or [""]
            keys = [f"{name}_{suffix}" if suffix else name for suffix in suffixes]
            values = [
                value
                for key in keys
                if key in self.data
                for value in (
                    self.data.getlist(key) if hasattr(self.data, "getlist") else [self.data[key]]
                )
            ]
            if not values:
                continue
            if isinstance(field, BaseCSVField):  # `ordering=a,b`: every item given
                values = [part for value in values for part in str(value).split(",")]
            if not all(str(value).strip() for value in values):
                self.add_error(name, _("Give a value, or leave the parameter out."))
            elif isinstance(field, forms.NullBooleanField) and any(
                str(value).strip().lower() not in BOOLEAN_WORDS for value in values
            ):
                self.add_error(name, _("Give true or false."))
        return cleaned


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 date and time, turned to UTC here: Postgres refuses offsets beyond ±15:59
    that ISO 8601 allows (a 503 otherwise), and a date at the very edge of the calendar that
    leaves it once in UTC is invalid input, not a crash."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


# A number filter on a column nothing resolves (a `method=` filter): what a bigint holds.
UNRESOLVED_NUMBER_DIGITS = 18


def _number_column(model, field_name):
    """The column a number filter compares with: a relation's target (an id), or None."""
    field = get_model_field(model, field_name) if model is not None else None
    if field is not None and field.is_relation:
        field = field.target_field
    return field


def bound_number_filter(number_filter, model):
    """Make a number filter take only what its column can hold, so that anything else is a
    400 naming the filter, never a crash (SQLite cannot bind an integer past 64 bits) nor a
    silent overflow: a whole number within the column's range for an integer or an id (ids
    from 1), the column's digits for a decimal, a finite number for a float."""
    column = _number_column(model, number_filter.field_name)
    extra = number_filter.extra
    if isinstance(column, models.FloatField):
        number_filter.field_class = forms.FloatField  # refuses NaN and Infinity
        return
    if isinstance(column, models.DecimalField):
        extra.setdefault("max_digits", column.max_digits)
        extra.setdefault("decimal_places", column.decimal_places)
        return
    if isinstance(column, (models.IntegerField, models.AutoField)):
        lowest, highest = connection.ops.integer_field_range(column.get_internal_type())
        if column.primary_key:
            lowest = 1
        number_filter.field_class = forms.IntegerField  # no fraction, no exponent
        extra.setdefault("min_value", lowest)
        extra.setdefault("max_value", highest)
        schema = {"type": "integer", "minimum": lowest, "maximum": highest}
        if extra.get("help_text"):  # an override's schema is taken whole, description included
            schema["description"] = str(extra["help_text"])
        set_override(number_filter, "field", schema)
        return
    extra.setdefault("max_digits", UNRESOLVED_NUMBER_DIGITS)  # DecimalField: finite only


class StrictFilterSet(filters.FilterSet):
    """Base of the API's FilterSets: blank values are refused like malformed ones, and every
    number filter, declared or generated, takes only what its column can hold."""

    @classmethod
    def get_filters(cls):
        found = super().get_filters()
        for each in found.values():
            # A list of numbers (`?goal__in=1,2`) builds its field from its class: not one yet.
            if isinstance(each, filters.NumberFilter) and not isinstance(each, BaseCSVFilter):
                bound_number_filter(each, cls._meta.model)
        return found

    def get_form_class(self):
        form = super().get_form_class()
        return type(form.__name__, (NoBlankValuesForm, form), {})


class IncrementalFilterSet(StrictFilterSet):
    """Base of every list's FilterSet: `?updated_after=` lets a BI tool fetch only what changed.

    Inclusive (`>=`): a client that passes the newest `updated_at` it stored may see that row
    again, but never misses one written in the same instant.
    """

    updated_after = UtcIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text=(
            "ISO 8601 date and time, e.g. 2026-03-01T00:00:00Z (without an offset: the server's "
            "time zone); only rows changed at or after it"
        ),
    )


class CountryField(forms.CharField):
    """An ISO 3166-1 alpha-2 code in any case; anything else is a 400, not an empty list."""

    def clean(self, value):
        value = super().clean(value).strip().upper()
        if value:
            validate_country_code(value)
        return value


class CountryFilter(filters.CharFilter):
    field_class = CountryField


class CodeFilterField(CaselessCode, ModelChoiceField):
    pass


class CodeChoiceFilter(filters.ModelChoiceFilter):
    """`?tier=GOLD`: a row of the queryset named by its code in any case; unknown is a 400."""

    field_class = CodeFilterField

    def __init__(self, *args, **kwargs):
        # Named here too, so that the schema says a code (a string), not an id.
        kwargs.setdefault("to_field_name", "code")
        super().__init__(*args, **kwargs)


class PresentValuesField(MultipleChoiceField):
    """Some of the values the rows in sight carry (the choices, given per request), in any case;
    each comes back spelled as its choice. A value none of them carries is an error naming the
    field."""

    def to_python(self, value):
        values = [str(v).strip() for v in super().to_python(value)]
        if not values:
            return values
        spelled = {str(key).casefold(): key for key, _label in self.choices}
        return [spelled.get(v.casefold(), v) for v in values]


class PresentCountriesField(PresentValuesField):
    def validate(self, value):
        for code in value:
            validate_country_code(code.upper())  # a malformed code says so, before "not present"
        super().validate(value)


class PresentValuesFilter(filters.MultipleChoiceFilter):
    field_class = PresentValuesField


class PresentCountriesFilter(PresentValuesFilter):
    field_class = PresentCountriesField


def page_data(query):
    """A page's query string as filter data: its form sends every field, the empty ones
    included, and an empty field there means "any" (the API refuses an empty parameter)."""
    data = query.copy()
    for key in list(data):
        values = [value for value in data.getlist(key) if value.strip()]
        if values:
            data.setlist(key, values)
        else:
            del data[key]
    return data


def page_form(filterset):
    """A FilterSet's form as a page shows it: without the parameter notes written for the API's
    schema (English, for developers); the labels say what a person needs."""
    form = filterset.form
    for bound in form:
        bound.help_text = ""
    return form
