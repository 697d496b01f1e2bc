"""The agents' ticket page in real Chromium, against the live server, with real IMAP and SMTP.

One agent works a ticket that arrived over IMAP (note, reply with attachment, assign, tag,
close, shortcuts, plugin panels); then two agents on one ticket see each other and the
held-send notice. Screenshots of the main screens go to test-output/screenshots/.
"""

import re
import struct
import time
import zlib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.http import HttpResponse, HttpResponseServerError
from django.urls import path
from django.utils import timezone
from wagtail.hooks import register_temporarily

from helpdesk_site.urls import urlpatterns as site_urlpatterns
from inbox.admin import ticket_page
from inbox.admin.composer import UNDO_SECONDS
from inbox.mail.fetch import fetch_mailbox
from inbox.mail.ingest import process_pending
from inbox.mail.send import send_due_messages
from inbox.models import Customer, CustomerAddress, Message, Notification, Ticket
from inbox.plugin_api import SidebarPanel
from saved_replies.models import SavedReply
from tests.servers.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.imap, pytest.mark.django_db(transaction=True)]

PASSWORD = "agent-pass-1"


def failing_panel(request, pk):
    return HttpResponseServerError("<p>Traceback (most recent call last)…</p>")


def slow_panel(request, pk):
    time.sleep(2.5)
    return HttpResponse("<p>too late</p>")


def orders_panel(request, pk):
    return HttpResponse(f"<p class='test-orders'>2 orders for ticket {pk}</p>")


# This module is also the URLconf of its tests: two plugin panel views, then the whole site.
urlpatterns = [
    path("test-panels/broken/<int:pk>/", failing_panel),
    path("test-panels/orders/<int:pk>/", orders_panel),
    path("test-panels/slow/<int:pk>/", slow_panel),
    *site_urlpatterns,
]


def png(width=160, height=90, rgb=(200, 60, 40)):
    """A small solid-colour PNG, so the inline image is visible in screenshots."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def customer_email(to_address):
    message = EmailMessage()
    message["From"] = "Anna Smith <anna@customer.example>"
    message["To"] = to_address
    message["Subject"] = "Parcel arrived damaged"
    message["Message-ID"] = "<parcel-1@customer.example>"
    message["Date"] = format_datetime(timezone.now() - timedelta(minutes=30))
    message.set_content(
        "Hello,\n\nthe parcel arrived with a broken lid. A photo is attached.\n\nAnna\n\n"
        "On Mon, 1 Jan 2024 at 10:00, Shop <support@shop.example> wrote:\n> Your order has shipped.\n"
    )
    message.add_alternative(
        "<p>Hello,</p><p>the parcel arrived with a <b>broken lid</b>. Here is a photo:</p>"
        '<p><img src="cid:photo1@customer.example" alt="broken lid"></p><p>Anna</p>'
        '<div class="gmail_quote"><div>On Mon, 1 Jan 2024 at 10:00, Shop wrote:</div>'
        '<blockquote type="cite">Your order has shipped.</blockquote></div>',
        subtype="html",
    )
    message.get_payload()[1].add_related(png(), "image", "png", cid="<photo1@customer.example>")
    message.add_attachment(b"%PDF-1.4 receipt", maintype="application", subtype="pdf", filename="receipt.pdf")
    return message.as_bytes()


def make_agent(django_user_model, username, full_name, mailbox):
    group, _created = Group.objects.get_or_create(name=f"{mailbox.name} agents")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    mailbox.groups.add(group)
    user = django_user_model.objects.create_user(
        username, f"{username}@agents.example", PASSWORD, first_name=full_name[0], last_name=full_name[1]
    )
    user.groups.add(group)
    return user


@pytest.fixture
def support_desk(imap_account, smtp_server, django_user_model, settings):
    """A mailbox on the real dovecot and aiosmtpd, two agents, and a ticket that came over IMAP."""
    settings.ROOT_URLCONF = __name__
    mailbox = imap_account.mailbox(name="Support", signature="Kind regards,\nThe Support Team")
    smtp_server.configure(mailbox)
    maria = make_agent(django_user_model, "maria", ("Maria", "Lopez"), mailbox)
    anna = make_agent(django_user_model, "anna", ("Anna", "Berg"), mailbox)
    imap_account.append(customer_email(mailbox.address))
    result = fetch_mailbox(mailbox)
    assert result.ok and result.stored == 1, result.summary()
    process_pending(mailbox)
    ticket = Ticket.objects.get(mailbox=mailbox)
    # An older ticket of someone else, so tag autocomplete has something to offer.
    other = Customer.objects.create(name="Bob")
    CustomerAddress.objects.create(customer=other, address="bob@customer.example", is_primary=True)
    now = timezone.now()
    Ticket.objects.create(
        mailbox=mailbox, customer=other, subject="Old", created_at=now, last_activity_at=now
    ).tags.add("damaged-in-transit")
    return {"mailbox": mailbox, "ticket": ticket, "maria": maria, "anna": anna}


def log_in(page, live_server, user, next_url):
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.endswith(next_url), page.url


def ticket_path(ticket):
    return f"/admin/inbox/ticket/{ticket.pk}/"


def test_an_agent_works_a_ticket_that_arrived_over_imap(
    live_server, new_page, support_desk, smtp_server, monkeypatch
):
    ticket, maria = support_desk["ticket"], support_desk["maria"]
    monkeypatch.setattr(
        ticket_page, "PANEL_TIMEOUT_MS", 1000
    )  # instead of 8 s, so the slow panel times out fast

    def panels(panels, ticket, request):
        return [
            *panels,
            SidebarPanel(key="broken", title="Broken plugin", url=f"/test-panels/broken/{ticket.pk}/"),
            SidebarPanel(key="orders", title="Orders", url=f"/test-panels/orders/{ticket.pk}/"),
            SidebarPanel(key="slow", title="Slow plugin", url=f"/test-panels/slow/{ticket.pk}/"),
        ]

    page = new_page()
    with register_temporarily("inbox.sidebar_panels", panels):
        log_in(page, live_server, maria, ticket_path(ticket))

        # The conversation: sanitized HTML with the inline image, quoted history folded, attachment listed.
        message = page.locator(".inbox-message--incoming")
        assert "broken lid" in message.locator(".inbox-message__body").inner_text()
        image = message.locator(".inbox-message__body img")
        assert re.search(
            rf"/admin/inbox/ticket/{ticket.pk}/attachments/\d+/\?inline=1$", image.get_attribute("src")
        )
        assert page.evaluate("img => img.naturalWidth", image.element_handle()) == 160
        assert message.locator("[data-quoted]").is_hidden()
        message.get_by_role("button", name="Show quoted text").click()
        assert "Your order has shipped." in message.locator("[data-quoted]").inner_text()
        assert message.locator(".inbox-attachment__link").inner_text().strip() == "receipt.pdf"

        # Plugin panels load after the page; the broken one fails alone, readably.
        page.wait_for_selector(".test-orders")
        error = page.locator("[data-panel-key=broken] .inbox-plugin-panel__error")
        assert error.inner_text() == "Broken plugin: could not be loaded (HTTP 500 Internal Server Error)"
        assert "Traceback" not in page.content()
        slow = page.locator("[data-panel-key=slow] .inbox-plugin-panel__error")
        slow.wait_for()
        assert slow.inner_text() == "Slow plugin: could not be loaded (no answer within 1 s)"
        screenshot(page, "01-ticket-page")

    # An internal note mentioning a colleague (shortcut n).
    page.keyboard.press("n")
    page.keyboard.type("Checked with the courier. @anna please call the customer.")
    with page.expect_navigation():
        page.get_by_role("button", name="Add note").click()
    note = page.locator(".inbox-message--note")
    assert "Internal note" in note.locator(".inbox-message__label").text_content()
    assert Notification.objects.filter(recipient=support_desk["anna"], kind="mentioned").exists()

    # A reply (shortcut r) started from a saved reply (the inbox.composer_tools toolbar), with an attachment.
    SavedReply.objects.create(
        title="Replacement on its way", body="<p>Sorry about that! A replacement is on its way.</p>"
    )
    page.keyboard.press("r")
    page.get_by_role("button", name="Saved replies").click()
    page.fill("[data-tool-search]", "replacement")
    page.locator(".inbox-tool-popover__item", has_text="Replacement on its way").click()
    editor = page.locator("[data-editor]")
    editor.get_by_text("A replacement is on its way.").wait_for()
    page.keyboard.press("End")
    page.keyboard.type(" The return label is attached.")
    page.set_input_files(
        "[data-composer-files]",
        files=[{"name": "return-label.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 label"}],
    )
    with page.expect_navigation():
        page.locator("[data-composer-form] .inbox-composer__actions button[value='']").first.click()
    reply = page.locator(".inbox-message--reply")
    assert reply.locator(".inbox-delivery__label").inner_text() == "Not sent yet"
    assert reply.get_by_role("button", name=re.compile("Undo send")).is_visible()
    screenshot(page, "02-reply-with-undo")

    # The worker sends it once the undo window has passed: the SMTP server gets one threaded mail.
    assert send_due_messages(now=timezone.now() + timedelta(seconds=UNDO_SECONDS + 1)) == 1
    assert len(smtp_server.messages) == 1  # the note was never emailed
    received = smtp_server.messages[0]
    assert received["In-Reply-To"] == "<parcel-1@customer.example>"
    assert "<parcel-1@customer.example>" in received["References"]
    assert ticket.token in received["Subject"]
    assert received.rcpt_tos == ["anna@customer.example"]
    text = received.message.get_body(("plain",)).get_content()
    assert "A replacement is on its way. The return label is attached." in text
    assert "Kind regards," in text  # the signature previewed under the composer
    names = [part.get_filename() for part in received.message.iter_attachments()]
    assert names == ["return-label.pdf"]
    page.reload()
    assert page.locator(".inbox-message--reply .inbox-delivery__label").inner_text() == "Sent"

    # Assign to me (a), tag with autocomplete, close (c).
    with page.expect_navigation():
        page.keyboard.press("a")
    assert page.locator("#inbox-assignee option:checked").inner_text() == "Maria Lopez"
    page.fill("[data-tag-input]", "dam")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#inbox-tag-suggestions option')]"
        ".some(o => o.value === 'damaged-in-transit')"
    )
    page.fill("[data-tag-input]", "damaged-in-transit, replacement")
    with page.expect_navigation():
        page.get_by_role("button", name="Add", exact=True).click()
    assert page.locator(".inbox-tag span").all_inner_texts() == ["damaged-in-transit", "replacement"]
    with page.expect_navigation():
        page.keyboard.press("c")
    assert page.locator("[data-ticket-status]").inner_text() == "Closed"
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee) == ("closed", maria)
    assert sorted(ticket.tags.names()) == ["damaged-in-transit", "replacement"]
    page.locator("#inbox-audit-title").click()
    screenshot(page, "03-assigned-tagged-closed")

    # The ? overlay lists the shortcuts; typing "?" in the composer does not open it.
    page.keyboard.press("?")
    overlay = page.locator("#inbox-shortcuts")
    assert overlay.is_visible() and "Assign to me" in overlay.inner_text()
    screenshot(page, "04-shortcuts")
    page.keyboard.press("Escape")
    assert overlay.is_hidden()
    page.locator("[data-editor]").click()
    page.keyboard.type("?")
    assert overlay.is_hidden()


def test_two_agents_see_each_other_and_a_reply_while_composing_is_held(
    live_server, new_page, support_desk, monkeypatch
):
    ticket, maria, anna = support_desk["ticket"], support_desk["maria"], support_desk["anna"]
    # The pages poll every second instead of three, to keep the test short; the behaviour is the same.
    monkeypatch.setattr(ticket_page, "PRESENCE_INTERVAL_MS", 1000)
    maria_page, anna_page = new_page(), new_page()
    log_in(maria_page, live_server, maria, ticket_path(ticket))
    log_in(anna_page, live_server, anna, ticket_path(ticket))

    maria_page.get_by_text("Anna Berg is viewing").wait_for()
    anna_page.get_by_text("Maria Lopez is viewing").wait_for()

    # Anna starts a reply; Maria sees her typing, then answers first.
    anna_page.keyboard.press("r")
    anna_page.keyboard.type("Hi Anna, we will send a replacement")
    maria_page.get_by_text("Anna Berg is typing a reply").wait_for()
    screenshot(maria_page, "05-presence-typing")
    maria_page.keyboard.press("r")
    maria_page.keyboard.type("Replacement shipped today, tracking number follows.")
    with maria_page.expect_navigation():
        maria_page.locator("[data-composer-form] .inbox-composer__actions button[value='']").first.click()

    # Anna's page shows Maria's reply and holds her send until she has seen it.
    held = anna_page.locator("#inbox-held")
    held.wait_for(state="visible")
    assert "Replacement shipped today" in held.inner_text()
    screenshot(anna_page, "06-held-send")
    anna_page.locator("[data-composer-form] .inbox-composer__actions button[value='']").first.click()
    anna_page.locator("[data-composer-error]").wait_for(state="visible")
    assert "arrived while you were writing" in anna_page.locator("[data-composer-error]").inner_text()
    assert Message.objects.filter(ticket=ticket, kind="reply").count() == 1
    with anna_page.expect_navigation():
        held.get_by_role("button", name="Send anyway").click()
    replies = list(Message.objects.filter(ticket=ticket, kind="reply").order_by("id"))
    assert [r.author for r in replies] == [maria, anna]
    assert "we will send a replacement" in replies[1].body_html
