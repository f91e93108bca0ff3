"""The MQL import: checked rows, all or nothing, deduplicated by (source, reference), routed
after commit when asked, and two imports of one file at once create no duplicate."""

import json
import os
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from distributors import services as import_services
from distributors.models import ImportBatch
from drm.errors import NotAllowed
from leads import services
from leads.models import Lead, LeadEvent, LeadRollup
from tests import factories
from tests.workers import ROOT, database_url

pytestmark = pytest.mark.django_db

HEADER = (
    "source,external_ref,company,country,region,contact_email,product_line,estimated_value,"
    "currency,mql_score\n"
)


@pytest.fixture
def sources(db):
    factories.ProductLineFactory(code="pumps")
    return [factories.LeadSourceFactory(code="fair"), factories.LeadSourceFactory(code="web")]


def rows(count, *, start=1, source="fair"):
    return "".join(
        f"{source},R-{n},Company {n},de,Bayern,buyer{n}@company{n}.example,pumps,{n}000,eur,"
        f"{n % 100}\n"
        for n in range(start, start + count)
    )


def upload(user, content, *, route=False, name="mqls.csv"):
    batch = import_services.import_batch_create(
        user=user,
        kind="lead",
        uploaded_file=SimpleUploadedFile(name, content.encode("utf-8")),
        options={"route": route},
    )
    import_services.import_batch_validate(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def commit(batch, user):
    import_services.import_batch_request_commit(batch=batch, by=user)
    import_services.import_batch_commit(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def test_a_checked_file_shows_a_preview_and_writes_nothing_until_committed(manager, sources):
    batch = upload(manager, HEADER + rows(3))
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert batch.preview[0]["company"] == "Company 1"
    assert batch.preview[0]["country"] == "DE"
    assert "3 rows ready: 3 new" in batch.message
    assert not Lead.objects.exists()
    batch = commit(batch, manager)
    assert batch.status == ImportBatch.Status.COMMITTED
    lead = Lead.objects.get(external_ref="R-2")
    assert (lead.status, lead.country, lead.currency, lead.mql_score) == ("mql", "DE", "EUR", 2)
    assert lead.contact_email == "buyer2@company2.example"
    assert str(lead.estimated_value) == "2000.00"
    assert LeadEvent.objects.filter(cause="imported", to_status="mql").count() == 3
    channel = LeadRollup.objects.filter(grain=LeadRollup.Grain.CHANNEL_SOURCE, stage="mql")
    assert channel.aggregate(n=Sum("count"))["n"] == 3


def test_a_file_with_bad_rows_is_refused_whole_with_each_row_and_column_named(manager, sources):
    content = (
        HEADER
        + rows(2)
        + (
            "nowhere,R-9,Bad source,DE,,,,,,\n"
            "fair,R-10,,XX,,not-an-email,pumps,5,EUR,101\n"
            "fair,R-11,Value without currency,FR,,,,1000,,\n"
        )
    )
    batch = upload(manager, content)
    assert batch.status == ImportBatch.Status.INVALID
    errors = {(e["row"], e["column"]) for e in batch.errors}
    assert {(4, "source"), (5, "company"), (5, "country"), (5, "contact_email")} <= errors
    assert {(5, "mql_score"), (6, "currency")} <= errors
    assert not Lead.objects.exists()


def test_importing_the_same_file_again_skips_every_stored_lead(manager, sources):
    commit(upload(manager, HEADER + rows(3)), manager)
    batch = upload(manager, HEADER + rows(4))  # one new row
    assert "1 new, 3 already stored (skipped)" in batch.message
    batch = commit(batch, manager)
    assert batch.message == "Imported 1 new row; 3 already stored."
    assert Lead.objects.count() == 4
    assert LeadEvent.objects.count() == 4


def test_a_reference_repeated_in_the_file_is_an_error(manager, sources):
    batch = upload(manager, HEADER + rows(2) + rows(1))
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors[-1]["row"] == 4


def test_the_same_reference_under_another_source_is_another_lead(manager, sources):
    commit(upload(manager, HEADER + rows(2) + rows(2, source="web")), manager)
    assert Lead.objects.count() == 4


def test_partners_may_not_import_leads(partner, sources):
    with pytest.raises(NotAllowed):
        upload(partner, HEADER + rows(1))
    assert not ImportBatch.objects.exists()


def test_imported_leads_are_routed_in_the_same_job_when_asked(manager, sources, distributor):
    distributor.territories.add(factories.TerritoryFactory(country="DE", region="Bayern"))
    distributor.product_lines.add(factories.ProductLineFactory(code="pumps"))
    batch = commit(
        upload(
            manager,
            HEADER + rows(3) + rows(1, start=7, source="web").replace(",de,", ",it,"),
            route=True,
        ),
        manager,
    )
    assert "Routed 3 leads. 1 left in the pool" in batch.message
    assert Lead.objects.filter(status="assigned", distributor=distributor).count() == 3
    assert Lead.objects.get(country="IT").status == "mql"
    assert batch.options["routed"] is True


def test_the_api_push_uses_the_same_checks_all_or_nothing(manager, sources):
    good = {"source": "fair", "external_ref": "P-1", "company": "Pushed", "country": "DE"}
    bad = {"source": "fair", "external_ref": "P-2", "company": "Bad", "country": "ZZ"}
    with pytest.raises(Exception) as error:
        services.leads_push(by=manager, rows=[good, bad])
    assert error.value.details[0]["row"] == 1 and error.value.details[0]["column"] == "country"
    assert not Lead.objects.exists()
    assert services.leads_push(by=manager, rows=[good]) == (1, 0, 0, 0)
    assert services.leads_push(by=manager, rows=[good]) == (0, 1, 0, 0)


RACE = """
import os, sys, json
sys.path.insert(0, {root!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "drm.settings"
import django
django.setup()
from distributors import services
from leads import services as lead_services
from django.contrib.auth import get_user_model
mode, arg = sys.argv[1], sys.argv[2]
if mode == "commit":
    services.import_batch_commit(batch_id=int(arg))
    print(json.dumps("ok"))
else:
    user = get_user_model().objects.get(username=arg)
    rows = [{{"source": "fair", "external_ref": f"R-{{n}}", "company": f"Company {{n}}",
              "country": "DE"}} for n in range(1, 41)]
    print(json.dumps(lead_services.leads_push(by=user, rows=rows)))
"""


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_file_and_a_push_at_once_create_each_lead_once(manager, sources):
    batches = []
    for _ in range(2):
        batch = upload(manager, HEADER + rows(40))
        import_services.import_batch_request_commit(batch=batch, by=manager)
        batches.append(batch)
    script = RACE.format(root=str(ROOT))
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_TASK_ALWAYS_EAGER": "1"}
    commands = [[sys.executable, "-c", script, "commit", str(b.pk)] for b in batches]
    commands.append([sys.executable, "-c", script, "push", manager.username])
    processes = [
        subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    assert Lead.objects.count() == 40
    assert LeadEvent.objects.count() == 40  # one "imported" event each, never two
    created = sum(b.created_rows for b in ImportBatch.objects.all())
    pushed = json.loads(outputs[2][0].strip().splitlines()[-1])
    assert created + pushed[0] == 40
    mql = LeadRollup.objects.filter(grain=LeadRollup.Grain.CHANNEL_SOURCE, stage="mql")
    assert mql.aggregate(n=Sum("count"))["n"] == 40


def test_two_pushes_in_the_same_instant_count_each_lead_once(manager, sources, time_machine):
    """A frozen clock: both pushes publish at the very same `now`."""
    import datetime

    time_machine.move_to(datetime.datetime(2026, 5, 5, 10, 0, tzinfo=datetime.UTC), tick=False)
    first = [{"source": "fair", "external_ref": "S-1", "company": "One", "country": "DE"}]
    second = [{"source": "fair", "external_ref": "S-2", "company": "Two", "country": "DE"}]
    services.leads_push(by=manager, rows=first)
    services.leads_push(by=manager, rows=second)
    assert LeadEvent.objects.filter(cause="imported").count() == 2
    mql = LeadRollup.objects.filter(grain=LeadRollup.Grain.CHANNEL_SOURCE, stage="mql")
    assert mql.aggregate(n=Sum("count"))["n"] == 2
