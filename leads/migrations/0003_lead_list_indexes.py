# The lead list, inbox and deadline job at millions of leads (see README, Benchmarks): each list
# index ends with the whole sort key (-created_at, -id); the inbox, its closed view and the overdue
# leads get partial indexes; the single-column indexes that a composite index starts with go.

import django.db.models.deletion
from django.db import migrations, models

STATUSES = [
    ("new", "New"),
    ("mql", "Marketing-qualified"),
    ("assigned", "Assigned"),
    ("accepted", "Accepted"),
    ("dql", "Distributor-qualified"),
    ("opportunity", "Opportunity"),
    ("won", "Won"),
    ("lost", "Lost"),
]


def _drop_index(name, table, column):
    """Drop the index Django made for a foreign key, leaving the constraint alone: an AlterField
    would drop and re-add (re-check) the foreign key over the whole table."""
    return migrations.RunSQL(
        f'DROP INDEX IF EXISTS "{name}"',
        reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
    )


class Migration(migrations.Migration):
    dependencies = [
        ("distributors", "0012_lead_routing_settings"),
        ("leads", "0002_lifecycle_criteria_materials_rollups"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="lead", name="lead_status_newest"),
        migrations.RemoveIndex(model_name="lead", name="lead_dist_status"),
        migrations.RemoveIndex(model_name="lead", name="lead_source_newest"),
        migrations.RemoveIndex(model_name="lead", name="lead_country_newest"),
        migrations.AlterField(
            model_name="historicallead",
            name="accept_deadline",
            field=models.DateTimeField(blank=True, null=True, verbose_name="accept by"),
        ),
        migrations.AlterField(
            model_name="historicallead",
            name="status",
            field=models.CharField(
                choices=STATUSES, default="new", max_length=20, verbose_name="status"
            ),
        ),
        migrations.AlterField(
            model_name="lead",
            name="accept_deadline",
            field=models.DateTimeField(blank=True, null=True, verbose_name="accept by"),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="lead",
                    name="distributor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="leads",
                        to="distributors.distributor",
                        verbose_name="distributor",
                    ),
                ),
                migrations.AlterField(
                    model_name="lead",
                    name="source",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="leads",
                        to="leads.leadsource",
                        verbose_name="source",
                    ),
                ),
            ],
            database_operations=[
                _drop_index("leads_lead_distributor_id_c6eb53d2", "leads_lead", "distributor_id"),
                _drop_index("leads_lead_source_id_a5f74de9", "leads_lead", "source_id"),
            ],
        ),
        migrations.AlterField(
            model_name="lead",
            name="status",
            field=models.CharField(
                choices=STATUSES, default="new", max_length=20, verbose_name="status"
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["status", "-created_at", "-id"], name="lead_status_newest"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["distributor", "-created_at", "-id"], name="lead_dist_newest"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["source", "-created_at", "-id"], name="lead_source_newest"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(fields=["country", "-created_at", "-id"], name="lead_country_newest"),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                fields=["source", "country", "-created_at", "-id"], name="lead_source_country"
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                models.F("distributor"),
                models.Case(
                    models.When(status="assigned", then=models.Value(0)),
                    default=models.Value(1),
                    output_field=models.IntegerField(),
                ),
                models.OrderBy(models.F("accept_deadline")),  # Postgres puts nulls last
                models.OrderBy(models.F("updated_at"), descending=True),
                models.OrderBy(models.F("id"), descending=True),
                condition=models.Q(status__in=["assigned", "accepted", "dql", "opportunity"]),
                name="lead_inbox",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(status__in=["won", "lost"]),
                fields=["distributor", "-closed_at", "-id"],
                name="lead_closed",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=models.Q(status="assigned"),
                fields=["accept_deadline", "id"],
                name="lead_overdue",
            ),
        ),
    ]
