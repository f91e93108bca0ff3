"""`manage.py rotate_field_keys`: every secret kept encrypted in the database, encrypted again with
the first of FIELD_ENCRYPTION_KEYS (after adding a new key in front, before dropping the old)."""

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from drm.crypto import column_convert, encrypted_fields


class Command(BaseCommand):
    help = (
        "Encrypt every encrypted field's values again with the first key of "
        "FIELD_ENCRYPTION_KEYS; the old keys may then be dropped. All or nothing."
    )

    def handle(self, *args, verbosity=1, **options):
        total = 0
        try:
            with transaction.atomic():
                for model, field in encrypted_fields():
                    changed = column_convert(
                        connection, model._meta.db_table, field.column, "rotate"
                    )
                    total += changed
                    if verbosity > 1:
                        self.stdout.write(f"{model._meta.label}.{field.name}: {changed}")
        except InvalidToken as exc:
            raise CommandError(
                "A stored secret opens with none of FIELD_ENCRYPTION_KEYS: keep the old key in "
                "the list (after the new one) until the rotation has run. Nothing was changed."
            ) from exc
        self.stdout.write(f"{total} secrets encrypted again with the first key.")
