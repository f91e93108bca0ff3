"""The distributor foreign key from drm.sides (shared by provisioning and webhooks): its
related name only, no change to the table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('distributors', '0019_applicant_declined_statuses'),
        ('scim', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='event',
            name='distributor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='%(app_label)s_%(class)ss', to='distributors.distributor', verbose_name='distributor'),
        ),
        migrations.AlterField(
            model_name='token',
            name='distributor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='%(app_label)s_%(class)ss', to='distributors.distributor', verbose_name='distributor'),
        ),
    ]
