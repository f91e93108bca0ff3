"""Lead source codes are unique in any case, like the distributors' codes (distributors 0013).

The MQL import matches source codes in any case; two sources whose codes differ only by case
(`Web` and `web`) would collapse into one there. The migration does not pick a winner: it stops,
naming every clash, so that an admin renames or merges them and runs `migrate` again; nothing is
changed meanwhile.
"""

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower


def refuse_case_clashes(apps, schema_editor):
    sources = apps.get_model("leads", "LeadSource").objects.annotate(lowered=Lower("code"))
    clashing = (
        sources.values("lowered").annotate(n=Count("id")).filter(n__gt=1).values_list("lowered")
    )
    groups = [
        " = ".join(sorted(sources.filter(lowered=value).values_list("code", flat=True)))
        for (value,) in clashing
    ]
    if groups:
        raise RuntimeError(
            "Lead source codes must be unique in any case, and these differ only by case:\n  "
            + "; ".join(groups)
            + "\nRename or merge them (Django admin or manage.py shell), then run migrate again. "
            "Nothing was changed."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0005_rollup_month_stage_index"),
        ("distributors", "0013_codes_unique_in_any_case"),
    ]

    operations = [
        migrations.RunPython(refuse_case_clashes, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="leadsource",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("code"),
                name="leadsource_code_unique_caseless",
                violation_error_message="This code is taken (codes are the same in any case).",
            ),
        ),
    ]
