"""The distributor foreign key from drm.sides (shared by provisioning and webhooks): its
related name only, no change to the table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('distributors', '0019_applicant_declined_statuses'),
        ('webhooks', '0002_encrypt_secrets'),
    ]

    operations = [
        migrations.AlterField(
            model_name='subscription',
            name='distributor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='%(app_label)s_%(class)ss', to='distributors.distributor', verbose_name='distributor'),
        ),
    ]
