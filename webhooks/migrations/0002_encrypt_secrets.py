"""Webhook signing secrets encrypted at rest: the columns become text, the existing rows
encrypted (reversible: decrypted back)."""

import drm.crypto
import webhooks.models
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('webhooks', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='subscription',
            name='previous_secret',
            field=drm.crypto.EncryptedTextField(blank=True, editable=False, max_length=100),
        ),
        migrations.AlterField(
            model_name='subscription',
            name='secret',
            field=drm.crypto.EncryptedTextField(default=webhooks.models.secret_new, editable=False, max_length=100),
        ),
        drm.crypto.migration_encrypting("webhooks", "Subscription", "secret", "previous_secret"),
    ]
