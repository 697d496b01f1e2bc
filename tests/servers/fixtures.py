"""The pytest plugin of the real-server fixtures (loaded by tests/conftest.py).

One import line per server module; the fixtures themselves live beside their server.
"""

from tests.servers.browser import browser, new_page  # noqa: F401
from tests.servers.dovecot import dovecot, imap_account  # noqa: F401
from tests.servers.smtp import _smtp_session_server, smtp_auth_server, smtp_server  # noqa: F401
from tests.servers.woocommerce import woocommerce_store  # noqa: F401
