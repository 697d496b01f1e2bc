"""The composer tool: which replies an agent finds for a ticket, and the reply filled in for it."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from helpdesk_site.plugins import apply_filters, registry
from saved_replies.models import SavedReply

from .conftest import make_ticket


def tool_url(ticket):
    return reverse("saved_replies:composer", args=[ticket.pk])


def composer_tools(ticket, user):
    request = RequestFactory().get("/")
    request.user = user
    return apply_filters("inbox.composer_tools", [], ticket=ticket, request=request)


@pytest.fixture
def replies(support, sales, agent, colleague):
    return {
        "everywhere": SavedReply.objects.create(title="Refund policy", body="<p>Refunds take 5 days.</p>"),
        "support": SavedReply.objects.create(
            title="Parcel tracking", body="<p>Track it here.</p>", mailbox=support
        ),
        "sales": SavedReply.objects.create(title="Volume discount", body="<p>10% off.</p>", mailbox=sales),
        "mine": SavedReply.objects.create(title="My sign-off", body="<p>Cheers, Maria</p>", owner=agent),
        "theirs": SavedReply.objects.create(title="Tom's sign-off", body="<p>Best, Tom</p>", owner=colleague),
    }


def titles(response):
    assert response.status_code == 200
    return {item["title"] for item in response.json()["items"]}


@pytest.mark.django_db
def test_the_tool_is_in_the_composer_only_while_the_plugin_is_active(ticket, agent):
    tools = composer_tools(ticket, agent)
    assert [(t.key, t.url) for t in tools] == [("saved_replies", tool_url(ticket))]
    assert str(tools[0].label) == "Saved replies"

    registry.set_active("saved_replies", False)
    assert composer_tools(ticket, agent) == []

    registry.set_active("saved_replies", True)
    assert [t.key for t in composer_tools(ticket, agent)] == ["saved_replies"]


@pytest.mark.django_db
def test_an_agent_finds_shared_replies_of_the_tickets_mailbox_and_their_own(agent_client, ticket, replies):
    found = titles(agent_client.get(tool_url(ticket), {"q": ""}))
    assert found == {"Refund policy", "Parcel tracking", "My sign-off"}


@pytest.mark.django_db
def test_a_colleagues_personal_reply_and_other_mailboxes_replies_are_never_offered(
    agent_client, ticket, replies
):
    assert titles(agent_client.get(tool_url(ticket), {"q": "sign-off"})) == {"My sign-off"}
    assert titles(agent_client.get(tool_url(ticket), {"q": "discount"})) == set()
    for hidden in ("sales", "theirs"):
        response = agent_client.get(tool_url(ticket), {"id": replies[hidden].pk})
        assert response.status_code == 404
        assert "not available in this mailbox" in response.json()["error"]


@pytest.mark.django_db
def test_an_administrator_is_not_offered_other_agents_personal_replies(
    client, django_user_model, ticket, replies
):
    admin = django_user_model.objects.create_superuser("root", "root@shop.example", "pw")
    client.force_login(admin)
    assert titles(client.get(tool_url(ticket))) == {"Refund policy", "Parcel tracking"}


@pytest.mark.django_db
def test_search_matches_titles_and_text_with_title_matches_first(agent_client, ticket, support):
    SavedReply.objects.create(title="Opening hours", body="<p>We answer about a refund within a day.</p>")
    SavedReply.objects.create(
        title="Refund request", body="<p>Send us the order number.</p>", mailbox=support
    )
    SavedReply.objects.create(title="Shipping", body="<p>We ship worldwide.</p>")
    items = agent_client.get(tool_url(ticket), {"q": "REFUND"}).json()["items"]
    assert [item["title"] for item in items] == ["Refund request", "Opening hours"]
    assert items[0]["preview"] == "Send us the order number."


@pytest.mark.django_db
def test_the_preview_is_plain_text_of_the_reply(agent_client, ticket):
    SavedReply.objects.create(
        title="Terms", body="<p>Read <b>our</b> terms &amp; conditions.</p>" + "<p>x</p>" * 100
    )
    (item,) = agent_client.get(tool_url(ticket)).json()["items"]
    assert item["preview"].startswith("Read our terms & conditions. x x")
    assert len(item["preview"]) <= 120


@pytest.mark.django_db
def test_an_inserted_reply_has_its_placeholders_filled_and_escaped(client, django_user_model, agent, support):
    ticket = make_ticket(support, customer_name='Anna <b>"Bold"</b> Smith')
    reply = SavedReply.objects.create(
        title="Greeting",
        body="<p>Hi {customer.first_name}, dear {customer.name}!</p>"
        "<p>Ticket {ticket.id} for {customer.email} in {mailbox.name}. {unknown.thing} stays.</p>"
        "<p>Regards, {agent.name}</p>",
    )
    client.force_login(agent)
    data = client.get(tool_url(ticket), {"id": reply.pk}).json()
    assert data["html"] == (
        "<p>Hi Anna, dear Anna &lt;b&gt;&quot;Bold&quot;&lt;/b&gt; Smith!</p>"
        f"<p>Ticket {ticket.pk} for anna@customer.example in Support. {{unknown.thing}} stays.</p>"
        "<p>Regards, Maria Lopez</p>"
    )
    assert data["missing"] == []
    reply.refresh_from_db()
    assert reply.usage_count == 1


@pytest.mark.django_db
def test_a_placeholder_without_a_value_stays_visible_for_the_agent_to_fill(agent_client, support):
    ticket = make_ticket(support, customer_name="")
    reply = SavedReply.objects.create(title="Hi", body="<p>Hi {customer.first_name},</p>")
    data = agent_client.get(tool_url(ticket), {"id": reply.pk}).json()
    assert data["html"] == "<p>Hi {customer.first_name},</p>"
    assert data["missing"] == ["{customer.first_name}"]


@pytest.mark.django_db
def test_links_in_a_reply_are_expanded_to_real_urls(agent_client, ticket):
    from wagtail.models import Page

    home = Page.objects.get(depth=2)
    reply = SavedReply.objects.create(
        title="Help", body=f'<p>See <a linktype="page" id="{home.pk}">our help</a>.</p>'
    )
    html = agent_client.get(tool_url(ticket), {"id": reply.pk}).json()["html"]
    assert f'href="{home.url}"' in html
    assert "linktype" not in html


@pytest.mark.django_db
def test_a_ticket_of_another_mailbox_is_refused(client, sales_agent, ticket, replies):
    client.force_login(sales_agent)
    assert client.get(tool_url(ticket), {"q": "refund"}).status_code == 403
    assert client.get(tool_url(ticket), {"id": replies["everywhere"].pk}).status_code == 403
    replies["everywhere"].refresh_from_db()
    assert replies["everywhere"].usage_count == 0


@pytest.mark.django_db
def test_someone_not_logged_in_gets_no_replies(client, ticket, replies):
    response = client.get(tool_url(ticket), {"q": ""})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
