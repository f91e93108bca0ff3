"""Shared bits of the funds API tests: a client per persona, the routes, and what a refused
call must leave as it was."""

import contextlib

from django.urls import reverse
from rest_framework.test import APIClient

from tests.funds.state import state


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def route(name, *args):
    return reverse(f"api:{name}", args=args)


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


@contextlib.contextmanager
def unchanged():
    """The block changes no funds row, history, notice, investment nor stored file."""
    before = state()
    yield
    assert state() == before


def refused(response, code, field=None):
    """`response` is a refusal with `code`, in the one error shape, naming `field`."""
    assert response.status_code == code, response.content
    error = response.json()["error"]
    if field is not None:
        assert field in error.get("fields", {}), error
    return error
