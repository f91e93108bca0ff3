"""The single sign-on tests' loopback identity provider, started once per test session."""

import pytest

from .loopback import LoopbackIdp


@pytest.fixture(scope="session")
def oidc_idp():
    idp = LoopbackIdp(["http://testserver"])
    yield idp
    idp.stop()
