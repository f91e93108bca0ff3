"""Every numeric filter of every list refuses what no column holds: a 400 naming it, never a 500.

The lists and where their filters are declared come from the route guard (`LISTINGS` in
test_routes.py: every API list found from the router, every page list and export), so a number
filter is swept the day it is declared. Numbers are what a number or id filter takes: number
filters, integer and decimal fields, and relations chosen by their id.
"""

import json
from urllib.parse import urlencode

import django_filters
import pytest
from django import forms
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from drm.api import IdField
from goals.models import Goal
from tests import factories
from tests.drm import test_routes
from tests.drm.test_routes import (
    LISTINGS,
    changed_tables,
    client_for,
    database_state,
    is_api_route,
    refused_to,
    url_builder,
)

# The route guard's world (two distributors that both own things), built once for this module.
world = test_routes.world

# What no number filter may take, each a way a client (or a fuzzer) has broken one.
HOSTILE = {
    "huge": "-5.182340379141486e+211",
    "huge whole": "9" * 40,
    "past a bigint": "9223372036854775808",
    "tiny": "1e-300",
    "negative exponent": "5e-3",
    "fraction": "2.5",
    "NaN": "NaN",
    "Infinity": "Infinity",
    "minus Infinity": "-Infinity",
    "not a number": "twelve",
}

NUMBER_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField)
NUMBER_SERIALIZER_FIELDS = (
    serializers.IntegerField,
    serializers.DecimalField,
    serializers.FloatField,
    serializers.PrimaryKeyRelatedField,
)


def _by_id(field):
    """A relation chosen by its id (no `to_field_name`): an id is a number too."""
    return isinstance(field, forms.ModelChoiceField) and not field.to_field_name


def numeric_names(source):
    """The names of the numeric parameters `source` (a FilterSet, form or serializer) declares."""
    if isinstance(source, str):
        return set()  # a parameter a view reads itself: not typed
    if issubclass(source, django_filters.FilterSet):
        names = set()
        for name, each in source.base_filters.items():
            by_id = isinstance(each, django_filters.ModelChoiceFilter) and not each.extra.get(
                "to_field_name"
            )
            number = isinstance(each, django_filters.NumberFilter)
            if number or by_id or issubclass(each.field_class, NUMBER_FIELDS):
                names.add(name)
        return names
    if issubclass(source, forms.BaseForm):
        return {
            name
            for name, field in source.base_fields.items()
            if isinstance(field, NUMBER_FIELDS) or _by_id(field)
        }
    fields = source._declared_fields
    return {name for name, field in fields.items() if isinstance(field, NUMBER_SERIALIZER_FIELDS)}


def numeric_listings():
    for listing in LISTINGS:
        names = set().union(*(numeric_names(source) for source in listing.filters))
        if names:
            yield listing, sorted(names)


NUMERIC = list(numeric_listings())
PERSONAS = ("manager", "partner")


def fetch(world, listing, persona, params):
    via = "token" if is_api_route(listing.route) else "session"
    client = client_for(world, persona, via)
    url = url_builder(listing.route)(world, world.owned["acme"])
    query = (listing.query + "&" if listing.query else "?") + urlencode(params)
    return client.get(url + query)


def names_the_field(response, name):
    """'' when the answer refuses the value naming `name`; otherwise what is wrong with it."""
    kind = response["Content-Type"]
    if kind.startswith("application/json"):
        if response.status_code != 400:
            return f"{response.status_code}, not 400"
        error = response.json()["error"]
        if name not in error.get("fields", {}) or not error["message"].startswith(f"{name}: "):
            return f"400 without naming {name}: {error}"
        return ""
    if kind.startswith("text/html"):
        # A page shows its filter form again with the error beside the field (or answers 400).
        form = response.context.get("form") if response.context is not None else None
        if form is not None and name in form.errors:
            return ""
        return f"{response.status_code} without an error on {name}"
    # An export: a 400 whose text names the filter, and no file.
    if response.status_code != 400:
        return f"{response.status_code}, not 400"
    if f"{name}: " not in response.content.decode():
        return f"400 without naming {name}"
    return ""


def test_the_sweep_finds_the_number_filters_of_filter_sets_forms_and_serializers():
    """The discovery reads every kind of declaration: a FilterSet's number filter, a page form's
    integer and id fields, a query serializer's integer (so a new one is swept too)."""
    kinds = {
        kind
        for listing, _names in NUMERIC
        for source in listing.filters
        if not isinstance(source, str) and numeric_names(source)
        for kind in (django_filters.FilterSet, forms.BaseForm, serializers.Serializer)
        if issubclass(source, kind)
    }
    assert kinds == {django_filters.FilterSet, forms.BaseForm, serializers.Serializer}
    assert any(is_api_route(listing.route) for listing, _names in NUMERIC)
    assert any(listing.query for listing, _names in NUMERIC)  # an export too


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("listing", "names"), NUMERIC, ids=[listing.name for listing, _names in NUMERIC]
)
def test_a_number_filter_given_what_no_column_holds_is_refused_naming_it(world, listing, names):
    """Huge, tiny, negative exponents, fractions, NaN, Infinity, words: each, in each numeric
    filter, answers 400 naming the filter (a page: the error beside it), for the channel
    manager and the partner alike; never a 500, and nothing changes."""
    wrong = []
    for persona in PERSONAS:
        if refused_to(persona, listing.route):
            continue
        for name in names:
            for label, value in HOSTILE.items():
                response = fetch(world, listing, persona, {name: value})
                problem = names_the_field(response, name)
                if problem:
                    wrong.append(f"{persona} {name}={value} ({label}): {problem}")
    assert not wrong, wrong
    assert not changed_tables(world.state, database_state())


NUMERIC_API = [
    (listing, name) for listing, names in NUMERIC if is_api_route(listing.route) for name in names
]

ANY_VALUE = st.one_of(
    st.integers().map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.from_regex(r"\A[+-]?[0-9]{0,30}(\.[0-9]{0,30})?([eE][+-]?[0-9]{1,4})?\Z"),
    st.text(max_size=30),
)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pick=st.sampled_from(NUMERIC_API), value=ANY_VALUE)
def test_any_value_of_an_api_number_filter_answers_200_or_400_never_a_server_error(
    world, pick, value
):
    listing, name = pick
    response = fetch(world, listing, "partner", {name: value})
    assert response.status_code in (200, 400), (name, value, response.content[:300])
    if response.status_code == 400:
        assert name in response.json()["error"]["fields"]


# --- ids in a body: IdField ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    [float("inf"), 1.5, 1.0, True, "1e3", "-1", "9" * 40, 2**70, -(2**70), [1], {"id": 1}],
    ids=repr,
)
def test_an_id_that_is_not_a_whole_number_an_object_has_is_refused(value):
    goal = factories.GoalFactory()
    field = IdField(queryset=Goal.objects.all())
    assert field.run_validation(goal.pk) == goal
    assert field.run_validation(str(goal.pk)) == goal
    with pytest.raises(ValidationError):
        field.run_validation(value)


@pytest.mark.django_db
def test_a_json_id_past_a_floats_range_is_a_400_naming_the_field(token_client, manager):
    """`1e400` reads as infinity in Python's JSON: it was a crash in the id lookup."""
    goals = Goal.objects.count()
    response = token_client(manager).post(
        reverse("api:goal-list"),
        data=json.dumps({"level": "team", "title": "Grow"}).replace("}", ', "parent": 1e400}'),
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    assert "parent" in response.json()["error"]["fields"]
    assert Goal.objects.count() == goals
