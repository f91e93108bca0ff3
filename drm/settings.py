"""Settings, all read from the environment (see .env.example).

With no environment at all this is the embedded default: SQLite file, Celery eager, DEBUG off.
`drm.settings_production` hardens it for HTTPS deployments.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# drm.compiled builds each frozen query afresh too and fails on any difference (on in the tests).
COMPILED_QUERIES_CHECK = env.bool("COMPILED_QUERIES_CHECK", default=False)
COMPILED_QUERIES_PREPARE = env.bool("COMPILED_QUERIES_PREPARE", default=True)
# The fallback key only serves the embedded demo and tests; production settings refuse it.
SECRET_KEY = env("SECRET_KEY", default="insecure-embedded-demo-key-do-not-use-in-production")
# Secrets kept in the database (webhook signing secrets, SSO client secrets) are encrypted with
# Fernet: the first key encrypts, every key decrypts (add a new key first, run
# `manage.py rotate_field_keys`, then drop the old one). None set: one derived from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A refused form (expired token, cookies off) gets the portal's page and a way back.
CSRF_FAILURE_VIEW = "drm.error_pages.csrf_failure"

INSTALLED_APPS = [
    # django.contrib.admin, with a site that only the manufacturer's people may enter
    "identity.admin_site.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "django_htmx",
    "axes",
    "bootstrap",  # django-bootstrap-static: Bootstrap 5 CSS/JS as static files
    "simple_history",  # django-simple-history: the change history of distributors and others
    "django_otp",  # two-factor authentication: authenticator apps (TOTP)
    "django_otp.plugins.otp_totp",
    # ours, lowest first; drm holds no models, only shared commands (rotate_field_keys)
    "drm",
    "notifications",
    "identity",
    "distributors",
    "leads",
    "goals",
    "funds",
    "incentives",
    "scoring",
    "partnership",
    "tiers",
    "webhooks",
    "sso",
    "scim",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Browser's Accept-Language (and the language cookie) first; a user's own setting wins below.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed the second factor (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # A log-in that owes a code (or an authenticator app) reaches nothing else first.
    "identity.middleware.TwoFactorMiddleware",
    "identity.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Records the logged-in user on history records saved during a request (services that know
    # the user set it themselves).
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "drm.urls"
WSGI_APPLICATION = "drm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "identity.context_processors.portal",
                "notifications.context_processors.unread",
            ],
            # Dates as the reader writes them (short_date, long_date, date_time, year_month).
            "builtins": ["drm.formats.tags"],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# Postgres's JIT compiles a query whose estimated cost is high, which the portal's set-based
# queues reach with their per-row subqueries: at the bench's 10,000 distributors it spent 0.9 s
# compiling the review queue's count that then ran in 0.1 s. Off unless DATABASE_JIT=1.
if DATABASES["default"]["ENGINE"].endswith("postgresql") and not env.bool(
    "DATABASE_JIT", default=False
):
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default runs web, worker and beat on one SQLite file. WAL lets them read
    # while one of them writes; IMMEDIATE takes the write lock when a transaction begins, so two
    # transactions that read and then write wait for each other instead of one failing with
    # "database is locked"; a writer waits up to SQLITE_TIMEOUT seconds for the lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": env.int("SQLITE_TIMEOUT", default=60),
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
if env("TEST_DATABASE_NAME", default=""):
    # Lets parallel test runs on one Postgres server keep out of each other's way.
    DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("CACHE_URL", default=REDIS_URL),
        }
    }
elif env("CACHE_URL", default=""):
    # Without Redis, a cache URL of django-environ: `make run` gives its web, worker and beat one
    # directory (filecache:///path), so that a write in one process renews what the others cached.
    CACHES = {"default": env.cache_url("CACHE_URL")}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Refuses a right password of a user whose side signs in at its company only (sso/).
    "sso.backends.PasswordGateBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on: only ever answers the portal's own callback views.
    "sso.backends.ProviderOIDCBackend",
    "sso.backends.ProviderSAMLBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: lock a username+address pair out after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# Reverse proxies in front of the portal, each appending to X-Forwarded-For. 0: the header is
# ignored and the connection's address is the client's (a client-written header changes nothing).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# The lockout, the API throttles and the password-reset throttle all read the client's address
# here; axes' own X-Forwarded-For reading (django-ipware) is not installed nor used.
AXES_CLIENT_IP_CALLABLE = "drm.proxies.client_address"
# "Alice", "ALICE" and "alice" count as one username, so changing case resets nothing.
AXES_USERNAME_CALLABLE = "drm.accounts.lockout_username"

# Two-factor authentication (django-otp, authenticator apps): anyone may switch it on in
# "Your settings"; with this on, manufacturer admins must, and the Django admin asks every user
# it lets in for a verified log-in.
TWO_FACTOR_REQUIRED_FOR_ADMINS = env.bool("TWO_FACTOR_REQUIRED_FOR_ADMINS", default=False)
# The name authenticator apps show next to the user name.
OTP_TOTP_ISSUER = env("TWO_FACTOR_ISSUER", default="DRM portal")
# Wrong codes: the next try waits 1, 2, 4, 8... seconds (per user, across sessions).
OTP_TOTP_THROTTLE_FACTOR = 1
# The admin's device pages never show a key or its QR code once saved.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Single sign-on (sso/): the identity providers themselves are kept on the Integrations pages.
# The manufacturer's staff may no longer log in with a password (only at the company sign-in).
SSO_STAFF_PASSWORD_LOGIN_DISABLED = env.bool("SSO_STAFF_PASSWORD_LOGIN_DISABLED", default=False)
# Seconds of clock difference tolerated with a provider (ID token and assertion times).
SSO_CLOCK_SKEW = env.int("SSO_CLOCK_SKEW", default=60)
# Seconds the portal waits for a provider's token, keys and userinfo endpoints.
SSO_TIMEOUT = env.int("SSO_TIMEOUT", default=10)
# Providers' endpoints must be https:// (off only for tests and demos on loopback).
SSO_REQUIRE_HTTPS = env.bool("SSO_REQUIRE_HTTPS", default=not DEBUG)
# The manufacturer's own identity provider, written by `manage.py sso_staff_provider` (off until
# SSO_STAFF_DOMAINS names the staff's e-mail domains). OpenID Connect or SAML 2.0.
SSO_STAFF_PROVIDER = {
    "name": env("SSO_STAFF_NAME", default="Manufacturer sign-in"),
    "protocol": env("SSO_STAFF_PROTOCOL", default="oidc"),
    "domains": env.list("SSO_STAFF_DOMAINS", default=[]),
    "issuer": env("SSO_STAFF_OIDC_ISSUER", default=""),
    "client_id": env("SSO_STAFF_OIDC_CLIENT_ID", default=""),
    "client_secret": env("SSO_STAFF_OIDC_CLIENT_SECRET", default=""),
    "authorization_endpoint": env("SSO_STAFF_OIDC_AUTHORIZATION_ENDPOINT", default=""),
    "token_endpoint": env("SSO_STAFF_OIDC_TOKEN_ENDPOINT", default=""),
    "jwks_uri": env("SSO_STAFF_OIDC_JWKS_URI", default=""),
    "userinfo_endpoint": env("SSO_STAFF_OIDC_USERINFO_ENDPOINT", default=""),
    "end_session_endpoint": env("SSO_STAFF_OIDC_END_SESSION_ENDPOINT", default=""),
    "scopes": env("SSO_STAFF_OIDC_SCOPES", default="openid email profile"),
    "entity_id": env("SSO_STAFF_SAML_ENTITY_ID", default=""),
    "sso_url": env("SSO_STAFF_SAML_SSO_URL", default=""),
    "slo_url": env("SSO_STAFF_SAML_SLO_URL", default=""),
    "certificate": env("SSO_STAFF_SAML_CERTIFICATE", default=""),
    "email_claim": env("SSO_STAFF_EMAIL_CLAIM", default="email"),
    "role_claim": env("SSO_STAFF_ROLE_CLAIM", default="groups"),
    "admin_values": env("SSO_STAFF_ADMIN_VALUES", default=""),
    "manager_values": env("SSO_STAFF_MANAGER_VALUES", default=""),
    # Refuse a staff sign-in for which the provider does not say it checked a second factor.
    "require_provider_mfa": env.bool("SSO_STAFF_REQUIRE_PROVIDER_MFA", default=False),
}
# The staff's company sign-ins also owe the portal's own second factor (by default their
# provider answers for it), whichever provider of the manufacturer they sign in at.
SSO_STAFF_REQUIRE_PORTAL_2FA = env.bool("SSO_STAFF_REQUIRE_PORTAL_2FA", default=False)
# The portal's key and certificate as a SAML service provider (PEM files): with both, its
# AuthnRequests are signed and its metadata says so (AuthnRequestsSigned, the signing certificate).
SSO_SAML_SP_KEY_FILE = env("SSO_SAML_SP_KEY_FILE", default="")
SSO_SAML_SP_CERT_FILE = env("SSO_SAML_SP_CERT_FILE", default="")
# SAML signatures are checked by xmlsec1 (Debian: apt-get install xmlsec1).
SSO_XMLSEC_BINARY = env("SSO_XMLSEC_BINARY", default="/usr/bin/xmlsec1")

# E-mail (invitations, notifications, password resets): printed to the console unless
# EMAIL_URL names a server.
globals().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="DRM portal <noreply@localhost>")
# Where e-mailed links point: the portal as its users reach it.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Who may open the notification pages (a predicate on the user; truthy lets in).
NOTIFICATIONS_AUDIENCE = "identity.access.user_role"
# E-mails speak the user's language, else its distributor's preferred one.
NOTIFICATIONS_LANGUAGE = "identity.access.recipient_language"
# Password reset requests per e-mail address and per client address, per hour.
PASSWORD_RESET_RATE = env.int("PASSWORD_RESET_RATE", default=5)
# Applications the public form takes from one client address in an hour.
APPLICATION_RATE = env.int("APPLICATION_RATE", default=5)

LANGUAGE_CODE = "en"
# "en" is the European channel's English (dates day first); "en-us" the same words with the
# dates month first, for a browser that asks for US English, a user or a distributor that
# chooses it. Both read the one English text; the switcher shows EN and FR.
LANGUAGES = [("en", "English"), ("en-us", "English (United States)"), ("fr", "Français")]
# One format module per locale (drm/formats/<locale>/formats.py): the kinds of date in
# drm/formats/__init__.py.
FORMAT_MODULE_PATH = ["drm.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Where collectstatic gathers the files that whitenoise serves when DEBUG is off.
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "identity.authentication.TokenAuthentication",
        # Django's session, refused while the log-in still owes its second factor.
        "identity.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "drm.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "drm.search.DeclaredSearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drm.api.exception_handler",
    # docs/operator-guide.md, "Security and reliability": per token (else per user, else per
    # client address),
    # counted in the default cache; reads, writes and bulk actions each have their own budget.
    "DEFAULT_THROTTLE_CLASSES": [
        "drm.throttling.AnonRateThrottle",
        "drm.throttling.ReadRateThrottle",
        "drm.throttling.WriteRateThrottle",
        "drm.throttling.BulkRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_ANON_RATE", default="60/minute"),
        "user_read": env("API_READ_RATE", default="1200/minute"),
        "user_write": env("API_WRITE_RATE", default="300/minute"),
        "bulk": env("API_BULK_RATE", default="30/minute"),
    },
    # DRF's own client address (used by nothing of ours) trusts the same proxies.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
API_MAX_PAGE_SIZE = env.int("API_MAX_PAGE_SIZE", default=500)
API_MAX_PUSH_ROWS = env.int("API_MAX_PUSH_ROWS", default=5000)

SPECTACULAR_SETTINGS = {
    "TITLE": "DRM portal API",
    "DESCRIPTION": "Distributors, territories, product lines, revenue and investments.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets whose field name other models use too, read and written in several shapes.
    "ENUM_NAME_OVERRIDES": {
        "ActivityKindEnum": "goals.models.Activity.Kind",
        "LandmarkReviewStatusEnum": "goals.models.LandmarkReview.Status",
        "BonusBandKindEnum": "goals.models.BonusBand.Kind",
        "FundKindEnum": "funds.models.Fund.Kind",
        "ProgrammeKindEnum": "incentives.models.Programme.Kind",
        "SettlementKindEnum": "incentives.models.Settlement.Kind",
        "EntryKindEnum": "incentives.models.Entry.Kind",
        # The stages a CRM's outcome push moves a lead to (a subset of the lead's statuses).
        "OutcomeStageEnum": "leads.serializers.OUTCOME_STAGES",
        "MaterialStageEnum": "leads.models.Material.Stage",
    },
    # Schema and docs for users with a portal role only, like the API they describe.
    "SERVE_PERMISSIONS": ["identity.access.HasPortalRole"],
    # The API's bodies are JSON. DRF also parses HTML forms (for the browsable API), where it
    # reads an empty field as null: a form is no part of the contract the schema states.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # Every operation's failures in the one error shape (drm.api.exception_handler).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "drm.openapi.error_responses",
    ],
}

# Celery: with no REDIS_URL every task runs eagerly in-process, unless a broker is named: `make run`
# runs a worker and beat on kombu's SQLAlchemy transport over a SQLite file (sqla+sqlite:///path).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
# Eager tasks (demo, tests) fail like a worker's: on_failure records it, the page stays up.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A message delivered this many times without finishing (its worker died each time) fails
# instead of running again (drm/task_policy.py).
CELERY_TASK_MAX_DELIVERIES = env.int("CELERY_TASK_MAX_DELIVERIES", default=3)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if CELERY_BROKER_URL.startswith(("sqla+", "sqlalchemy+")):
    # The SQLAlchemy transport hands these to create_engine: a publisher waits for SQLite's lock
    # instead of failing. It has no broadcast, so no remote control (`celery inspect`).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"connect_args": {"timeout": 30}}
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
else:
    # Redis re-delivers an unacked task after this; it must outlast the hard time limit.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 600}
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="drm")
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "expire-stale-imports": {
        "task": "distributors.tasks.import_batches_expire",
        "schedule": 60 * 60,
    },
    # Account managers are told of contracts due for renewal (CONTRACT_RENEWAL_DAYS).
    "contract-renewals": {
        "task": "distributors.tasks.contract_renewals_notify",
        "schedule": crontab(hour=env.int("GOALS_DAILY_HOUR", default=5), minute=10),
    },
    # Leads past their accept deadline are re-routed or escalated.
    "lead-deadlines": {
        "task": "leads.tasks.leads_deadlines_enforce",
        # Seconds; a fraction of a minute is allowed (tests run the demo's beat every 3 s).
        "schedule": max(1, round(60 * env.float("LEAD_DEADLINE_CHECK_MINUTES", default=5))),
    },
    # Goals: landmark reviews, the early warning, settlement of goals past due, reminders.
    "goals-daily": {
        "task": "goals.tasks.goals_daily",
        "schedule": crontab(hour=env.int("GOALS_DAILY_HOUR", default=5), minute=0),
    },
    # Funds: approved requests past their claim deadline expire, claims due soon are reminded.
    "funds-daily": {
        "task": "funds.tasks.funds_daily",
        "schedule": crontab(hour=env.int("GOALS_DAILY_HOUR", default=5), minute=20),
    },
    # Funds: the incremental revenue of the paid activities and programmes whose effect window
    # is over, before the scoring reads it.
    "impact-estimates": {
        "task": "funds.tasks.impact_estimates_refresh",
        "schedule": crontab(hour=env.int("IMPACT_HOUR", default=1), minute=30),
    },
    # Incentive programmes: every programme under way accrues from the revenue held.
    "programmes-accrue": {
        "task": "incentives.tasks.programmes_accrue",
        "schedule": crontab(hour=env.int("GOALS_DAILY_HOUR", default=5), minute=30),
    },
    # Training: certificates ending within 60 days are told to their holders and partner admins.
    "certificates-expiring": {
        "task": "partnership.tasks.certificates_expiring_notify",
        "schedule": crontab(hour=env.int("GOALS_DAILY_HOUR", default=5), minute=40),
    },
    # Onboarding: steps the portal checks (first revenue, first training…) are marked done, and
    # the journeys they complete open access, every 30 minutes.
    "onboarding-checks": {
        "task": "partnership.tasks.onboardings_refresh",
        "schedule": crontab(minute="*/30"),
    },
    # Onboarding: steps due within 3 days, or overdue, are told to their owners once.
    "onboarding-steps-due": {
        "task": "partnership.tasks.steps_due_notify",
        "schedule": crontab(hour=env.int("GOALS_DAILY_HOUR", default=5), minute=45),
    },
    # Scoring: tonight's scorecards and rankings (the time is editable in django-celery-beat).
    "scoring-nightly": {
        "task": "scoring.tasks.scoring_nightly",
        "schedule": crontab(
            hour=env.int("SCORING_HOUR", default=2), minute=env.int("SCORING_MINUTE", default=30)
        ),
    },
    # Tiers: every active or probation distributor requalified against its tier's requirements;
    # tier changes proposed to the managers (TIER_DOWNGRADE_GRACE_DAYS before a downgrade).
    "tiers-requalify": {
        "task": "tiers.tasks.tiers_requalify",
        "schedule": crontab(hour=env.int("TIERS_HOUR", default=3), minute=30),
    },
    # Webhooks: deliveries due whose task was lost, and retries hours away, are queued.
    "webhook-deliveries": {
        "task": "webhooks.tasks.webhook_deliveries_sweep",
        "schedule": 60,
    },
    # Webhooks: events settled more than 90 days ago leave the delivery log.
    "webhook-log-prune": {
        "task": "webhooks.tasks.webhook_log_prune",
        "schedule": crontab(hour=4, minute=15),
    },
    "sso-saml-seen-prune": {
        "task": "sso.tasks.saml_seen_prune",
        "schedule": crontab(hour=4, minute=20),
    },
    "notification-digests": {
        "task": "notifications.tasks.notification_digests_send",
        "schedule": crontab(hour=env.int("NOTIFICATION_DIGEST_HOUR", default=7), minute=0),
    },
}

# Domain settings
REPORTING_CURRENCY = env("REPORTING_CURRENCY", default="EUR")
# Imports (docs/user-guide-managers.md, "Importing"): an upload larger than IMPORT_MAX_BYTES
# is cut off while it streams in; the row cap and the XLSX unpacking limits keep one file from
# exhausting a worker.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=64 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=2_000_000)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=512 * 1024 * 1024)
IMPORT_MAX_UNPACK_RATIO = env.int("IMPORT_MAX_UNPACK_RATIO", default=100)
# Sheets are streamed, but every other part of an .xlsx (the shared strings above all) is read
# whole, at several times its size in memory: none may unpack past this.
IMPORT_MAX_XLSX_PART_BYTES = env.int("IMPORT_MAX_XLSX_PART_BYTES", default=100 * 1024 * 1024)
# No real import has more columns, longer lines (CSV) or longer values than these: a file that
# does is refused (naming the line, or the row and column) before its rows are checked.
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=100)
IMPORT_MAX_LINE_BYTES = env.int("IMPORT_MAX_LINE_BYTES", default=64 * 1024)
IMPORT_MAX_CELL_CHARS = env.int("IMPORT_MAX_CELL_CHARS", default=10_000)
IMPORT_CHUNK_ROWS = env.int("IMPORT_CHUNK_ROWS", default=25_000)
IMPORT_EXPIRE_HOURS = env.int("IMPORT_EXPIRE_HOURS", default=72)
IMPORT_STUCK_MINUTES = env.int("IMPORT_STUCK_MINUTES", default=60)
# Leads: how many overdue leads one run of the deadline job handles (the next run takes the rest).
LEAD_DEADLINE_BATCH = env.int("LEAD_DEADLINE_BATCH", default=2000)
# Goals (docs/user-guide-managers.md, "Goals"): the SMART check refuses a target implying more
# growth over its baseline than GOAL_ABSURD_GROWTH_PCT, warns when a percentage target asks for
# more than GOAL_WARN_POINTS points (refuses beyond three times that), and warns when the growth
# asked passes the distributor's own trend by more than GOAL_TREND_MARGIN_POINTS.
# Figures read from the whole revenue table (a team goal's channel revenue) are cached for this
# long at most; any revenue write renews them at once (distributors.revenue_epoch).
REVENUE_CACHE_SECONDS = env.int("REVENUE_CACHE_SECONDS", default=15 * 60)
GOAL_ABSURD_GROWTH_PCT = env.int("GOAL_ABSURD_GROWTH_PCT", default=300)
GOAL_WARN_POINTS = env.int("GOAL_WARN_POINTS", default=15)
GOAL_TREND_MARGIN_POINTS = env.int("GOAL_TREND_MARGIN_POINTS", default=25)
# An on-track landmark review closes itself this many days after its landmark's month ended
# (the time distributors have to report a month): its figures are final then
# (docs/user-guide-managers.md, "Goals").
GOAL_REVIEW_SETTLE_DAYS = env.int("GOAL_REVIEW_SETTLE_DAYS", default=30)
# A contract ending within this many days is flagged "renewal due" (distributor page, list,
# dashboard) and its account manager is told once by the daily job.
CONTRACT_RENEWAL_DAYS = env.int("CONTRACT_RENEWAL_DAYS", default=90)
# Scoring (docs/user-guide-managers.md, "Scoring"): published runs kept this many days (trends,
# movement arrows);
# a missed landmark still not accounted for this many days after its review opened is overdue.
SCORING_RETENTION_DAYS = env.int("SCORING_RETENTION_DAYS", default=400)
SCORING_ACCOUNTING_DAYS = env.int("SCORING_ACCOUNTING_DAYS", default=14)
# How long the scorecards API keeps a rendered answer (per run, query, caller scope, language and
# format) in the cache; 0 turns it off. A new run is new keys, so it never serves an old ranking.
SCORING_API_CACHE_SECONDS = env.int("SCORING_API_CACHE_SECONDS", default=24 * 60 * 60)
# Fair rates and ranks (scoring.shrinkage): the dashboard lists a distributor as in the bottom
# quartile only when the data put it there with at least this probability; a rate of counts is
# shrunk toward its tier, or toward the whole channel when fewer than this many of the tier have
# the figure.
SCORING_BOTTOM_QUARTILE_PROBABILITY = env.float("SCORING_BOTTOM_QUARTILE_PROBABILITY", default=0.8)
SCORING_SHRINKAGE_MIN_PEERS = env.int("SCORING_SHRINKAGE_MIN_PEERS", default=10)
# A team goal's plan: the weights of potential, history and peers' penetration in each
# distributor's share, "fit" (fitted on the channel's past year) or "potential=0.4,history=0.4,
# peers=0.2"; and how many distributors with revenue in both years a fit needs.
GOALS_PLAN_WEIGHTS = env.str("GOALS_PLAN_WEIGHTS", default="fit")
GOALS_PLAN_FIT_MINIMUM = env.int("GOALS_PLAN_FIT_MINIMUM", default=10)
# The SMART check's ratchet warning: a target's rise after a good year may exceed its fall after
# a bad one by this many percentage points before it is called a ratchet.
GOALS_RATCHET_TOLERANCE = env.float("GOALS_RATCHET_TOLERANCE", default=1.0)
# Tiers (docs/user-guide-managers.md, "Tiers"): a distributor that falls short of its tier's
# requirements is proposed a downgrade only once it has fallen short every night for this many
# days; an upgrade is proposed the night it is earned.
TIER_DOWNGRADE_GRACE_DAYS = env.int("TIER_DOWNGRADE_GRACE_DAYS", default=90)
# Webhooks (README, "Webhooks"): deliveries go to public http(s) addresses only, unless
# WEBHOOK_ALLOW_PRIVATE (private, loopback and link-local addresses too: a receiver on the same
# network; off by default). Each attempt waits WEBHOOK_TIMEOUT_SECONDS at most to connect and
# for each read, and reads at most WEBHOOK_MAX_RESPONSE_BYTES of the answer. A subscription is
# disabled (its owners told) after WEBHOOK_DISABLE_AFTER failed attempts in a row.
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5)
WEBHOOK_MAX_RESPONSE_BYTES = env.int("WEBHOOK_MAX_RESPONSE_BYTES", default=64 * 1024)
WEBHOOK_DISABLE_AFTER = env.int("WEBHOOK_DISABLE_AFTER", default=20)
# Provisioning (README, "Provisioning (SCIM 2.0)"): a SCIM list answers at most SCIM_MAX_RESULTS
# users a page (a directory asking for more gets this many and pages on with startIndex).
SCIM_MAX_RESULTS = env.int("SCIM_MAX_RESULTS", default=100)
# Uploaded catalogue files (sales materials); served to portal users only, never publicly.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MATERIAL_MAX_BYTES = env.int("MATERIAL_MAX_BYTES", default=25 * 1024 * 1024)
# Market development funds (docs/operator-guide.md, "Settings"): a partner claims an approved
# request within FUNDS_CLAIM_DAYS after its activity ends; a proof file (PDF, JPEG, PNG, CSV,
# XLSX) is at most FUNDS_PROOF_MAX_BYTES; FUNDS_PROOF_SCAN is the dotted path of a callable(file)
# that raises or returns False to refuse a file (a virus scanner), empty for none.
FUNDS_CLAIM_DAYS = env.int("FUNDS_CLAIM_DAYS", default=60)
FUNDS_PROOF_MAX_BYTES = env.int("FUNDS_PROOF_MAX_BYTES", default=10 * 1024 * 1024)
FUNDS_PROOF_SCAN = env("FUNDS_PROOF_SCAN", default="")
# A revenue figure priced with a rate older than this many months is flagged as stale.
EXCHANGE_RATE_MAX_AGE_MONTHS = env.int("EXCHANGE_RATE_MAX_AGE_MONTHS", default=3)
# Request bodies other than files (an API push of API_MAX_PUSH_ROWS rows fits).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
# Uploads go to a temporary file past 2.5 MB, and stop being stored once past IMPORT_MAX_BYTES.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "ingest.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # pysaml2's schema library tells of every schema it loads at INFO: noise on every command.
    "loggers": {"axes": {"level": "WARNING"}, "xmlschema": {"level": "WARNING"}},
}
