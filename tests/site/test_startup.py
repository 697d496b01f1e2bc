"""Start-up: settings errors are one clear line, the port check, and var/ is never overwritten."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, env_extra=None, var_dir):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"HELPDESK_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "helpdesk_site.settings.base"})
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "variable, value, expected",
    [
        ("DATABASE_URL", "mysql-ish:/nothing", "DATABASE_URL: unsupported or missing scheme"),
        ("DATABASE_URL", "postgres://user@host:5432/", "DATABASE_URL: names no database"),
        ("DEBUG", "perhaps", "DEBUG: expected true or false, got 'perhaps'"),
        ("REDIS_URL", "memcached://x", "REDIS_URL: expected redis://host:6379/0"),
        ("SECRET_KEY", "short", "SECRET_KEY: must be at least 32 characters long"),
        ("HELPDESK_ENCRYPTION_KEY", "not-a-key", "HELPDESK_ENCRYPTION_KEY: must be 32 url-safe"),
        ("TASK_BACKEND", "rq", "TASK_BACKEND: expected one of database, immediate"),
    ],
)
def test_a_malformed_setting_stops_start_up_with_one_line_naming_it(tmp_path, variable, value, expected):
    result = manage("check", env_extra={variable: value}, var_dir=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("Configuration error: " + expected)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_named_without_a_traceback(tmp_path):
    result = manage(
        "setup_site", env_extra={"DATABASE_URL": "postgres://nobody@127.0.0.1:9/x"}, var_dir=tmp_path
    )
    assert result.returncode != 0
    assert "DATABASE_URL: cannot connect to the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_port_in_use_gets_a_clear_message(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = manage("serve", "--port", str(port), var_dir=tmp_path)
    assert result.returncode != 0
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr
    assert f"make run PORT={port + 1}" in result.stderr


def test_generated_keys_are_kept_and_never_overwritten(tmp_path):
    assert manage("check", var_dir=tmp_path).returncode == 0
    secret = (tmp_path / "secret_key").read_text()
    key = (tmp_path / "encryption_key").read_text()
    assert len(secret) >= 50
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert manage("check", var_dir=tmp_path).returncode == 0
    assert (tmp_path / "secret_key").read_text() == secret
    assert (tmp_path / "encryption_key").read_text() == key
