"""Actions and filters: the thin helper over ``wagtail.hooks`` that the core fires.

An *action* notifies: every registered function is called with the arguments and what
it returns is ignored. A *filter* transforms: the value is passed through each function
in order (lowest ``order`` first) and each must return the value, changed or not.
Every name the core fires is declared with :func:`define_action` or :func:`define_filter`
so that a misspelt name fails loudly and docs/plugins.md can be checked against them.
"""

import logging
from dataclasses import dataclass

from wagtail import hooks as wagtail_hooks

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HookSpec:
    name: str
    kind: str  # "action" or "filter"
    doc: str


_defined = {}


def _define(name, kind, doc):
    existing = _defined.get(name)
    if existing and existing.kind != kind:
        raise ValueError(f"hook {name!r} is already defined as an {existing.kind}")
    _defined[name] = HookSpec(name, kind, doc)
    return name


def define_action(name, doc):
    return _define(name, "action", doc)


def define_filter(name, doc):
    return _define(name, "filter", doc)


def defined_hooks():
    return dict(_defined)


def _spec(name, kind):
    spec = _defined.get(name)
    if spec is None or spec.kind != kind:
        raise LookupError(f"{name!r} is not a defined {kind}; define it with define_{kind}()")
    return spec


def do_action(name, *args, **kwargs):
    """Call every active function registered for the action ``name``.

    A failing plugin function is logged and does not stop the others or the core:
    a broken plugin must never lose a customer's message.
    """
    _spec(name, "action")
    for fn in wagtail_hooks.get_hooks(name):
        try:
            fn(*args, **kwargs)
        except Exception:
            logger.exception("plugin action %s failed in %s.%s", name, fn.__module__, fn.__qualname__)


def apply_filters(name, value, *args, **kwargs):
    """Pass ``value`` through every active function registered for the filter ``name``.

    A function that raises is logged and skipped: the value goes on unchanged by it.
    """
    _spec(name, "filter")
    for fn in wagtail_hooks.get_hooks(name):
        try:
            value = fn(value, *args, **kwargs)
        except Exception:
            logger.exception("plugin filter %s failed in %s.%s", name, fn.__module__, fn.__qualname__)
    return value
