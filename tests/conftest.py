"""Shared fixtures. Real servers (dovecot, aiosmtpd, Chromium) live in tests/servers/."""

pytest_plugins = ["tests.servers.fixtures"]
