"""The ticket page: the conversation as agents read it, and what it costs in SQL."""

# ruff: noqa: F811  (pytest fixtures imported from ticket_page_support are test arguments)

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inbox.models import Message
from inbox.queries import unread_ticket_ids
from tests.inbox.ticket_page_support import (  # noqa: F401
    PNG_1PX,
    add_attachment,
    add_message,
    agent,
    agent_client,
    colleague,
    detail_url,
    fresh_cache,
    make_ticket,
    media_in_tmp,
    outsider,
    sales,
    support,
    ticket,
)

pytestmark = pytest.mark.django_db


def test_the_conversation_is_shown_oldest_first_with_customer_and_agent_messages(agent_client, ticket, agent):
    add_message(
        ticket, Message.Kind.REPLY, minutes_ago=30, author=agent, body_html="<p>Second: we are on it.</p>"
    )
    add_message(ticket, minutes_ago=10, body_html="<p>Third: thanks!</p>")
    html = agent_client.get(detail_url(ticket)).content.decode()
    first = html.index("my parcel has not arrived")
    assert first < html.index("Second: we are on it.") < html.index("Third: thanks!")
    assert "Anna Smith" in html and "anna@customer.example" in html
    assert "Maria Lopez" in html


def test_internal_notes_look_different_and_are_labelled(agent_client, ticket, agent):
    add_message(ticket, Message.Kind.NOTE, minutes_ago=5, author=agent, body_html="<p>Check the courier.</p>")
    html = agent_client.get(detail_url(ticket)).content.decode()
    note_start = html.index("inbox-message--note")
    assert "Internal note" in html[note_start : html.index("Check the courier.")]


def test_a_plain_text_message_is_escaped_and_keeps_its_lines(agent_client, support):
    ticket = make_ticket(support)
    add_message(ticket, body_html="", body_text="Line one <script>alert(1)</script>\nLine two")
    html = agent_client.get(detail_url(ticket)).content.decode()
    assert "Line one &lt;script&gt;alert(1)&lt;/script&gt;<br>Line two" in html


def test_quoted_history_is_collapsed_behind_a_toggle(agent_client, support):
    ticket = make_ticket(support)
    add_message(
        ticket,
        body_html="",
        body_text="Still nothing arrived.\n\n"
        "On Mon, 1 Jan 2024 at 10:00, Shop <support@shop.example> wrote:\n"
        "> We shipped it yesterday.\n",
    )
    html = agent_client.get(detail_url(ticket)).content.decode()
    assert "Show quoted text" in html
    toggle = html.index("data-quoted-toggle")
    assert html.index("Still nothing arrived.") < toggle < html.index("We shipped it yesterday.")
    assert '<div class="inbox-message__quoted" hidden data-quoted>' in html


def test_cid_images_point_to_the_permission_checked_attachment_view(agent_client, support):
    ticket = make_ticket(support)
    message = add_message(ticket, body_html='<p>Photo: <img src="cid:photo1@mail" alt="damage"></p>')
    photo = add_attachment(
        message, "photo.png", PNG_1PX, "image/png", content_id="<photo1@mail>", is_inline=True
    )
    html = agent_client.get(detail_url(ticket)).content.decode()
    url = f"/admin/inbox/ticket/{ticket.pk}/attachments/{photo.pk}/?inline=1"
    assert f'src="{url}"' in html
    assert "cid:photo1@mail" not in html
    # the inline image is shown in the body, not listed again as a download
    assert "download>" not in html.split("inbox-message__body", 2)[-1].split("</li>")[0]
    assert agent_client.get(url).status_code == 200


def test_a_cid_image_that_is_not_a_safe_raster_image_is_not_loaded(agent_client, support):
    ticket = make_ticket(support)
    message = add_message(ticket, body_html='<p><img src="cid:evil@mail" alt="x"></p>')
    add_attachment(
        message, "evil.svg", b"<svg onload='alert(1)'/>", "image/svg+xml", content_id="<evil@mail>"
    )
    html = agent_client.get(detail_url(ticket)).content.decode()
    assert "data-missing-cid" in html
    assert "?inline=1" not in html
    assert "evil.svg" in html  # still offered as a download


def test_attachments_are_listed_with_size_and_images_get_a_preview(agent_client, ticket):
    message = ticket.messages.get()
    add_attachment(message, "invoice.pdf", b"%PDF-1.4 test", "application/pdf")
    photo = add_attachment(message, "box.jpg", PNG_1PX, "image/jpeg")
    html = agent_client.get(detail_url(ticket)).content.decode()
    assert "invoice.pdf" in html and "13\xa0bytes" in html
    preview = f"/admin/inbox/ticket/{ticket.pk}/attachments/{photo.pk}/?inline=1"
    assert f'<img class="inbox-attachment__preview" src="{preview}"' in html


def test_each_outgoing_message_shows_its_delivery_state(agent_client, ticket, agent):
    now = timezone.now()
    add_message(ticket, Message.Kind.REPLY, minutes_ago=40, author=agent, delivery_state="sent", sent_at=now)
    add_message(ticket, Message.Kind.REPLY, minutes_ago=30, author=agent, delivery_state="queued")
    failed = add_message(
        ticket,
        Message.Kind.REPLY,
        minutes_ago=20,
        author=agent,
        delivery_state="failed",
        delivery_error="The server refused the address anna@customer.example (550 no such user).",
    )
    html = agent_client.get(detail_url(ticket)).content.decode()
    assert ">Sent</span>" in html
    assert ">Not sent yet</span>" in html
    assert "Failed: The server refused the address anna@customer.example (550 no such user)." in html
    assert f"/messages/{failed.pk}/resend/" in html


def test_a_reply_inside_its_undo_window_offers_undo_to_its_author_only(client, ticket, agent, colleague):
    reply = add_message(
        ticket,
        Message.Kind.REPLY,
        minutes_ago=0,
        author=agent,
        delivery_state="queued",
        send_after=timezone.now() + timedelta(seconds=10),
    )
    undo = f"/messages/{reply.pk}/undo/"
    client.force_login(agent)
    assert undo in client.get(detail_url(ticket)).content.decode()
    client.force_login(colleague)
    assert undo not in client.get(detail_url(ticket)).content.decode()


def test_the_mailbox_signature_is_previewed_under_the_composer(agent_client, ticket):
    html = agent_client.get(detail_url(ticket)).content.decode()
    assert "Signature (added when sent)" in html
    signature = html[html.index("data-signature>") :].split("</div>")[0]
    assert "Kind regards,<br>" in signature and "The Support Team" in signature


def test_opening_the_ticket_marks_it_seen(agent_client, ticket, agent):
    assert unread_ticket_ids(agent, [ticket]) == {ticket.pk}
    agent_client.get(detail_url(ticket))
    assert unread_ticket_ids(agent, [ticket]) == set()


def test_the_shortcuts_overlay_lists_every_shortcut(agent_client, ticket):
    html = agent_client.get(detail_url(ticket)).content.decode()
    overlay = html[html.index('id="inbox-shortcuts"') :]
    for key, action in [
        ("r", "Reply"),
        ("n", "Add an internal note"),
        ("a", "Assign to me"),
        ("c", "Close the ticket"),
        ("j", "Next ticket"),
        ("k", "Previous ticket"),
        ("?", "Show this list"),
    ]:
        assert f"<kbd>{key}</kbd></th><td>{action}</td>" in overlay


def test_next_ticket_follows_the_remembered_list_then_open_tickets(agent_client, support, ticket):
    first = make_ticket(support, subject="first")
    second = make_ticket(support, subject="second")
    session = agent_client.session
    session["inbox.ticket_list"] = [second.pk, ticket.pk, first.pk]
    session.save()
    response = agent_client.get(f"/admin/inbox/ticket/{ticket.pk}/next/")
    assert response.url == detail_url(first)
    response = agent_client.get(f"/admin/inbox/ticket/{ticket.pk}/next/?back=1")
    assert response.url == detail_url(second)


def test_next_ticket_without_a_list_goes_to_the_next_older_open_ticket(agent_client, support):
    now = timezone.now()
    newest = make_ticket(support, last_activity_at=now)
    middle = make_ticket(support, last_activity_at=now - timedelta(hours=1))
    make_ticket(support, last_activity_at=now - timedelta(hours=2), status="closed")
    oldest = make_ticket(support, last_activity_at=now - timedelta(hours=3))
    assert agent_client.get(f"/admin/inbox/ticket/{newest.pk}/next/").url == detail_url(middle)
    assert agent_client.get(f"/admin/inbox/ticket/{middle.pk}/next/").url == detail_url(oldest)
    assert agent_client.get(f"/admin/inbox/ticket/{oldest.pk}/next/?back=1").url == detail_url(middle)


def _page_queries(client, ticket):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(detail_url(ticket))
    assert response.status_code == 200
    return len(queries)


def test_the_page_costs_the_same_number_of_queries_with_5_or_50_messages(agent_client, support, agent):
    small, large = make_ticket(support, subject="small"), make_ticket(support, subject="large")
    for target, count in ((small, 5), (large, 50)):
        for i in range(count):
            kind = [Message.Kind.INCOMING, Message.Kind.REPLY, Message.Kind.NOTE][i % 3]
            message = add_message(
                target,
                kind,
                minutes_ago=count - i,
                author=None if kind == Message.Kind.INCOMING else agent,
                delivery_state="sent" if kind == Message.Kind.REPLY else "",
            )
            if i % 4 == 0:
                add_attachment(message, f"file{i}.png", PNG_1PX, "image/png")
        target.tags.add("parcel", "urgent")
    _page_queries(agent_client, small)  # warm caches (menu counts, content types)
    small_count = _page_queries(agent_client, small)
    _page_queries(agent_client, large)
    large_count = _page_queries(agent_client, large)
    assert small_count == large_count
    assert large_count <= 40
