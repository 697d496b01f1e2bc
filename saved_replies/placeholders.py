"""Placeholders a saved reply may contain, filled in for the ticket it is inserted into.

Values are HTML-escaped before they go into the reply. A placeholder whose value is
unknown (e.g. a customer without a name) stays as written, so the agent sees it and
fills it in before sending instead of sending "Hi ,".
"""

import re

from django.utils.html import escape
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


def _customer_name(ticket, agent):
    return ticket.customer.name.strip()


def _customer_first_name(ticket, agent):
    name = ticket.customer.name.strip()
    return name.split()[0] if name else ""


def _agent_name(ticket, agent):
    return agent.get_full_name().strip() or agent.get_username()


PLACEHOLDERS = {
    "customer.name": (_("the customer's full name"), _customer_name),
    "customer.first_name": (_("the first word of the customer's name"), _customer_first_name),
    "customer.email": (
        _("the customer's email address"),
        lambda ticket, agent: ticket.customer.primary_address,
    ),
    "ticket.id": (_("the ticket number"), lambda ticket, agent: str(ticket.pk)),
    "ticket.subject": (_("the ticket's subject"), lambda ticket, agent: ticket.subject),
    "agent.name": (_("your name"), _agent_name),
    "mailbox.name": (_("the mailbox's name"), lambda ticket, agent: ticket.mailbox.name),
}

PATTERN = re.compile(r"\{(" + "|".join(re.escape(name) for name in PLACEHOLDERS) + r")\}")

help_text = format_lazy(
    "{} {}",
    _("Placeholders filled in when the reply is inserted:"),
    ", ".join("{" + name + "}" for name in PLACEHOLDERS),
)


def fill(html, ticket, agent):
    """Return ``(html, missing)``: placeholders replaced by escaped values, and the names left
    as written because their value is empty."""
    values = {}
    missing = []

    def replace(match):
        name = match.group(1)
        if name not in values:
            values[name] = PLACEHOLDERS[name][1](ticket, agent)
        if not values[name]:
            if name not in missing:
                missing.append(name)
            return match.group(0)
        return escape(values[name])

    return PATTERN.sub(replace, html), missing
