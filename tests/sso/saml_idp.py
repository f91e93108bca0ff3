"""A real SAML 2.0 identity provider for the single sign-on tests: pysaml2's own
saml2.server.Server in a small WSGI app, served on a free 127.0.0.1 port from a thread.

It signs assertions with a key and self-signed certificate made here; its users sign in with
a password at its form. "misbehave" per user: "unsigned" (no signature), "wrong_audience" (an
assertion for another service provider); "class_ref" per user: the authentication context it
asserts (a password by default). With want_signed, an AuthnRequest without a good signature of
the service provider (its metadata's signing certificate) is refused.
"""

import datetime
import html
import secrets
import tempfile
import threading
from http.cookies import SimpleCookie
from pathlib import Path
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server

PASSWORD = "saml-pass-1234"  # noqa: S105
USERS = {
    "ann": {
        "subject": "ann-0001",
        "attributes": {"email": ["ann@acme.example"], "groups": ["portal-admins"]},
    },
    "rob": {"subject": "rob-0002", "attributes": {"email": ["rob@acme.example"]}},
    "mia": {
        "subject": "mia-0006",
        "class_ref": "https://refeds.org/profile/mfa",
        "attributes": {"email": ["mia@acme.example"]},
    },
    "forger": {"subject": "forger-3", "attributes": {"email": ["ceo@rival.example"]}},
    "naked": {
        "subject": "naked-4",
        "misbehave": "unsigned",
        "attributes": {"email": ["naked@acme.example"]},
    },
    "stranger": {
        "subject": "stranger-5",
        "misbehave": "wrong_audience",
        "attributes": {"email": ["stranger@acme.example"]},
    },
}
FORM = """<!doctype html><title>Loopback SAML IdP</title><h1>Loopback SAML IdP</h1>
<form method="post" action="/sso"><input type="hidden" name="key" value="{key}">
<p><label>Username <input name="username" id="idp-username"></label></p>
<p><label>Password <input name="password" type="password" id="idp-password"></label></p>
<button type="submit" id="idp-sign-in">Sign in</button></form>"""


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def _key_and_certificate(directory):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "loopback-idp")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = directory / "idp.key", directory / "idp.crt"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


class LoopbackSamlIdp:
    def __init__(self, *, want_signed=False):
        self.refused = []
        self.dir = Path(tempfile.mkdtemp(prefix="sso-saml-idp-"))
        self.key_file, self.cert_file = _key_and_certificate(self.dir)
        self.certificate = self.cert_file.read_text()
        self.pending = {}
        self.sessions = {}
        self.logged_out = []
        self.httpd = make_server(
            "127.0.0.1", 0, self.app, server_class=_Server, handler_class=_Quiet
        )
        self.base = f"http://127.0.0.1:{self.httpd.server_port}"
        self.entity_id = self.base + "/idp/metadata"
        self.sso_url = self.base + "/sso"
        self.slo_url = self.base + "/slo"
        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "xmlsec_binary": "/usr/bin/xmlsec1",
                "key_file": str(self.key_file),
                "cert_file": str(self.cert_file),
                "service": {
                    "idp": {
                        "name": "Loopback IdP",
                        "endpoints": {
                            "single_sign_on_service": [(self.sso_url, BINDING_HTTP_REDIRECT)],
                            "single_logout_service": [(self.slo_url, BINDING_HTTP_REDIRECT)],
                        },
                        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                        "want_authn_requests_signed": want_signed,
                        "policy": {"default": {"lifetime": {"minutes": 15}}},
                    }
                },
                "metadata": {},
            }
        )
        self.server = Server(config=config)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def trust(self, sp_metadata_xml):
        """Know a service provider (the portal's metadata for one provider row)."""
        self.server.metadata.load("inline", sp_metadata_xml)

    # --- the WSGI app ---

    def app(self, environ, start_response):
        path = environ["PATH_INFO"]
        method = environ["REQUEST_METHOD"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        session = cookie["idp_session"].value if "idp_session" in cookie else None
        if path == "/sso" and method == "GET":
            try:
                parsed = self.server.parse_authn_request(
                    query["SAMLRequest"],
                    BINDING_HTTP_REDIRECT,
                    relay_state=query.get("RelayState"),
                    sigalg=query.get("SigAlg"),
                    signature=query.get("Signature"),
                )
            except Exception as exc:  # noqa: BLE001 - pysaml2 refuses with several kinds
                self.refused.append(type(exc).__name__)
                return self._page(start_response, "<p id='idp-refused'>Request refused</p>", "403")
            key = secrets.token_urlsafe(16)
            self.pending[key] = (parsed.message, query.get("RelayState", ""))
            if session in self.sessions:
                return self._answer(start_response, key, self.sessions[session])
            return self._page(start_response, FORM.format(key=key))
        if path == "/sso" and method == "POST":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(size).decode()).items()}
            if form.get("username") not in USERS or form.get("password") != PASSWORD:
                return self._page(start_response, FORM.format(key=form.get("key", "")), "401")
            session = secrets.token_urlsafe(16)
            self.sessions[session] = form["username"]
            return self._answer(
                start_response,
                form["key"],
                form["username"],
                [("Set-Cookie", f"idp_session={session}; Path=/")],
            )
        if path == "/slo" and method == "GET":
            parsed = self.server.parse_logout_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
            self.logged_out.append(parsed.message.name_id.text)
            self.sessions.pop(session, None)
            return self._page(
                start_response,
                "<p id='idp-logged-out'>Signed out</p>",
                headers=[("Set-Cookie", "idp_session=; Path=/; Max-Age=0")],
            )
        return self._page(start_response, "not here", "404")

    def _page(self, start_response, body, status="200", headers=()):
        start_response(f"{status} X", [("Content-Type", "text/html"), *headers])
        return [body.encode()]

    def _answer(self, start_response, key, username, headers=()):
        """The signed SAML response, in the auto-posting form of the HTTP-POST binding."""
        request, relay_state = self.pending.pop(key)
        user = USERS[username]
        misbehave = user.get("misbehave")
        destination = request.assertion_consumer_service_url
        audience = (
            "https://some-other-portal.example/sp"
            if misbehave == "wrong_audience"
            else (request.issuer.text)
        )
        response = self.server.create_authn_response(
            identity=user["attributes"],
            in_response_to=request.id,
            destination=destination,
            sp_entity_id=audience,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=user["subject"]),
            authn={
                "class_ref": user.get(
                    "class_ref", "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"
                )
            },
            sign_assertion=misbehave != "unsigned",
            sign_response=False,
        )
        http_args = self.server.apply_binding(
            BINDING_HTTP_POST, str(response), destination, relay_state, response=True
        )
        return self._page(start_response, http_args["data"], headers=headers)


def posted_form(page):
    """The action and fields of the HTTP-POST binding's auto-posting form."""
    import re

    action = html.unescape(re.search(r'action="([^"]+)"', page).group(1))
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'name="([^"]+)" value="([^"]*)"', page)
    }
    return action, fields
