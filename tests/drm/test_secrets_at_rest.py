"""Secrets at rest: webhook signing secrets and SSO client secrets are only ever encrypted in the
database (read back here with raw SQL), the portal reads them back whole, and the data migration
encrypts the rows written before it."""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError
from django.db import connection

from drm import crypto
from sso.models import IdentityProvider
from tests.sso.factories import provider_make
from webhooks import services
from webhooks.models import Subscription

pytestmark = pytest.mark.django_db


def raw(model, pk, *columns):
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {names} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def everything_raw(model):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
        return repr(cursor.fetchall())


def test_the_database_never_holds_a_webhook_signing_secret_in_the_clear(manager, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    subscription = services.subscription_create(
        by=manager, url="https://hooks.example/in", events=["lead.accepted"]
    )
    first = subscription.secret
    subscription = services.subscription_rotate_secret(subscription=subscription, by=manager)
    second = subscription.secret
    stored, previous = raw(Subscription, subscription.pk, "secret", "previous_secret")
    assert first.startswith("whsec_") and second.startswith("whsec_")
    assert first not in everything_raw(Subscription) and second not in everything_raw(Subscription)
    assert crypto.decrypt(stored) == second and crypto.decrypt(previous) == first
    again = Subscription.objects.get(pk=subscription.pk)
    assert again.secrets_valid() == [second, first]


def test_the_database_never_holds_an_sso_client_secret_in_the_clear(db):
    provider = provider_make(client_secret="very-secret-client-value")
    (stored,) = raw(IdentityProvider, provider.pk, "client_secret")
    assert "very-secret-client-value" not in everything_raw(IdentityProvider)
    assert crypto.decrypt(stored) == "very-secret-client-value"
    assert IdentityProvider.objects.get(pk=provider.pk).client_secret == "very-secret-client-value"


def test_an_empty_secret_stays_empty_and_an_encrypted_field_cannot_be_filtered_on(db):
    provider = provider_make(client_secret="")
    assert raw(IdentityProvider, provider.pk, "client_secret") == ("",)
    assert IdentityProvider.objects.filter(client_secret__isnull=False).count() == 1
    with pytest.raises(FieldError):
        IdentityProvider.objects.filter(client_secret="anything").count()


def test_the_data_migration_encrypts_rows_written_in_the_clear_once(db):
    provider = provider_make(client_secret="x")
    table = connection.ops.quote_name(IdentityProvider._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET client_secret = %s", ["plain-before"])  # noqa: S608
    assert (
        crypto.column_convert(connection, "sso_identityprovider", "client_secret", "encrypt") == 1
    )
    (stored,) = raw(IdentityProvider, provider.pk, "client_secret")
    assert stored != "plain-before" and crypto.decrypt(stored) == "plain-before"
    # Run again (a copy migrated twice): what is encrypted stays as it is.
    assert (
        crypto.column_convert(connection, "sso_identityprovider", "client_secret", "encrypt") == 0
    )
    assert (
        crypto.column_convert(connection, "sso_identityprovider", "client_secret", "decrypt") == 1
    )
    assert raw(IdentityProvider, provider.pk, "client_secret") == ("plain-before",)


def test_with_no_key_set_the_key_is_derived_from_the_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.SECRET_KEY = "one"
    token = crypto.encrypt("hello")
    assert Fernet(crypto.key_derived("one")).decrypt(token.encode()) == b"hello"
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(Exception):  # noqa: B017,PT011 - InvalidToken: another key
        crypto.decrypt(token)
