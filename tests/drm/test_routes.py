"""Every URL route has an authorization row here; a route without one fails the suite.

Each row says which status each persona gets. "partner" owns the objects in the URLs; "outsider"
is a partner of another distributor; "nobody" is logged in with no role.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from distributors.models import ImportBatch
from tests import factories

PERSONAS = ("anonymous", "nobody", "manager", "partner", "outsider")


def page(manager, partner, outsider, nobody=403, anonymous=302):
    return {
        "anonymous": anonymous,
        "nobody": nobody,
        "manager": manager,
        "partner": partner,
        "outsider": outsider,
    }


def api(manager, partner, outsider, nobody=403, anonymous=401):
    return page(manager, partner, outsider, nobody=nobody, anonymous=anonymous)


# name → (method, url builder taking the objects dict, expected status per persona)
ROUTES = {
    "home": ("get", lambda o: reverse("home"), page(302, 302, 302)),
    "login": ("get", lambda o: reverse("login"), page(200, 200, 200, nobody=200, anonymous=200)),
    "logout": ("post", lambda o: reverse("logout"), page(302, 302, 302, nobody=302)),
    "password_change": (
        "get",
        lambda o: reverse("password_change"),
        page(200, 200, 200, nobody=200),
    ),
    "password_change_done": (
        "get",
        lambda o: reverse("password_change_done"),
        page(200, 200, 200, nobody=200),
    ),
    "password_reset_confirm": (
        "get",
        lambda o: reverse("password_reset_confirm", args=["MQ", "not-a-token"]),
        page(200, 200, 200, nobody=200, anonymous=200),
    ),
    "password_reset_complete": (
        "get",
        lambda o: reverse("password_reset_complete"),
        page(200, 200, 200, nobody=200, anonymous=200),
    ),
    "distributors:list": ("get", lambda o: reverse("distributors:list"), page(200, 403, 403)),
    "distributors:export": ("get", lambda o: reverse("distributors:export"), page(200, 403, 403)),
    "distributors:create": ("get", lambda o: reverse("distributors:create"), page(200, 403, 403)),
    "distributors:detail": (
        "get",
        lambda o: reverse("distributors:detail", args=[o["distributor"].code]),
        page(200, 200, 404),
    ),
    "distributors:edit": (
        "get",
        lambda o: reverse("distributors:edit", args=[o["distributor"].code]),
        page(200, 403, 403),
    ),
    "distributors:mine": ("get", lambda o: reverse("distributors:mine"), page(403, 200, 200)),
    "distributors:users": ("get", lambda o: reverse("distributors:users"), page(200, 200, 200)),
    "distributors:user-invite": (
        "get",
        lambda o: reverse("distributors:user-invite"),
        page(200, 200, 200),
    ),
    "distributors:user-deactivate": (
        "post",
        lambda o: reverse("distributors:user-deactivate", args=[o["rep"].pk]),
        page(302, 302, 404),
    ),
    "distributors:imports": ("get", lambda o: reverse("distributors:imports"), page(200, 200, 200)),
    "distributors:import-create": (
        "get",
        lambda o: reverse("distributors:import-create"),
        page(200, 200, 200),
    ),
    "distributors:import-detail": (
        "get",
        lambda o: reverse("distributors:import-detail", args=[o["batch"].pk]),
        page(200, 200, 404),
    ),
    "distributors:import-status": (
        "get",
        lambda o: reverse("distributors:import-status", args=[o["batch"].pk]),
        page(200, 200, 404),
    ),
    "distributors:import-errors": (
        "get",
        lambda o: reverse("distributors:import-errors", args=[o["batch"].pk]),
        page(200, 200, 404),
    ),
    "distributors:my-revenue": (
        "get",
        lambda o: reverse("distributors:my-revenue"),
        page(404, 200, 200),
    ),
    "distributors:revenue": (
        "get",
        lambda o: reverse("distributors:revenue", args=["rival"]),
        page(200, 404, 200),  # the outsider is rival's partner admin
    ),
    "distributors:tiers": ("get", lambda o: reverse("distributors:tiers"), page(200, 403, 403)),
    "distributors:tier-create": (
        "get",
        lambda o: reverse("distributors:tier-create"),
        page(200, 403, 403),
    ),
    "distributors:tier-edit": (
        "get",
        lambda o: reverse("distributors:tier-edit", args=[o["distributor"].tier.code]),
        page(200, 403, 403),
    ),
    "distributors:tier-delete": (
        "post",
        lambda o: reverse("distributors:tier-delete", args=[o["distributor"].tier.code]),
        page(302, 403, 403),
    ),
    "distributors:territories": (
        "get",
        lambda o: reverse("distributors:territories"),
        page(200, 403, 403),
    ),
    "distributors:territory-create": (
        "get",
        lambda o: reverse("distributors:territory-create"),
        page(200, 403, 403),
    ),
    "distributors:territory-edit": (
        "get",
        lambda o: reverse("distributors:territory-edit", args=["nowhere"]),
        page(404, 403, 403),
    ),
    "distributors:territory-delete": (
        "post",
        lambda o: reverse("distributors:territory-delete", args=["nowhere"]),
        page(404, 403, 403),
    ),
    "distributors:exchange-rates": (
        "get",
        lambda o: reverse("distributors:exchange-rates"),
        page(200, 403, 403),
    ),
    "distributors:exchange-rate-delete": (
        "post",
        lambda o: reverse("distributors:exchange-rate-delete", args=[999999]),
        page(404, 403, 403),
    ),
    "distributors:import-commit": (
        "post",
        lambda o: reverse("distributors:import-commit", args=[o["batch"].pk]),
        page(302, 302, 404),
    ),
    "distributors:import-template": (
        "get",
        lambda o: reverse("distributors:import-template", args=["revenue"]),
        page(200, 200, 200),
    ),
    "api:token": (
        "post",
        lambda o: reverse("api:token"),
        api(400, 400, 400, nobody=400, anonymous=400),
    ),
    "api:api-root": ("get", lambda o: reverse("api:api-root"), api(200, 200, 200, nobody=200)),
    "api:distributor-list": ("get", lambda o: reverse("api:distributor-list"), api(200, 200, 200)),
    "api:distributor-detail": (
        "get",
        lambda o: reverse("api:distributor-detail", args=[o["distributor"].code]),
        api(200, 200, 404),
    ),
    "api:territory-list": ("get", lambda o: reverse("api:territory-list"), api(200, 200, 200)),
    "api:territory-detail": (
        "get",
        lambda o: reverse("api:territory-detail", args=[o["territory"].code]),
        api(200, 200, 404),
    ),
    "api:product-line-list": (
        "get",
        lambda o: reverse("api:product-line-list"),
        api(200, 200, 200),
    ),
    "api:product-line-detail": (
        "get",
        lambda o: reverse("api:product-line-detail", args=[o["product_line"].code]),
        api(200, 200, 200),
    ),
    "api:revenue-list": ("get", lambda o: reverse("api:revenue-list"), api(200, 200, 200)),
    "api:revenue-detail": (
        "get",
        lambda o: reverse("api:revenue-detail", args=[o["revenue"].pk]),
        api(200, 200, 404),
    ),
    "api:investment-list": ("get", lambda o: reverse("api:investment-list"), api(200, 200, 200)),
    "api:investment-detail": (
        "get",
        lambda o: reverse("api:investment-detail", args=[o["investment"].pk]),
        api(200, 200, 404),
    ),
    "schema": ("get", lambda o: reverse("schema"), api(200, 200, 200)),
    "swagger-ui": ("get", lambda o: reverse("swagger-ui"), api(200, 200, 200)),
    "healthz": (
        "get",
        lambda o: reverse("healthz"),
        page(200, 200, 200, nobody=200, anonymous=200),
    ),
}


def route_names(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue  # Django admin guards itself; covered by test_admin_is_staff_only
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from route_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else str(pattern.pattern)


def test_every_route_has_an_authorization_row():
    missing = sorted(set(route_names()) - set(ROUTES))
    assert not missing, (
        f"routes without an authorization row in tests/drm/test_routes.py: {missing}"
    )


def test_no_row_describes_a_route_that_is_gone():
    assert not sorted(set(ROUTES) - set(route_names()))


@pytest.fixture
def objects(distributor, partner, other_distributor):
    territory = factories.TerritoryFactory(code="north")
    distributor.territories.add(territory)
    product_line = factories.ProductLineFactory(code="pumps")
    return {
        "distributor": distributor,
        "territory": territory,
        "product_line": product_line,
        "revenue": factories.RevenueRecordFactory(
            distributor=distributor, product_line=product_line
        ),
        "investment": factories.InvestmentFactory(distributor=distributor),
        "rep": factories.MembershipFactory(distributor=distributor, role="rep").user,
        "batch": ImportBatch.objects.create(
            kind="revenue",
            filename="f.csv",
            content=b"distributor,month,product_line,amount\nacme,2026-01,pumps,1\n",
            uploaded_by=partner,
            distributor=distributor,
            status=ImportBatch.Status.VALIDATED,
        ),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_route_answers_each_persona_as_its_row_says(client, request, objects, persona, name):
    method, build_url, expected = ROUTES[name]
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    response = getattr(client, method)(build_url(objects))
    assert response.status_code == expected[persona], (name, persona, response.content[:300])


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["nobody", "manager", "partner"])
def test_admin_is_staff_only(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_admin_opens_for_a_superuser(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/distributors/distributor/").status_code == 200


@pytest.mark.django_db
def test_admin_turns_away_a_partner_even_with_a_staff_flag(client, partner):
    partner.is_staff = True
    partner.save()
    client.force_login(partner)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert client.get("/admin/distributors/distributor/").status_code == 302
    assert b'href="/admin/"' not in client.get(reverse("distributors:mine")).content


@pytest.mark.django_db
def test_admin_turns_away_a_staff_user_without_a_manufacturer_role(client):
    client.force_login(factories.UserFactory(username="staff-only", is_staff=True))

    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_admin_opens_for_a_channel_manager_with_a_staff_flag(client, manager):
    manager.is_staff = True
    manager.save()
    client.force_login(manager)

    assert client.get("/admin/").status_code == 200
    assert b'href="/admin/"' in client.get(reverse("distributors:list")).content
