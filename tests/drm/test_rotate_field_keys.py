"""`manage.py rotate_field_keys`: with a new key in front, every stored secret is encrypted again
with it, so that the old key can be dropped; without the old key it refuses and changes nothing."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection

from sso.models import IdentityProvider
from tests.sso.factories import provider_make
from webhooks.models import Subscription

pytestmark = pytest.mark.django_db

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def stored(model, column, pk):
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_rotation_reencrypts_every_secret_with_the_first_key(settings, manager):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    provider = provider_make(client_secret="client-secret-1")
    subscription = Subscription.objects.create(url="https://hooks.example/", events=["x"])
    secret = subscription.secret
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    call_command("rotate_field_keys", stdout=io.StringIO())
    assert Fernet(NEW).decrypt(stored(IdentityProvider, "client_secret", provider.pk).encode()) == (
        b"client-secret-1"
    )
    assert Fernet(NEW).decrypt(stored(Subscription, "secret", subscription.pk).encode()) == (
        secret.encode()
    )
    settings.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key dropped
    assert IdentityProvider.objects.get(pk=provider.pk).client_secret == "client-secret-1"
    assert Subscription.objects.get(pk=subscription.pk).secret == secret


def test_rotation_without_the_old_key_refuses_and_changes_nothing(settings, db):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    provider = provider_make(client_secret="client-secret-2")
    before = stored(IdentityProvider, "client_secret", provider.pk)
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(CommandError, match="none of FIELD_ENCRYPTION_KEYS"):
        call_command("rotate_field_keys")
    assert stored(IdentityProvider, "client_secret", provider.pk) == before
