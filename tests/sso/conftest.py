"""The single sign-on tests' loopback identity provider, started once per test session."""

import pytest

from .loopback import LoopbackIdp


@pytest.fixture(scope="session")
def oidc_idp():
    idp = LoopbackIdp(["http://testserver"])
    yield idp
    idp.stop()


@pytest.fixture(scope="session")
def saml_idp():
    from .saml_idp import LoopbackSamlIdp

    idp = LoopbackSamlIdp()
    yield idp
    idp.stop()
