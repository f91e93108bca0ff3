"""No mass assignment: the writable fields of every serializer and form, pinned by a snapshot.

Every DRF serializer and Django form defined in the apps is found by walking their modules; the
names of the fields each one accepts are compared with tests/drm/writable_fields.json. A new
writable field (or a field that stops being read-only) fails this test until the snapshot is
updated on purpose, after checking that a partner cannot use the field to write what is not its:

    UPDATE_WRITABLE_FIELDS=1 tests/run.py tests/drm/test_writable_fields.py

then review the diff of writable_fields.json and commit it with the change.
"""

import importlib
import inspect
import json
import os
import pkgutil
from pathlib import Path

import pytest
from django import forms
from rest_framework import serializers

APPS = (
    "drm",
    "ingest",
    "notifications",
    "identity",
    "distributors",
    "leads",
    "goals",
    "funds",
    "incentives",
    "scoring",
    "partnership",
    "tiers",
)
SNAPSHOT = Path(__file__).with_name("writable_fields.json")
SKIPPED = (".migrations", ".management", ".demo")


def app_modules():
    for app in APPS:
        package = importlib.import_module(app)
        yield package
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{app}."):
            if any(part in info.name for part in SKIPPED) or info.name.endswith(
                "settings_production"
            ):
                continue
            yield importlib.import_module(info.name)


def defined_classes(base):
    """Classes deriving from `base` that the apps define (not those they import)."""
    found = {}
    for module in app_modules():
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base) and cls.__module__ == module.__name__:
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


def serializer_writable(cls):
    """Field names a client may send: the instance's fields that are not read-only."""
    try:
        fields = cls(context={}).fields
    except TypeError:  # needs arguments of its own: its declared fields tell enough
        fields = cls._declared_fields
    return sorted(name for name, field in fields.items() if not field.read_only)


def form_writable(cls):
    """Field names a form takes from a request: its fields that are not disabled."""
    return sorted(name for name, field in cls.base_fields.items() if not field.disabled)


def current():
    return {
        "serializers": {
            name: serializer_writable(cls)
            for name, cls in sorted(defined_classes(serializers.BaseSerializer).items())
        },
        "forms": {
            name: form_writable(cls)
            for name, cls in sorted(defined_classes(forms.BaseForm).items())
        },
    }


@pytest.mark.django_db
def test_every_writable_field_of_every_serializer_and_form_is_in_the_snapshot():
    now = current()
    if os.environ.get("UPDATE_WRITABLE_FIELDS") == "1":
        SNAPSHOT.write_text(json.dumps(now, indent=2, sort_keys=True) + "\n")
        pytest.skip(f"snapshot rewritten: review and commit {SNAPSHOT.name}")
    pinned = json.loads(SNAPSHOT.read_text())
    changes = []
    for kind in ("serializers", "forms"):
        for name in sorted(set(now[kind]) | set(pinned.get(kind, {}))):
            was, is_ = pinned.get(kind, {}).get(name), now[kind].get(name)
            if was != is_:
                changes.append(f"{kind[:-1]} {name}: pinned {was}, now {is_}")
    assert not changes, (
        "Writable fields changed; check that none lets a caller write what is not its, then "
        "rerun with UPDATE_WRITABLE_FIELDS=1 and commit writable_fields.json:\n"
        + "\n".join(changes)
    )


def test_the_walk_finds_the_serializers_and_forms_that_take_input():
    now = current()
    assert "distributors.serializers.DistributorSerializer" in now["serializers"]
    assert "goals.serializers.GoalTermsSerializer" in now["serializers"]
    assert "distributors.forms.DistributorForm" in now["forms"]


@pytest.mark.django_db
def test_protected_fields_are_writable_nowhere_a_partner_writes():
    """Ownership, status, score and rank are set by services, never sent by a client."""
    now = current()
    protected = {
        "owner",
        "created_by",
        "uploaded_by",
        "account_manager",
        "score",
        "rank",
        "proposed_by_side",
        "manufacturer_accepted_by",
        "partner_accepted_by",
        "user",
    }
    allowed = {
        # A corrective action's owner: the service takes only the manufacturer's staff or the
        # goal's distributor's own users.
        "goals.serializers.CorrectiveActionSerializer": {"owner"},
        # Only ever nested read-only in LandmarkReviewSerializer.
        "goals.serializers.ActionStepBriefSerializer": {"owner"},
        # A completion's test score (%), not a ranking: the service lets only the manufacturer
        # or the learner's own partner admin record it.
        "partnership.serializers.CompletionInputSerializer": {"score"},
    }
    offending = {
        name: sorted(protected & set(fields) - allowed.get(name, set()))
        for name, fields in now["serializers"].items()
        if protected & set(fields) - allowed.get(name, set())
    }
    assert offending == {}
    # A goal's revision never carries who it belongs to or where it stands.
    assert not {"distributor", "status", "level"} & set(
        now["serializers"]["goals.serializers.GoalTermsSerializer"]
    )
    # The read shapes of what a partner may see accept nothing at all.
    for name in (
        "distributors.serializers.RevenueSerializer",
        "leads.serializers.LeadSerializer",
        "goals.serializers.GoalSerializer",
    ):
        assert now["serializers"][name] == [], name
