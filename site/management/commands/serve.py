"""Second step of ``make run``: the production web server and the background workers together.

Runs gunicorn (static files through WhiteNoise), the task worker (django-tasks-db's
``db_worker``) and the mail poller (``fetch_mail``) as child processes; Ctrl-C or SIGTERM
stops all three cleanly, and if one dies the others are stopped too.
"""

import os
import signal
import socket
import subprocess
import sys
import time

from django.core.management.base import BaseCommand, CommandError


def port_is_free(host, port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class Command(BaseCommand):
    help = "Serve the help desk with gunicorn and run the task worker and mail poller."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)))

    def handle(self, *args, host, port, web_workers, **options):
        if not port_is_free(host, port):
            raise CommandError(
                f"Port {port} on {host} is already in use. Stop the program using it, "
                f"or choose another port: make run PORT={port + 1}"
            )
        python = sys.executable
        manage = [python, "manage.py"]
        commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "helpdesk_site.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
            ],
            "tasks": [*manage, "task_worker", "--queue-name", "*", "--interval", "1", "--no-reload"],
            "mail": [*manage, "fetch_mail"],
        }
        children = {}
        stopping = False

        def stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for name, command in commands.items():
            # Own process group: the terminal's Ctrl-C reaches us, and we stop children in order.
            children[name] = subprocess.Popen(command, start_new_session=True)
        self.stdout.write(f"Help desk running at http://{host}:{port}/ (admin: /admin/). Ctrl-C stops it.")

        failed = None
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    failed = (name, child.returncode)
                    stopping = True
                    break
            time.sleep(0.5)

        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if failed:
            raise CommandError(
                f"The {failed[0]} process stopped unexpectedly (exit code {failed[1]}); all stopped."
            )
        self.stdout.write("Stopped.")
