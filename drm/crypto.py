"""Secrets at rest: a model field whose value the database only ever holds encrypted (Fernet).

The keys are settings.FIELD_ENCRYPTION_KEYS (urlsafe base64 of 32 bytes each, as
`Fernet.generate_key()` makes them): the first encrypts, every one decrypts, so keys rotate (add
the new key first, run `manage.py rotate_field_keys`, then drop the old one). None set: one key
derived from SECRET_KEY with HKDF, so that the demo works with no setting (changing SECRET_KEY
then makes the stored secrets unreadable: production sets the keys).

Fernet is randomised (the same secret encrypts differently each time): an encrypted field cannot
be filtered on, and says so (FieldError) rather than match nothing.
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

HKDF_INFO = b"drm.crypto field encryption key"


def key_derived(secret_key):
    """The Fernet key derived from `secret_key` (HKDF-SHA256): the default key."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw).decode()


def keys():
    configured = [key.strip() for key in settings.FIELD_ENCRYPTION_KEYS if key.strip()]
    return tuple(configured) or (key_derived(settings.SECRET_KEY),)


@lru_cache(maxsize=8)
def _cipher(key_tuple):
    try:
        return MultiFernet([Fernet(key) for key in key_tuple])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS: each key is urlsafe base64 of 32 bytes "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key())')."
        ) from exc


def cipher():
    return _cipher(keys())


def encrypt(text):
    return cipher().encrypt(text.encode()).decode()


def decrypt(token):
    """The plain text of `token`; InvalidToken when no key opens it (or it is not encrypted)."""
    return cipher().decrypt(token.encode()).decode()


def reencrypt(token):
    """`token` encrypted again with the first key (MultiFernet.rotate)."""
    return cipher().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField):
    """Text stored encrypted (a TextField column: the ciphertext is longer than the text);
    `max_length` bounds the plain text. An empty value is stored empty: there is nothing to
    hide, and "none set" stays visible."""

    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)

    def get_lookup(self, lookup_name):
        # Only "is it set?" has a meaning over randomised ciphertext.
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)


def encrypted_fields():
    """[(model, field)] of every EncryptedTextField of the installed models."""
    from django.apps import apps

    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedTextField)
    ]


def _plain_encrypted(value):
    """A value as it was before its field was encrypted, encrypted (None: it is already)."""
    try:
        decrypt(value)
    except InvalidToken:
        return encrypt(value)
    return None


CONVERSIONS = {
    "encrypt": _plain_encrypted,  # the data migration that encrypts a field's existing rows
    "decrypt": decrypt,  # its reverse
    "rotate": reencrypt,  # rotate_field_keys: encrypted again with the first key
}


def column_convert(connection, table, column, how):
    """Convert every non-empty value of `table`.`column` (`how`: a key of CONVERSIONS) in raw
    SQL, bypassing the field's own conversions; returns how many rows changed."""
    convert = CONVERSIONS[how]
    quote = connection.ops.quote_name
    changed = 0
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, {quote(column)} FROM {quote(table)} "  # noqa: S608 - the model's names
            f"WHERE {quote(column)} IS NOT NULL AND {quote(column)} <> ''"
        )
        for pk, value in cursor.fetchall():
            new = convert(value)
            if new is None:
                continue
            cursor.execute(
                f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s",  # noqa: S608
                [new, pk],
            )
            changed += 1
    return changed


def migration_encrypting(app_label, model_name, *fields):
    """The RunPython operation of a data migration that encrypts `fields` of a model's existing
    rows (after an AlterField to EncryptedTextField), and decrypts them when reversed."""
    from django.db import migrations

    def run(how):
        def operation(apps, schema_editor):
            meta = apps.get_model(app_label, model_name)._meta
            for name in fields:
                column = meta.get_field(name).column
                column_convert(schema_editor.connection, meta.db_table, column, how)

        return operation

    return migrations.RunPython(run("encrypt"), run("decrypt"))
