"""Everything the help desk reads from the environment, read in one place.

Each value is checked here so that a wrong setting stops start-up with one line naming
the variable and what is wrong (see ``ConfigError``), never a traceback deep in Django.
"""

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


class ConfigError(Exception):
    """A setting from the environment is missing or malformed; the message names it."""

    def __init__(self, variable, problem):
        self.variable = variable
        self.problem = problem
        super().__init__(f"{variable}: {problem}")


def env(name, default=None):
    value = os.environ.get(name)
    return default if value is None or value.strip() == "" else value.strip()


def env_bool(name, default=False):
    value = env(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(name, f"expected true or false, got {value!r}")


def env_int(name, default):
    value = env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(name, f"expected a whole number, got {value!r}") from None


def env_list(name, default):
    value = env(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def var_dir():
    path = Path(env("HELPDESK_VAR_DIR", str(BASE_DIR / "var"))).resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError("HELPDESK_VAR_DIR", f"cannot create {path}: {exc.strerror}") from None
    return path


def keep_secret_file(path, make):
    """Return the secret stored at ``path``, creating it once; never overwrite it."""
    path = Path(path)
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first: use theirs
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(make())
    return path.read_text().strip()


def secret_key(var):
    value = env("SECRET_KEY")
    if value is not None:
        if len(value) < 32:
            raise ConfigError("SECRET_KEY", "must be at least 32 characters long")
        return value
    return keep_secret_file(var / "secret_key", lambda: secrets.token_urlsafe(50))


def encryption_key(var):
    """Key that encrypts mailbox passwords and API secrets at rest (Fernet, base64)."""
    from cryptography.fernet import Fernet

    value = env("HELPDESK_ENCRYPTION_KEY")
    if value is None:
        value = keep_secret_file(var / "encryption_key", lambda: Fernet.generate_key().decode())
        variable = f"{var / 'encryption_key'}"
    else:
        variable = "HELPDESK_ENCRYPTION_KEY"
    try:
        Fernet(value.encode())
    except (ValueError, TypeError):
        raise ConfigError(variable, "must be 32 url-safe base64-encoded bytes (a Fernet key)") from None
    return value


def database(var):
    import dj_database_url

    url = env("DATABASE_URL")
    if url is None:
        config = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(var / "helpdesk.sqlite3"),
        }
    else:
        scheme = url.split("://", 1)[0] if "://" in url else ""
        if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
            raise ConfigError(
                "DATABASE_URL",
                f"unsupported or missing scheme {scheme!r}; use postgres://user@host:5432/name or sqlite:///path",
            )
        try:
            config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        except Exception as exc:  # dj-database-url raises several kinds of error
            raise ConfigError("DATABASE_URL", f"cannot be parsed ({exc})") from None
        if not config.get("NAME"):
            raise ConfigError("DATABASE_URL", "names no database")
        if config["ENGINE"].endswith("postgresql"):
            # Parameters travel apart from the SQL text: mail bytes and bodies are not escaped into
            # it in Python (storing raw mail took a quarter of the time with client-side binding).
            config.setdefault("OPTIONS", {})["server_side_binding"] = True
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {})
        # WAL lets the web server read while the worker writes; IMMEDIATE avoids
        # "database is locked" upgrades inside write transactions.
        config["OPTIONS"].update(
            {
                # mmap and a 32 MB page cache: random reads (tickets, search index) without a syscall each.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=10000; PRAGMA mmap_size=1073741824; PRAGMA cache_size=-32768;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            }
        )
        config["TEST"] = {"NAME": None}
    return config


def cache(var):
    url = env("REDIS_URL") or env("CACHE_URL")
    if url is None:
        # A file cache is shared by the web processes and the worker of one machine.
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(var / "cache"),
        }
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("REDIS_URL", f"expected redis://host:6379/0, got {url!r}")
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}


TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}


def task_backend():
    value = env("TASK_BACKEND", "database")
    backend = TASK_BACKENDS.get(value, value)
    if "." not in backend:
        raise ConfigError(
            "TASK_BACKEND",
            f"expected one of {', '.join(TASK_BACKENDS)} or a dotted backend path, got {value!r}",
        )
    return {"default": {"BACKEND": backend}}


def entry_point_plugins(group):
    """Django apps of plugins installed with pip (``[project.entry-points."helpdesk.plugins"]``)."""
    from importlib.metadata import entry_points

    return [entry_point.value for entry_point in entry_points(group=group)]
