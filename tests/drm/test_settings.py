"""Settings: production passes `check --deploy`, refuses the demo key; .env.example is complete."""

import ast
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILES = [ROOT / "drm" / "settings.py", ROOT / "drm" / "settings_production.py"]
INSECURE_DEMO_KEY = "insecure-embedded-demo-key-do-not-use-in-production"


def manage(*args, **env_overrides):
    env = {**os.environ, **env_overrides}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**overrides):
    return {
        "DJANGO_SETTINGS_MODULE": "drm.settings_production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "drm.example.com",
        "DEBUG": "0",
        # Pinned so that a developer's .env cannot weaken what `check --deploy` sees.
        "SECURE_SSL_REDIRECT": "1",
        "SECURE_HSTS_SECONDS": "31536000",
        **overrides,
    }


def test_production_settings_pass_check_deploy_without_a_single_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_env())

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output


def test_production_settings_keep_debug_off_even_when_the_environment_asks_for_it():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings; print('DEBUG', settings.DEBUG)",
        **production_env(DEBUG="1"),
    )

    assert result.returncode == 0, result.stderr
    assert "DEBUG False" in result.stdout


def test_production_settings_refuse_the_insecure_demo_key():
    result = manage("check", **production_env(SECRET_KEY=INSECURE_DEMO_KEY))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_the_embedded_default_key_is_the_one_production_refuses():
    # The test run has no SECRET_KEY of its own unless a developer's .env sets one.
    if "SECRET_KEY" in os.environ:
        pytest.skip("SECRET_KEY is set in this environment")
    assert settings.SECRET_KEY == INSECURE_DEMO_KEY


def variables_read_by(path):
    """Names passed to env(...), env.int(...), env.db(...) and friends in a settings module."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        reads_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
            and func.attr != "read_env"
        )
        first = node.args[0]
        if reads_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def test_env_example_lists_every_variable_the_settings_read():
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    read = set().union(*(variables_read_by(path) for path in SETTINGS_FILES))

    assert read, "found no env(...) calls: did the settings stop using django-environ?"
    assert read - listed == set(), "add these to .env.example with a comment"


@pytest.mark.django_db
def test_postgres_jit_is_off_unless_asked(settings):
    """Postgres's JIT spent 0.9 s compiling the review queue's count at the bench's scale; the
    portal's connections turn it off (DATABASE_JIT=1 turns it back on)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("Postgres only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'drm.settings'; "
        "django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options', ''))"
    )
    env = {**os.environ, "DATABASE_JIT": "1"}
    on = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert "jit=off" not in on.stdout, on.stderr
