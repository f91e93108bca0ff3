"""SSO client secrets encrypted at rest: the column becomes text, the existing rows encrypted
(reversible: decrypted back)."""

import drm.crypto
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('sso', '0003_provider_two_factor_and_mfa'),
    ]

    operations = [
        migrations.AlterField(
            model_name='identityprovider',
            name='client_secret',
            field=drm.crypto.EncryptedTextField(blank=True, max_length=500, verbose_name='client secret'),
        ),
        drm.crypto.migration_encrypting("sso", "IdentityProvider", "client_secret"),
    ]
