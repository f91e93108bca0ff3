"""API rate limits: per token, per signed-in user or per client address, counted in the cache.

Each limit is a fixed window counted with one atomic `incr` in the default cache (Redis when
REDIS_URL is set), so every web process shares the count and a busy client costs one round
trip, not a list of timestamps. Rates come from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
(API_*_RATE in the environment) and are read on each request, so tests and benches can change them.
"""

import functools
import hashlib
import math
import time

from django.core.cache import cache
from django.shortcuts import render
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from .proxies import client_address

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
PERIODS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}


def parse_rate(rate):
    """DRF's rate syntax: "120/minute" (or /second, /hour, /day, or their first letter)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0]]


def caller_ident(request):
    """Who is counted: the token (hashed: its key never reaches the cache), else the user."""
    token = getattr(request, "auth", None)
    key = getattr(token, "key", None)
    if key:
        return "token:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"user:{request.user.pk}"


def spend(scope, ident, rate):
    """Count one request of `ident` in `scope`: None while within `rate`, else seconds to wait."""
    allowed, duration = parse_rate(rate)
    now = time.time()
    window = int(now // duration)
    key = f"throttle:{scope}:{ident}:{window}"
    cache.add(key, 0, duration + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, duration + 1)
        count = 1
    if count <= allowed:
        return None
    return (window + 1) * duration - now


def bulk_rate_limited(view):
    """A page's heavy POST (an upload, a recompute) spends the user's bulk budget, as the API's.

    Past it the page answers 429 with Retry-After; the signed-in user is checked before.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(BulkRateThrottle.scope)
        if request.method == "POST" and rate:
            wait = spend(BulkRateThrottle.scope, f"user:{request.user.pk}", rate)
            if wait is not None:
                seconds = math.ceil(wait)
                response = render(request, "429.html", {"seconds": seconds}, status=429)
                response["Retry-After"] = str(seconds)
                return response
        return view(request, *args, **kwargs)

    return wrapper


class CallerRateThrottle(BaseThrottle):
    """Counts signed-in callers' requests in `scope`, for the requests `applies` to."""

    scope = ""

    def __init__(self):
        self.retry_after = None

    def applies(self, request, view):
        return True

    def ident(self, request):
        user = getattr(request, "user", None)
        if not (user and user.is_authenticated):
            return None
        return caller_ident(request)

    def allow_request(self, request, view):
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if not rate or not self.applies(request, view):
            return True
        ident = self.ident(request)
        if ident is None:
            return True
        self.retry_after = spend(self.scope, ident, rate)
        return self.retry_after is None

    def wait(self):
        return self.retry_after


class AnonRateThrottle(CallerRateThrottle):
    """Calls without credentials (the token endpoint, refused calls), per client address."""

    scope = "anon"

    def ident(self, request):
        user = getattr(request, "user", None)
        if user and user.is_authenticated:
            return None
        return "addr:" + client_address(request)


class ReadRateThrottle(CallerRateThrottle):
    scope = "user_read"

    def applies(self, request, view):
        return request.method in SAFE_METHODS


class WriteRateThrottle(CallerRateThrottle):
    scope = "user_write"

    def applies(self, request, view):
        return request.method not in SAFE_METHODS


class BulkRateThrottle(CallerRateThrottle):
    """The heavy actions a view names in `bulk_actions` (pushes of many rows, recomputes)."""

    scope = "bulk"

    def applies(self, request, view):
        return getattr(view, "action", None) in getattr(view, "bulk_actions", ())
