"""The demo's example company sign-in: written through the services for adriatica, shown on both
sides' Company sign-in pages, never offered at the login page, and re-runnable."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from sso import services
from sso.demo import DOMAIN, demo_provider

pytestmark = pytest.mark.django_db


def test_the_demo_shows_an_example_provider_for_adriatica_that_breaks_no_login(client):
    call_command("demo_data", "--quiet", stdout=StringIO())
    out = StringIO()
    call_command("demo_sso", "--quiet", stdout=out)
    provider = demo_provider()
    assert provider.distributor.code == "adriatica"
    assert not provider.is_active and not provider.password_login_disabled
    assert "example" in provider.name
    assert provider.domain_list() == [DOMAIN]
    assert provider.entity_id == provider.sso_url == provider.certificate == ""

    users = get_user_model().objects
    client.force_login(users.get(username="partner"))
    assert provider.name in client.get(reverse("sso:mine-list")).content.decode()
    page = client.get(reverse("sso:mine-detail", args=[provider.pk])).content.decode()
    assert "example-secret-replace-me" not in page
    client.force_login(users.get(username="manager"))
    assert provider.name in client.get(reverse("sso:list")).content.decode()

    # Switched off: the login page does not send anyone there, and passwords stay open.
    client.logout()
    assert services.provider_for_email(f"someone@{DOMAIN}") is None
    response = client.post(reverse("sso:company"), {"company_email": f"someone@{DOMAIN}"})
    assert response["Location"].startswith(reverse("login"))
    assert services.password_login_allowed(users.get(username="partner"))

    call_command("demo_sso", "--quiet", stdout=StringIO())  # a second run: nothing
    assert demo_provider().pk == provider.pk
    assert provider.distributor.identity_providers.count() == 1


def test_demo_sso_needs_the_demo_channel(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="run `manage.py demo_data` first"):
        call_command("demo_sso", "--quiet", stdout=StringIO())
