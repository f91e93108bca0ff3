"""Single sign-on in a real browser: type the work e-mail at the login page, sign in at the
company's OpenID Connect provider (django-oauth-toolkit on loopback), land on the portal as a
partner admin of the provider's distributor; the provider form shows only the chosen protocol's
settings."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from identity.access import Role, user_role
from sso.models import Identity, IdentityProvider
from tests import factories
from tests.browser.test_portal_in_browser import log_in
from tests.sso.loopback import PASSWORD, LoopbackIdp
from tests.sso.saml_idp import _key_and_certificate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def idp(live_server):
    provider_side = LoopbackIdp([live_server.url])
    yield provider_side
    provider_side.stop()


@pytest.fixture
def sso_page(browser, live_server, eager_celery, idp):
    """The browser page of tests/browser/conftest.py, allowed one more host: the loopback IdP."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    allowed = {urlsplit(live_server.url).netloc, urlsplit(idp.base).netloc}
    foreign, script_errors = [], []

    def on_request(request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc not in allowed:
            foreign.append(request.url)

    context.on("request", on_request)
    browser_page = context.new_page()
    browser_page.on("pageerror", lambda error: script_errors.append(str(error)))
    yield browser_page
    context.close()
    assert not foreign, f"the page reached hosts other than loopback's two: {foreign}"
    assert not script_errors, f"JavaScript errors: {script_errors}"


def test_a_partner_signs_in_with_its_company_account_and_lands_as_partner_admin(sso_page, idp):
    page = sso_page
    acme = factories.DistributorFactory(code="acme", name="Acme Industrial Supply")
    idp.provider("acme", name="Acme sign-in", distributor=acme, domains=["acme.example"])

    page.goto("/accounts/login/")
    company = page.locator("#company-sign-in-form")
    company.get_by_label("Your work e-mail").fill("nobody@unknown.example")
    company.get_by_role("button", name="Continue with your company account").click()
    expect(page.get_by_text("No company sign-in is set up for that e-mail domain")).to_be_visible()
    expect(page.locator("#login-form")).to_be_visible()

    company = page.locator("#company-sign-in-form")
    company.get_by_label("Your work e-mail").fill("ann@acme.example")
    company.get_by_role("button", name="Continue with your company account").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(idp.base)}/login/"))
    expect(page.get_by_role("heading", name="Company sign-in")).to_be_visible()
    page.get_by_label("Username").fill("ann")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/my/$"))
    expect(page.get_by_role("button", name="ann@acme.example")).to_be_visible()
    identity = Identity.objects.select_related("user").get()
    assert user_role(identity.user) == Role.PARTNER_ADMIN
    assert identity.user.membership.distributor == acme


def test_the_manager_picks_saml_sees_only_its_fields_and_the_provider_keeps_only_them(
    page, manager, tmp_path
):
    log_in(page, manager)
    page.goto("/integrations/sign-in/new/")
    oidc = page.locator("#provider-oidc-fields")
    saml = page.locator("#provider-saml-fields")
    expect(oidc).to_be_visible()
    expect(saml).to_be_hidden()
    page.get_by_label("Issuer").fill("https://login.acme.example/v2.0")

    page.get_by_label("Protocol").select_option("saml")
    expect(saml).to_be_visible()
    expect(oidc).to_be_hidden()
    page.get_by_label("Name").fill("Acme ADFS")
    page.get_by_label("E-mail domains").fill("acme.example")
    saml.get_by_label("IdP entity ID").fill("https://adfs.acme.example/adfs/services/trust")
    saml.get_by_label("IdP single sign-on URL").fill("https://adfs.acme.example/adfs/ls/")
    _key, cert_file = _key_and_certificate(tmp_path)
    saml.get_by_label("IdP signing certificate (PEM)").fill(cert_file.read_text())
    page.locator("#provider-save").click()

    expect(page.get_by_text("The company sign-in is saved.")).to_be_visible()
    expect(page.locator("#provider-saml-fields")).to_be_visible()
    expect(page.locator("#provider-oidc-fields")).to_be_hidden()
    provider = IdentityProvider.objects.get()
    assert provider.protocol == "saml"
    assert provider.entity_id == "https://adfs.acme.example/adfs/services/trust"
    assert provider.sso_url == "https://adfs.acme.example/adfs/ls/"
    assert (provider.issuer, provider.client_id, provider.client_secret, provider.scopes) == (
        "",
        "",
        "",
        "",
    )
    assert provider.authorization_endpoint == provider.token_endpoint == provider.jwks_uri == ""
