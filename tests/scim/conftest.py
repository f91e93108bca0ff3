"""The SCIM tests: tokens made by the services for acme (the partner admin's distributor), rival
(the outsider's) and the manufacturer's staff, and an HTTP client speaking to pytest-django's
live server over a real socket."""

import httpx2
import pytest
from django.contrib.auth.models import Group
from scim2_client.engines.httpx2 import SyncSCIMClient

from identity.access import MANUFACTURER_ADMINS
from scim import services
from tests import factories

SCIM = "application/scim+json"


@pytest.fixture
def manufacturer_admin(db):
    user = factories.UserFactory(username="madmin-test")
    user.groups.add(Group.objects.get_or_create(name=MANUFACTURER_ADMINS)[0])
    return user


@pytest.fixture
def acme_token(partner):
    return services.token_create(by=partner, description="Okta")


@pytest.fixture
def rival_admin(outsider):
    outsider.membership.role = "admin"
    outsider.membership.save()
    return outsider


@pytest.fixture
def rival_token(rival_admin):
    return services.token_create(by=rival_admin, description="Entra")


@pytest.fixture
def staff_token(manufacturer_admin):
    return services.token_create(by=manufacturer_admin, description="Staff directory")


@pytest.fixture
def _live_clients(live_server):
    """_live_clients(secret, **headers) -> an httpx2 client on the live server's /scim/v2/ with
    that token, closed after the test."""
    clients = []

    def make(secret, **headers):
        client = httpx2.Client(
            base_url=live_server.url + "/scim/v2/",
            headers={"Authorization": f"Bearer {secret}", **headers},
            timeout=10,
            trust_env=False,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def scim_http(_live_clients):
    """scim_http(secret) -> an httpx2 client speaking application/scim+json with that token."""
    return lambda secret: _live_clients(secret, Accept=SCIM, **{"Content-Type": SCIM})


@pytest.fixture
def scim_client(_live_clients):
    """scim_client(secret) -> scim2-client's SyncSCIMClient with that token, discovered."""

    def make(secret):
        client = SyncSCIMClient(_live_clients(secret))
        client.discover()
        return client

    return make


def new_user(user_name, **extra):
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        "active": True,
        **extra,
    }
