"""Secrets at rest: mailbox passwords and API keys are stored Fernet-encrypted.

The key is ``settings.HELPDESK_ENCRYPTION_KEY`` (generated once under ``var/`` or given by
the environment). Values are decrypted only when a connection needs them and are never
rendered back into forms, pages, logs or error messages.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models

PREFIX = "fernet:"


@lru_cache(maxsize=4)
def _fernet(key):
    return Fernet(key.encode())


def encrypt(value):
    if not value:
        return ""
    return PREFIX + _fernet(settings.HELPDESK_ENCRYPTION_KEY).encrypt(value.encode()).decode()


class UndecryptableSecret(Exception):
    """The stored secret was encrypted with another key (the key under var/ was replaced)."""


def decrypt(stored):
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        return stored  # written before encryption, e.g. by a raw SQL import
    try:
        return _fernet(settings.HELPDESK_ENCRYPTION_KEY).decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise UndecryptableSecret(
            "a stored password cannot be decrypted with HELPDESK_ENCRYPTION_KEY; enter it again"
        ) from None


class SecretValue(str):
    """A decrypted secret whose repr never shows it (tracebacks, debug pages, logs)."""

    def __repr__(self):
        return "'********'" if self else "''"


class EncryptedTextField(models.TextField):
    """A text field encrypted in the database; reads give a :class:`SecretValue`."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        try:
            return SecretValue(decrypt(value))
        except UndecryptableSecret:
            return SecretValue("")

    def to_python(self, value):
        if isinstance(value, str) and value.startswith(PREFIX):
            return SecretValue(decrypt(value))
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return encrypt(str(value))
