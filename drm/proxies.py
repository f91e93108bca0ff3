"""The client's address, trusting X-Forwarded-For only as far as TRUSTED_PROXY_COUNT proxies."""

import ipaddress

from django.conf import settings


def _valid(address):
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_address(request):
    """The address the request came from, as the outermost trusted proxy saw it.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so
    the client is the TRUSTED_PROXY_COUNT-th entry from the right; whatever a client writes
    further left is never read. With no trusted proxy (the default) the header is ignored. A
    header with fewer entries than trusted proxies, or an entry that is not an address, falls
    back to the connection's own address.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < count:
        return remote
    client = hops[-count]
    return client if _valid(client) else remote
