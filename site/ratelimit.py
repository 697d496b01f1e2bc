"""A fixed-window rate limit for public endpoints (KB search, votes, contact forms), counted in
the shared cache; nothing is written to the database."""

import hashlib

from django.core.cache import cache


def client_key(request):
    """An opaque key for the client address; the address itself is never stored."""
    address = request.META.get("REMOTE_ADDR", "")
    return hashlib.blake2b(address.encode(), digest_size=12, key=b"helpdesk.ratelimit").hexdigest()


def allow(scope, key, limit, window_seconds):
    """Count one hit for ``key``; False once more than ``limit`` hits fell in the window."""
    cache_key = f"ratelimit:{scope}:{key}"
    if cache.add(cache_key, 1, window_seconds):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.add(cache_key, 1, window_seconds)
        return True
    return count <= limit
