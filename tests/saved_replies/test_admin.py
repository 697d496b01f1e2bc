"""The Saved replies screens in the admin: who sees and edits which reply."""

import json

import pytest
from django.urls import reverse

from saved_replies.models import SavedReply

INDEX = "wagtailsnippets_saved_replies_savedreply:list"
ADD = "wagtailsnippets_saved_replies_savedreply:add"
EDIT = "wagtailsnippets_saved_replies_savedreply:edit"
DELETE = "wagtailsnippets_saved_replies_savedreply:delete"


@pytest.fixture
def replies(support, sales, agent, colleague):
    return {
        "everywhere": SavedReply.objects.create(title="Refund policy", body="<p>Refunds take 5 days.</p>"),
        "sales": SavedReply.objects.create(title="Volume discount", body="<p>10% off.</p>", mailbox=sales),
        "mine": SavedReply.objects.create(title="My sign-off", body="<p>Cheers</p>", owner=agent),
        "theirs": SavedReply.objects.create(title="Tom's sign-off", body="<p>Best</p>", owner=colleague),
    }


def form_data(**overrides):
    data = {
        "title": "Delivery times",
        "body": json.dumps(
            {
                "blocks": [
                    {
                        "key": "a1b2c",
                        "type": "unstyled",
                        "depth": 0,
                        "text": "Hi {customer.first_name}, it ships tomorrow.",
                        "inlineStyleRanges": [],
                        "entityRanges": [],
                    }
                ],
                "entityMap": {},
            }
        ),
        "mailbox": "",
        "visibility": "team",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_saved_replies_menu_item_and_listing_show_what_the_agent_may_use(agent_client, replies):
    assert "Saved replies" in agent_client.get("/admin/").content.decode()
    html = agent_client.get(reverse(INDEX)).content.decode()
    assert "Refund policy" in html and "My sign-off" in html
    assert "Tom&#x27;s sign-off" not in html and "Tom's sign-off" not in html
    assert "Volume discount" not in html


@pytest.mark.django_db
def test_a_colleagues_personal_reply_cannot_be_opened_or_deleted(agent_client, replies):
    theirs = replies["theirs"]
    assert agent_client.get(reverse(EDIT, args=[theirs.pk])).status_code in (302, 403)
    agent_client.post(reverse(DELETE, args=[theirs.pk]))
    assert SavedReply.objects.filter(pk=theirs.pk).exists()
    assert agent_client.get(reverse(EDIT, args=[replies["mine"].pk])).status_code == 200


@pytest.mark.django_db
def test_an_agent_creates_a_personal_reply_owned_by_them(agent_client, agent):
    response = agent_client.post(reverse(ADD), form_data(visibility="personal"))
    assert response.status_code == 302, response.content.decode()[-2000:]
    reply = SavedReply.objects.get(title="Delivery times")
    assert reply.owner == agent
    assert "{customer.first_name}" in reply.body


@pytest.mark.django_db
def test_sharing_a_reply_with_the_team_clears_its_owner(agent_client, replies):
    mine = replies["mine"]
    response = agent_client.post(reverse(EDIT, args=[mine.pk]), form_data(title="Team sign-off"))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.owner is None and mine.title == "Team sign-off"


@pytest.mark.django_db
def test_an_agent_may_only_limit_a_reply_to_mailboxes_they_work(agent_client, support, sales):
    html = agent_client.get(reverse(ADD)).content.decode()
    assert f'value="{support.pk}"' in html
    assert f'value="{sales.pk}"' not in html
    response = agent_client.post(reverse(ADD), form_data(mailbox=str(sales.pk)))
    assert response.status_code == 200
    assert not SavedReply.objects.filter(title="Delivery times").exists()


@pytest.mark.django_db
def test_bulk_delete_of_every_reply_leaves_colleagues_personal_replies_alone(agent_client, replies):
    url = reverse("wagtail_bulk_action", args=["saved_replies", "savedreply", "delete"]) + "?id=all"
    agent_client.post(url)
    assert set(SavedReply.objects.values_list("title", flat=True)) == {"Tom's sign-off", "Volume discount"}
