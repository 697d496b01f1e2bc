"""A plugin's own ticket bulk action (docs/plugins.md): in the footer, guarded like the built-in ones."""

import pytest
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views.bulk_action.registry import bulk_action_registry

from inbox.admin.bulk import TicketBulkAction
from tests.inbox.list_support import (  # noqa: F401  (fixtures)
    agent,
    bulk_url,
    folder_url,
    fresh_cache,
    make_ticket,
    sales,
    support,
)

pytestmark = pytest.mark.django_db
NEXT = "/admin/inbox/folder/open/"
exported = []


class ExportToAcme(TicketBulkAction):
    display_name = _("Send to Acme")
    action_type = "acme_export"
    aria_label = _("Send the selected tickets to Acme")
    action_priority = 80

    def perform(self, tickets, data):
        exported.extend(ticket.subject for ticket in tickets)
        return f"{len(tickets)} tickets sent to Acme."


@pytest.fixture(autouse=True)
def acme_action():
    bulk_action_registry.get_bulk_actions_for_model("inbox", "ticket")  # scan the hooks first
    actions = bulk_action_registry.actions["inbox"]["ticket"]
    actions["acme_export"] = ExportToAcme
    exported.clear()
    yield
    del actions["acme_export"]


def test_the_plugins_action_is_offered_and_runs(client, agent, support):
    ticket = make_ticket(support, "Export me")
    client.force_login(agent)

    assert "bulk/inbox/ticket/acme_export/" in client.get(folder_url("open")).content.decode()
    response = client.post(bulk_url("acme_export", [ticket], NEXT))

    assert response.status_code == 302
    assert exported == ["Export me"]


def test_the_plugins_action_refuses_tickets_of_other_mailboxes(client, agent, support, sales):
    selection = [make_ticket(support, "Mine"), make_ticket(sales, "Not mine")]
    client.force_login(agent)

    response = client.post(bulk_url("acme_export", selection, NEXT))

    assert response.status_code == 302
    assert exported == []
