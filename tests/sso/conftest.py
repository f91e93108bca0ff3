"""The single sign-on tests' loopback identity provider, started once per test session."""

import os

import pytest

from .loopback import LoopbackIdp


@pytest.fixture(scope="session")
def oidc_idp():
    """One provider for the run: under pytest-xdist, shared by its workers (the first starts it)."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    idp = (
        LoopbackIdp.shared(["http://testserver"], run)
        if run
        else LoopbackIdp(["http://testserver"])
    )
    yield idp
    idp.stop()


@pytest.fixture(scope="session")
def saml_idp():
    from .saml_idp import LoopbackSamlIdp

    idp = LoopbackSamlIdp()
    yield idp
    idp.stop()


@pytest.fixture(scope="session")
def saml_idp_wanting_signed_requests():
    from .saml_idp import LoopbackSamlIdp

    idp = LoopbackSamlIdp(want_signed=True)
    yield idp
    idp.stop()


@pytest.fixture(scope="session")
def sp_key_and_certificate():
    """The portal's own SAML key and certificate (PEM files), made for the tests."""
    import tempfile
    from pathlib import Path

    from .saml_idp import _key_and_certificate

    return _key_and_certificate(Path(tempfile.mkdtemp(prefix="sso-sp-")))
