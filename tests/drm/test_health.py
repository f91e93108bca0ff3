"""/healthz: database and broker status as JSON, 503 when either is down."""

import os
import socket

import pytest
from django.test import override_settings

from drm.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_url():
    """Point the Celery app at another broker for one test, then let settings rule again."""
    changes = celery_app.conf.changes
    had, previous = "broker_url" in changes, changes.get("broker_url")

    def point_at(url):
        celery_app.conf.broker_url = url

    yield point_at
    if had:
        changes["broker_url"] = previous
    else:
        changes.pop("broker_url", None)


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_healthz_reports_the_database_ok_and_the_broker_eager_in_the_embedded_default(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"] == {"ok": True, "mode": "eager"}


def test_healthz_needs_no_login(client):
    response = client.get("/healthz", follow=False)

    assert response.status_code in (200, 503)
    assert "checks" in response.json()


@pytest.mark.services
@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_reports_the_real_redis_broker_ok(client, broker_url):
    broker_url(os.environ["REDIS_URL"])

    response = client.get("/healthz")

    assert response.status_code == 200, response.content
    assert response.json()["checks"]["broker"] == {"ok": True, "mode": "broker"}


@override_settings(CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_answers_503_when_the_broker_does_not_answer(client, broker_url):
    broker_url(f"redis://127.0.0.1:{closed_port()}/0")

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
