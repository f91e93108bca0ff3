"""A page's POSTed act, the same way on every page: refused is 403, a broken rule is a message,
done is a message; back to where the act was asked either way. And the page that shows a secret
once."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render

from .errors import DomainError, NotAllowed


def act(request, back, do, done):
    """Run `do()`; then back to `back` (a URL, or an object with one) with `done` as the
    message, or the rule it broke. NotAllowed is a 403."""
    try:
        do()
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(back)


def form_refusal(form, exc):
    """A service's refusal (DomainError) on a page's form: on the field it names, else on the
    form; NotAllowed is a 403."""
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(exc.message) from exc
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def shown_once(request, template, context):
    """The page that shows a secret this once (a token, a signing secret): no cache keeps it."""
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response
