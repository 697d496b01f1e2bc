"""Hooks the site itself fires (apps fire their own, declared in their hookspecs modules)."""

from .hooks import define_action

WORKER_TICK = define_action(
    "site.worker_tick",
    "Fired by the background poller (manage.py fetch_mail) every few seconds. Args: none. "
    "Keep it quick; do periodic work here (sending due replies, flushing counters, syncing).",
)
