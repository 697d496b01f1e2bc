"""With Saved replies deactivated the core works on: its hooks do not run, its screens answer 404."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from helpdesk_site.plugins import apply_filters, registry
from saved_replies.models import SavedReply


@pytest.mark.django_db
def test_a_deactivated_saved_replies_plugin_is_gone_from_the_composer_menu_and_urls(
    agent_client, agent, ticket
):
    reply = SavedReply.objects.create(title="Refund policy", body="<p>Refunds take 5 days.</p>")
    tool_url = reverse("saved_replies:composer", args=[ticket.pk])
    listing_url = reverse("wagtailsnippets_saved_replies_savedreply:list")
    edit_url = reverse("wagtailsnippets_saved_replies_savedreply:edit", args=[reply.pk])
    assert agent_client.get(tool_url, {"id": reply.pk}).status_code == 200

    registry.set_active("saved_replies", False)

    request = RequestFactory().get("/")
    request.user = agent
    assert apply_filters("inbox.composer_tools", [], ticket=ticket, request=request) == []
    for url in (tool_url, listing_url, edit_url):
        assert agent_client.get(url).status_code == 404, url
    dashboard = agent_client.get("/admin/")
    assert dashboard.status_code == 200
    assert "Saved replies" not in dashboard.content.decode()
    # Its data is kept for when it is switched on again.
    registry.set_active("saved_replies", True)
    assert agent_client.get(tool_url, {"id": reply.pk}).json()["title"] == "Refund policy"
