"""Codes are unique in any case: a unique index on LOWER(code) for every coded table.

Rows whose codes differ only by case (`ACME` and `acme`) would stop the index from being built.
The migration does not pick a winner: files, API clients and other systems refer to these codes,
and renaming or merging one is a business decision. It stops first, naming every clash, so that
an admin renames (or merges) them and runs `migrate` again; nothing is changed meanwhile.
"""

from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower

CODED = ("tier", "territory", "productline", "customercategory", "distributor")


def clashes(apps):
    """{model name: [[codes that differ only by case], ...]}."""
    found = {}
    for name in CODED:
        model = apps.get_model("distributors", name)
        lowered = (
            model.objects.annotate(lowered=Lower("code"))
            .values("lowered")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .values_list("lowered", flat=True)
        )
        groups = []
        for value in lowered:
            codes = model.objects.annotate(lowered=Lower("code")).filter(lowered=value)
            groups.append(sorted(codes.values_list("code", flat=True)))
        if groups:
            found[name] = groups
    return found


def refuse_case_clashes(apps, schema_editor):
    found = clashes(apps)
    if found:
        lines = [
            f"  {name}: " + "; ".join(" = ".join(group) for group in groups)
            for name, groups in found.items()
        ]
        raise RuntimeError(
            "Codes must be unique in any case, and these differ only by case:\n"
            + "\n".join(lines)
            + "\nRename or merge them (Django admin or manage.py shell), then run migrate again. "
            "Nothing was changed."
        )


class Migration(migrations.Migration):
    dependencies = [("distributors", "0012_lead_routing_settings")]

    operations = [
        migrations.RunPython(refuse_case_clashes, migrations.RunPython.noop),
        *(
            migrations.AddConstraint(
                model_name=name,
                constraint=models.UniqueConstraint(
                    Lower("code"),
                    name=f"{name}_code_unique_caseless",
                    violation_error_message="This code is taken (codes are the same in any case).",
                ),
            )
            for name in CODED
        ),
    ]
