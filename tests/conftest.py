"""Shared fixtures. Real servers (dovecot, aiosmtpd, Chromium) live in tests/servers/."""

import pytest

pytest_plugins = ["tests.servers.fixtures"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a count cached for user 1 by one test (the inbox menu
    keeps its counts a few seconds) must not show in the next test's user 1, whose rows differ."""
    from django.core.cache import cache

    cache.clear()
    yield
