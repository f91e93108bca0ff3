# Won values are kept per currency in the lead rollups, and priced when read (leads.pricing).
#
# Before: a lead its distributor valued without a currency kept none, and the rollups summed every
# won value raw into one total, whatever its currency. Now: such a lead takes its distributor's
# currency (as lead_convert and lead_win do from now on), and the rollups' won rows are recounted
# from the events, one row per currency. Set-based statements, written out here (not imported
# from leads.rollups) so that this migration keeps doing what it did when the code moves on.

import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models


def _month_sql(vendor, column):
    if vendor == "postgresql":
        return f"(date_trunc('month', {column} AT TIME ZONE %s))::date"
    return f"date({column}, 'start of month')"


def fill_currency(apps, schema_editor):
    """Leads valued by their distributor without a currency take the distributor's."""
    Lead = apps.get_model("leads", "Lead")
    Distributor = apps.get_model("distributors", "Distributor")
    quote = schema_editor.connection.ops.quote_name
    lead, distributor = quote(Lead._meta.db_table), quote(Distributor._meta.db_table)
    schema_editor.execute(
        f"""UPDATE {lead} SET currency = (
                SELECT d.currency FROM {distributor} d WHERE d.id = {lead}.distributor_id)
            WHERE currency = '' AND distributor_id IS NOT NULL
              AND (won_value IS NOT NULL OR opportunity_value IS NOT NULL)"""
    )


def _recount_won(apps, schema_editor, *, by_currency):
    LeadRollup = apps.get_model("leads", "LeadRollup")
    LeadEvent = apps.get_model("leads", "LeadEvent")
    Lead = apps.get_model("leads", "Lead")
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    rollup = quote(LeadRollup._meta.db_table)
    event = quote(LeadEvent._meta.db_table)
    lead = quote(Lead._meta.db_table)
    currency = "l.currency" if by_currency else "''"
    params = [settings.TIME_ZONE] if connection.vendor == "postgresql" else []
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {rollup} WHERE stage = 'won'")
        cursor.execute(
            f"""
            INSERT INTO {rollup}
                (grain, distributor_id, month, source_id, stage, reason, bucket, currency, count,
                 total, hours)
            WITH ev AS (
                SELECT e.distributor_id AS d, l.source_id AS s,
                    {_month_sql(connection.vendor, "e.at")} AS m, {currency} AS c,
                    COALESCE(l.won_value, 0) AS v
                FROM {event} e JOIN {lead} l ON l.id = e.lead_id
                WHERE e.to_status = 'won'
            ),
            grains AS (
                SELECT 0 AS grain, d, s, m, c, v FROM ev
                UNION ALL SELECT 1, d, NULL, m, c, v FROM ev WHERE d IS NOT NULL
                UNION ALL SELECT 2, NULL, s, m, c, v FROM ev
            )
            SELECT grain, d, m, s, 'won', '', 0, c, count(*), sum(v), 0
            FROM grains
            GROUP BY grain, d, m, s, c
            """,
            params,
        )


def won_by_currency(apps, schema_editor):
    _recount_won(apps, schema_editor, by_currency=True)


def won_in_one_total(apps, schema_editor):
    _recount_won(apps, schema_editor, by_currency=False)


class Migration(migrations.Migration):

    dependencies = [
        ('distributors', '0013_codes_unique_in_any_case'),
        ('leads', '0007_free_text_limits'),
    ]

    operations = [
        migrations.RunPython(fill_currency, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='leadrollup',
            name='lead_rollup_key',
        ),
        migrations.AddField(
            model_name='leadrollup',
            name='currency',
            field=models.CharField(blank=True, default='', max_length=3),
        ),
        # Going back: once the new key is dropped, and while the column is there, the won rows
        # are summed into one total again, so that the old key can return.
        migrations.RunPython(migrations.RunPython.noop, won_in_one_total),
        migrations.AddConstraint(
            model_name='leadrollup',
            constraint=models.UniqueConstraint(models.F('grain'), django.db.models.functions.comparison.Coalesce('distributor', models.Value(0)), models.F('month'), django.db.models.functions.comparison.Coalesce('source', models.Value(0)), models.F('stage'), models.F('reason'), models.F('bucket'), models.F('currency'), name='lead_rollup_key'),
        ),
        migrations.RunPython(won_by_currency, migrations.RunPython.noop),
    ]
