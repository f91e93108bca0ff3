"""Lead source codes are unique in any case (leads 0006), as the MQL import matches them."""

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from leads.models import LeadSource
from tests import factories

migration = importlib.import_module("leads.migrations.0006_source_code_unique_in_any_case")

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_source_code_that_differs_only_by_case():
    factories.LeadSourceFactory(code="web")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.LeadSourceFactory(code="WEB")
    assert LeadSource.objects.filter(code__caseless="Web").count() == 1


def test_the_migration_stops_on_source_codes_that_differ_only_by_case_and_names_them():
    factories.LeadSourceFactory(code="web")
    constraint = next(
        c for c in LeadSource._meta.constraints if c.name == "leadsource_code_unique_caseless"
    )
    with transaction.atomic():
        with connection.schema_editor() as editor:
            editor.remove_constraint(LeadSource, constraint)
        factories.LeadSourceFactory(code="Web")
        with pytest.raises(RuntimeError) as refused:
            migration.refuse_case_clashes(apps, None)
        transaction.set_rollback(True)

    assert "Web = web" in str(refused.value)
    assert "Nothing was changed" in str(refused.value)
    migration.refuse_case_clashes(apps, None)  # the clash rolled back: nothing to say
