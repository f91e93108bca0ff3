"""Every free-text field of the portal has a limit: each model text field declares one, and every
form and API request field that takes free text mirrors one, so a page, the API and a service
all refuse a 5 MB string. A new field without a limit fails here the day it is declared."""

import re

import pytest
from django import forms
from django.apps import apps
from django.db import models
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from tests.drm.test_writable_fields import APPS, defined_classes

# Text the portal writes itself from bounded parts, never a person's free text.
MODEL_EXEMPT = {
    "notifications.Notification.body": "a notice the portal composes from its own sentences",
}
# Form fields that take text but store none of it as free text.
FORM_EXEMPT = {
    "q": "a search, read and never stored",
    "after": "a list's cursor, decoded or refused",
    "landmarks": "parsed line by line into dated figures, each checked",
    "bands": "parsed line by line into bonus bands, each checked",
}
# Request fields that take text but store none of it as free text.
SERIALIZER_EXEMPT = {
    "identity.api.TokenRequestSerializer": "credentials, checked by the log-in",
}


def app_text_fields():
    for model in apps.get_models():
        if model._meta.app_label not in APPS or model.__name__.startswith("Historical"):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.TextField | models.CharField) and not field.choices:
                yield f"{model._meta.label}.{field.name}", field


def test_every_text_field_of_every_model_declares_a_limit():
    unlimited = [
        name
        for name, field in app_text_fields()
        if field.max_length is None and name not in MODEL_EXEMPT
    ]
    assert not unlimited, unlimited


def test_the_models_walk_sees_the_text_fields():
    names = {name for name, _field in app_text_fields()}
    assert {"goals.Goal.exciting", "leads.LeadRejection.text", "goals.Activity.note"} <= names


def test_every_free_text_field_of_every_form_declares_a_limit():
    unlimited = [
        f"{name}.{field_name}"
        for name, form in defined_classes(forms.BaseForm).items()
        for field_name, field in form.base_fields.items()
        if isinstance(field, forms.CharField)
        and not field.disabled
        and field.max_length is None
        and field_name not in FORM_EXEMPT
    ]
    assert not unlimited, unlimited


def request_serializers():
    """The serializers the API reads request bodies with, found from the served schema (its
    request components are named after them)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = {
        re.sub(r"^Patched|Request$", "", name)
        for name in schema["components"]["schemas"]
        if name.endswith("Request")
    }
    return {
        name: cls
        for name, cls in defined_classes(serializers.BaseSerializer).items()
        if cls.__name__.removesuffix("Serializer") in components
    }


def text_fields(serializer, path=""):
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        field = getattr(field, "child", field)
        if isinstance(field, serializers.BaseSerializer):
            yield from text_fields(field, f"{path}{name}.")
        elif isinstance(field, serializers.CharField):
            yield f"{path}{name}", field


@pytest.mark.django_db
def test_every_free_text_field_of_every_request_body_declares_a_limit():
    found = request_serializers()
    assert "goals.serializers.GoalTermsSerializer" in found
    assert "leads.serializers.RejectSerializer" in found
    unlimited = []
    for name, cls in found.items():
        if name in SERIALIZER_EXEMPT:
            continue
        try:
            serializer = cls(context={})
        except TypeError:  # takes arguments of its own
            continue
        unlimited += [
            f"{name}.{path}" for path, field in text_fields(serializer) if field.max_length is None
        ]
    assert not unlimited, unlimited
