"""A real OpenID Connect provider for the single sign-on tests: django-oauth-toolkit in a
Django project of its own, served on a free 127.0.0.1 port by this process.

    python tests/sso/oidc_idp.py CONFIG.json

CONFIG names the RSA private key (PEM, made by the test), the users (username, password,
claims; "misbehave": "expired" or "wrong_audience" makes the provider issue such ID tokens for
that user) and the clients. The process prints {"port": N} on one line when it serves.
"""

import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

CONFIG = json.loads(Path(sys.argv[1]).read_text())
LOGIN_TEMPLATE = """<!doctype html><title>Company sign-in</title><h1>Company sign-in</h1>
<form method="post">{% csrf_token %}{{ form.as_p }}
<input type="hidden" name="next" value="{{ next }}">
<button type="submit" id="idp-sign-in">Sign in</button></form>"""


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


application = None


def app(environ, start_response):
    return application(environ, start_response)


server = make_server("127.0.0.1", 0, app, server_class=ThreadingServer, handler_class=QuietHandler)
PORT = server.server_port
ISSUER = f"http://127.0.0.1:{PORT}/o"

import django  # noqa: E402
from django.conf import settings  # noqa: E402

settings.configure(
    DEBUG=False,
    SECRET_KEY="loopback-idp-only",  # noqa: S106
    ALLOWED_HOSTS=["127.0.0.1"],
    USE_TZ=True,
    INSTALLED_APPS=[
        "django.contrib.contenttypes",
        "django.contrib.auth",
        "django.contrib.sessions",
        "oauth2_provider",
    ],
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
    ROOT_URLCONF=__name__,
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": CONFIG.get("database") or str(Path(tempfile.mkdtemp()) / "idp.sqlite3"),
        }
    },
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {"registration/login.html": LOGIN_TEMPLATE},
                    ),
                    "django.template.loaders.app_directories.Loader",
                ],
                "context_processors": ["django.template.context_processors.request"],
            },
        }
    ],
    LOGIN_URL="/login/",
    OAUTH2_PROVIDER={
        "OIDC_ENABLED": True,
        "OIDC_RSA_PRIVATE_KEY": Path(CONFIG["key_file"]).read_text(),
        "OIDC_ISS_ENDPOINT": ISSUER,
        "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
        "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
        "PKCE_REQUIRED": True,
        "SCOPES": {"openid": "OpenID Connect", "email": "E-mail", "profile": "Profile"},
        "OAUTH2_VALIDATOR_CLASS": "__main__.Validator",
        "ALLOWED_REDIRECT_URI_SCHEMES": ["http", "https"],
    },
)
django.setup()

from django.contrib.auth import views as auth_views  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import include, path  # noqa: E402
from oauth2_provider.models import get_application_model  # noqa: E402
from oauth2_provider.oauth2_validators import OAuth2Validator  # noqa: E402

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
USERS = {user["username"]: user for user in CONFIG["users"]}


class Validator(OAuth2Validator):
    # Every claim the user has, whatever the scopes (the tests' groups claim is not standard).
    oidc_claim_scope = None

    def get_additional_claims(self, request):
        return dict(USERS[request.user.username].get("claims", {}))

    def get_id_token_dictionary(self, token, token_handler, request):
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        misbehave = USERS[request.user.username].get("misbehave")
        if misbehave == "expired":
            claims["exp"] = int(time.time()) - 3600
        elif misbehave == "wrong_audience":
            claims["aud"] = "some-other-portal"
        return claims, expiration


call_command("migrate", verbosity=0)
for spec in CONFIG["users"]:
    User.objects.create_user(spec["username"], password=spec["password"])
Application = get_application_model()
for client in CONFIG["clients"]:
    Application.objects.create(
        name=client["client_id"],
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(client["redirect_uris"]),
        post_logout_redirect_uris=" ".join(client.get("post_logout_redirect_uris", [])),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
application = get_wsgi_application()
print(json.dumps({"port": PORT}), flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
if CONFIG.get("until_pid"):
    # Shared by a test run's workers: ends with the run (its controller process).
    while Path(f"/proc/{CONFIG['until_pid']}").exists():
        time.sleep(1)
else:
    # Ends with its parent: the test closes stdin (or the pipe breaks) when it is done.
    sys.stdin.read()
server.shutdown()
# Its key and database (the directory the test made for it), and a shared provider's lock.
for directory in (Path(sys.argv[1]).parent, CONFIG.get("run_dir")):
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
