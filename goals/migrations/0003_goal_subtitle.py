"""The author's title becomes the subtitle: titles are now written from the terms."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0002_goal_last_actual"),
    ]

    operations = [
        migrations.RenameField(model_name="goal", old_name="title", new_name="subtitle"),
        migrations.RenameField(model_name="historicalgoal", old_name="title", new_name="subtitle"),
    ]
