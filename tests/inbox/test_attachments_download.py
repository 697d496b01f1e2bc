"""Attachment downloads: safe headers, inline only for raster images, permission-checked."""

# ruff: noqa: F811  (pytest fixtures imported from ticket_page_support are test arguments)

import pytest

from tests.inbox.ticket_page_support import (  # noqa: F401
    PNG_1PX,
    action_url,
    add_attachment,
    add_message,
    agent,
    agent_client,
    fresh_cache,
    make_ticket,
    media_in_tmp,
    outsider,
    sales,
    support,
    ticket,
)

pytestmark = pytest.mark.django_db


def download(client, ticket, attachment, inline=False):
    url = action_url("attachment", ticket, attachment.pk) + ("?inline=1" if inline else "")
    return client.get(url)


def body(response):
    return b"".join(response.streaming_content)


def test_a_download_is_an_attachment_with_an_rfc5987_file_name_and_nosniff(agent_client, ticket):
    attachment = add_attachment(
        ticket.messages.get(), 'Fakturа №5 "final".pdf', b"%PDF-1.4", "application/pdf"
    )
    response = download(agent_client, ticket, attachment)
    assert response.status_code == 200
    assert body(response) == b"%PDF-1.4"
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="Faktur_ _5 _final_.pdf"; ')
    assert "filename*=UTF-8''Faktur%D0%B0%20%E2%84%965%20_final_.pdf" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
    assert "sandbox" in response["Content-Security-Policy"]


def test_raster_images_may_be_shown_inline(agent_client, ticket):
    attachment = add_attachment(ticket.messages.get(), "photo.png", PNG_1PX, "image/png")
    response = download(agent_client, ticket, attachment, inline=True)
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith('inline; filename="photo.png"')


@pytest.mark.parametrize(
    "filename, content_type",
    [
        ("drawing.svg", "image/svg+xml"),
        ("page.html", "text/html"),
        ("page.htm", "text/html; charset=utf-8"),
        ("x.xhtml", "application/xhtml+xml"),
        ("bad", "image/png\r\nX-Injected: 1"),
    ],
)
def test_svg_html_and_odd_types_are_never_shown_inline(agent_client, ticket, filename, content_type):
    attachment = add_attachment(ticket.messages.get(), filename, b"<svg onload=alert(1)>", content_type)
    response = download(agent_client, ticket, attachment, inline=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "X-Injected" not in response


def test_path_parts_are_dropped_from_the_file_name(agent_client, ticket):
    attachment = add_attachment(ticket.messages.get(), "report.txt", b"x", "text/plain")
    type(attachment).objects.filter(pk=attachment.pk).update(filename="../../etc/passwd")
    attachment.refresh_from_db()
    assert 'filename="passwd"' in download(agent_client, ticket, attachment)["Content-Disposition"]


def test_an_agent_of_another_mailbox_cannot_download(client, ticket, outsider):
    attachment = add_attachment(ticket.messages.get(), "secret.pdf", b"%PDF", "application/pdf")
    client.force_login(outsider)
    assert download(client, ticket, attachment).status_code == 403


def test_an_attachment_cannot_be_fetched_through_another_ticket(agent_client, support, ticket):
    other = make_ticket(support)
    attachment = add_attachment(add_message(other), "other.pdf", b"%PDF", "application/pdf")
    assert download(agent_client, ticket, attachment).status_code == 404


def test_an_attachment_of_a_mailbox_one_cannot_see_is_refused_through_ones_own_ticket(
    agent_client, sales, ticket
):
    foreign = make_ticket(sales)
    attachment = add_attachment(add_message(foreign), "sales.pdf", b"%PDF", "application/pdf")
    assert download(agent_client, ticket, attachment).status_code == 404
    assert download(agent_client, foreign, attachment).status_code == 403


def test_a_missing_file_is_a_404_not_a_crash(agent_client, ticket):
    attachment = add_attachment(ticket.messages.get(), "gone.pdf", b"%PDF", "application/pdf")
    attachment.file.delete(save=False)
    assert download(agent_client, ticket, attachment).status_code == 404
