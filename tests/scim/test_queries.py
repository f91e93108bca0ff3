"""A SCIM list reads a fixed number of queries, however many users the page holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token as ApiToken

from tests import factories

pytestmark = pytest.mark.django_db


def queries_for(client, secret, resource="Users"):
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(f"/scim/v2/{resource}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert answer.status_code == 200
    body = answer.json()
    return len(captured), sum(len(r.get("members", [None])) for r in body["Resources"])


@pytest.mark.parametrize("resource", ["Users", "Groups"])
@pytest.mark.parametrize("side", ["partner", "staff"])
def test_a_user_or_group_list_reads_as_many_queries_for_ten_users_as_for_two(
    client, side, resource, acme_token, staff_token, distributor
):
    secret = acme_token[1] if side == "partner" else staff_token[1]

    def more(n):
        for _ in range(n):
            if side == "partner":
                factories.MembershipFactory(distributor=distributor)
            else:
                factories.ManagerFactory()

    more(1)
    queries_for(client, secret)  # notes the token's first use: one UPDATE, not again for a minute
    few, few_total = queries_for(client, secret, resource)
    more(8)
    many, many_total = queries_for(client, secret, resource)
    assert many_total == few_total + 8
    assert many == few


def test_a_rest_api_token_does_not_open_the_scim_endpoints(client, partner, acme_token):
    key = ApiToken.objects.create(user=partner).key
    for header in (f"Token {key}", f"Bearer {key}"):
        assert client.get("/scim/v2/Users", HTTP_AUTHORIZATION=header).status_code == 401
