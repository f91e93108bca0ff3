"""The loopback OpenID Connect provider the tests start (tests/sso/oidc_idp.py in a subprocess)
and a person signing in at it (requests, as a browser would)."""

import fcntl
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urljoin, urlparse

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sso.models import IdentityProvider, ProviderDomain

IDP_SCRIPT = Path(__file__).with_name("oidc_idp.py")
PASSWORD = "idp-pass-1234"  # noqa: S105

# Who exists at the loopback provider, and what it asserts about them.
USERS = [
    {
        "username": "ann",
        "claims": {
            "email": "ann@acme.example",
            "email_verified": True,
            "groups": ["portal-admins"],
            "given_name": "Ann",
        },
    },
    {"username": "rob", "claims": {"email": "rob@acme.example", "email_verified": True}},
    {
        "username": "mia",
        "claims": {"email": "mia@acme.example", "email_verified": True, "amr": ["pwd", "mfa"]},
    },
    {
        "username": "forger",
        "claims": {
            "email": "ceo@rival.example",
            "email_verified": True,
            "groups": ["portal-admins"],
        },
    },
    {"username": "late", "misbehave": "expired", "claims": {"email": "late@acme.example"}},
    {
        "username": "stranger",
        "misbehave": "wrong_audience",
        "claims": {"email": "stranger@acme.example"},
    },
    {"username": "boss", "claims": {"email": "boss@maker.example", "groups": ["channel-managers"]}},
    {
        "username": "chief",
        "claims": {"email": "chief@maker.example", "groups": ["portal-admins"], "amr": ["otp"]},
    },
]


def scratch_dir(prefix):
    """A new directory in memory (/dev/shm) where there is one: the provider's SQLite database
    is migrated there without waiting for the disk (a migration syncs the file at each step)."""
    memory = Path("/dev/shm")  # noqa: S108 (a private directory made by mkdtemp)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=memory if memory.is_dir() else None))


class LoopbackIdp:
    """django-oauth-toolkit's OpenID Connect provider on 127.0.0.1, with an RS256 key made here.

    `until_pid`: the provider runs until that process ends (a provider shared by the workers of a
    test run, see `shared`), rather than until this one closes its stdin.
    """

    def __init__(self, redirect_bases, *, until_pid=None, run_dir=None):
        self.dir = scratch_dir("sso-idp-")
        self.clients = self.clients_for(redirect_bases)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        key_file = self.dir / "key.pem"
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        config = {
            "key_file": str(key_file),
            "database": str(self.dir / "idp.sqlite3"),
            "users": [{**user, "password": PASSWORD} for user in USERS],
            "clients": list(self.clients.values()),
            "until_pid": until_pid,
            "run_dir": str(run_dir) if run_dir else None,
        }
        config_file = self.dir / "config.json"
        config_file.write_text(json.dumps(config))
        self.process = subprocess.Popen(
            [sys.executable, str(IDP_SCRIPT), str(config_file)],
            stdin=subprocess.DEVNULL if until_pid else subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            # A shared provider outlives the worker that started it: not its process group's.
            start_new_session=bool(until_pid),
        )
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the loopback identity provider did not start")
        self.at(json.loads(line)["port"])

    @staticmethod
    def clients_for(redirect_bases):
        return {
            name: {
                "client_id": f"portal-{name}",
                "client_secret": f"secret-of-{name}-0123456789",
                "redirect_uris": [base + "/sso/oidc/callback/" for base in redirect_bases],
                "post_logout_redirect_uris": [base + "/accounts/login/" for base in redirect_bases],
            }
            for name in ("acme", "rival", "maker")
        }

    def at(self, port):
        self.port = port
        self.base = f"http://127.0.0.1:{self.port}"
        self.issuer = self.base + "/o"

    @classmethod
    def shared(cls, redirect_bases, run):
        """The provider of test run `run` (pytest-xdist's PYTEST_XDIST_TESTRUNUID), started by
        the first worker that asks, under a file lock; the others read its port. It serves
        until the run's controller (the workers' parent) ends. Each test signs in with its own
        cookies and gets its own codes and tokens, so the workers do not meet at the provider."""
        directory = Path(tempfile.gettempdir()) / f"drm-sso-idp-{run}"
        directory.mkdir(exist_ok=True)
        with open(directory / "lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            started = directory / "port.json"
            if started.exists():
                idp = cls.__new__(cls)
                idp.dir, idp.process = directory, None
                idp.clients = cls.clients_for(redirect_bases)
                idp.at(json.loads(started.read_text())["port"])
            else:
                idp = cls(redirect_bases, until_pid=os.getppid(), run_dir=directory)
                started.write_text(json.dumps({"port": idp.port}))
                idp.process = None  # not this worker's to stop
        return idp

    def stop(self):
        if self.process is None:
            return
        self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def provider(self, client, *, name, distributor, domains, **fields):
        """A provider row of the portal pointing at this provider as client `client`."""
        spec = self.clients[client]
        provider = IdentityProvider.objects.create(
            name=name,
            distributor=distributor,
            protocol=IdentityProvider.Protocol.OIDC,
            issuer=self.issuer,
            client_id=spec["client_id"],
            client_secret=spec["client_secret"],
            authorization_endpoint=self.issuer + "/authorize/",
            token_endpoint=self.issuer + "/token/",
            jwks_uri=self.issuer + "/.well-known/jwks.json",
            userinfo_endpoint=self.issuer + "/userinfo/",
            end_session_endpoint=self.issuer + "/logout/",
            role_claim="groups",
            admin_values="portal-admins",
            manager_values="channel-managers" if distributor is None else "",
            **fields,
        )
        for domain in domains:
            ProviderDomain.objects.create(provider=provider, domain=domain)
        return provider


def idp_sign_in(session, authorize_url, username, password=PASSWORD):
    """Sign in at the provider as a browser would: follow to its login form, post it, and
    return where the provider sends the browser back (the portal's callback URL)."""
    response = session.get(authorize_url, allow_redirects=False, timeout=10)
    if response.status_code == 302 and "/login/" in response.headers["Location"]:
        login_url = urljoin(authorize_url, response.headers["Location"])
        page = session.get(login_url, timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        next_url = re.search(r'name="next" value="([^"]+)"', page.text).group(1)
        response = session.post(
            login_url,
            data={
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": password,
                "next": next_url.replace("&amp;", "&"),
            },
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text[:500]
        response = session.get(
            urljoin(login_url, response.headers["Location"]), allow_redirects=False, timeout=10
        )
    assert response.status_code == 302, response.text[:500]
    return response.headers["Location"]


def path_of(url):
    parsed = urlparse(url)
    return parsed.path + ("?" + parsed.query if parsed.query else "")
