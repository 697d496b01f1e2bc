"""`make run`'s two steps on a fresh var/: set-up with demo content, then the served site."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_env(var_dir):
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env.update({"HELPDESK_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "helpdesk_site.settings.base"})
    if "DATABASE_URL" in env:  # keep the run's database apart from the test database
        env.pop("DATABASE_URL")
    return env


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def test_first_run_seeds_demo_content_serves_the_site_and_a_second_run_keeps_everything(tmp_path):
    env = run_env(tmp_path)
    first = subprocess.run(
        [sys.executable, "manage.py", "setup_site"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.returncode == 0, first.stderr
    assert "Password:" in first.stdout
    assert "shown only once" in first.stdout

    second = subprocess.run(
        [sys.executable, "manage.py", "setup_site"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert second.returncode == 0, second.stderr
    assert "Password:" not in second.stdout  # nothing re-seeded, no new administrator

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port), "--web-workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, home = fetch(f"http://127.0.0.1:{port}/")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "the site did not answer within 60 s"
                time.sleep(0.3)
        assert status == 200
        assert "How can we help?" in home
        assert '<html lang="en" dir="ltr">' in home
        status, login = fetch(f"http://127.0.0.1:{port}/admin/login/")
        assert status == 200 and "csrfmiddlewaretoken" in login
        status, css = fetch(f"http://127.0.0.1:{port}/static/css/site.css")
        assert status == 200 and "--accent" in css  # WhiteNoise serves static files with DEBUG off
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=40)
    assert server.returncode == 0, output
    assert "Stopped." in output
