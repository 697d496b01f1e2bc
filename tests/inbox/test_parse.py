"""parse_message and friends on small hand-made messages: the API the ingest pipeline relies on."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from inbox.mail.parse import (
    MessageParseError,
    ParsedAttachment,
    content_hash,
    dedupe_key,
    normalize_message_ids,
    parse_date,
    parse_message,
    preview,
)


def mail(*lines: str, body: str = "Hello.") -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode("utf-8")


BASIC = (
    'From: "Doe, Jane" <Jane.Doe@Example.COM>',
    "To: support@helpdesk.example",
    "Subject: Help",
    "Date: Mon, 15 Jan 2024 10:00:00 +0100",
    "Message-ID: <abc@example.com>",
)


def test_empty_input_raises_a_clear_parse_error():
    with pytest.raises(MessageParseError, match="empty"):
        parse_message(b"")
    with pytest.raises(MessageParseError, match="empty"):
        parse_message(b"\r\n  \r\n")


def test_binary_data_without_headers_raises_but_text_without_headers_is_read():
    with pytest.raises(MessageParseError, match="binary"):
        parse_message(bytes(range(256)) * 4)
    parsed = parse_message(b"just a note\r\n")
    assert parsed.text == "just a note"


def test_sender_address_is_lower_cased_and_name_unquoted():
    parsed = parse_message(mail(*BASIC))
    assert parsed.from_name == "Doe, Jane"
    assert parsed.from_address == "jane.doe@example.com"
    assert parsed.to == [("", "support@helpdesk.example")]


def test_date_is_aware_utc_and_none_when_unparseable():
    assert parse_message(mail(*BASIC)).date == datetime(2024, 1, 15, 9, 0, tzinfo=UTC)
    assert parse_date("Tue, 16 Jan 2024 09:30:00 -0000") == datetime(2024, 1, 16, 9, 30, tzinfo=UTC)
    assert parse_date("2024-01-16T09:30:00Z") == datetime(2024, 1, 16, 9, 30, tzinfo=UTC)
    assert parse_date("yesterday-ish") is None
    assert parse_date("") is None
    assert parse_date("Mon, 15 Jan 99999 10:00:00 +0000") is None


def test_message_ids_are_normalized_deduplicated_and_capped():
    assert normalize_message_ids(" <a@x>\r\n <b@x> <a@x> (comment) <c\r\n @x>") == ["<a@x>", "<b@x>", "<c@x>"]
    assert normalize_message_ids("bare@x.example") == ["<bare@x.example>"]
    many = " ".join(f"<id{index}@x>" for index in range(500))
    capped = normalize_message_ids(many, 100)
    assert len(capped) == 100
    assert capped[0] == "<id0@x>" and capped[-1] == "<id499@x>"  # root and the newest ones survive


def test_subject_with_raw_utf8_and_encoded_words_is_decoded_and_whitespace_collapsed():
    raw = mail(
        "From: a@example.com",
        "Subject: =?utf-8?Q?Gr=C3=BC=C3=9Fe?=\r\n   aus\tKöln",
    )
    assert parse_message(raw).subject == "Grüße aus Köln"


def test_policy_default_failure_on_a_header_falls_back_instead_of_raising():
    raw = mail(
        'From: "unterminated <x@example.com>',
        "To: <<<>>>, @@, good@example.com",
        "Subject: =?utf-8?B?@@@?=",
        "Message-ID: <<>>",
    )
    parsed = parse_message(raw)
    assert parsed.from_address == "x@example.com"
    assert ("", "good@example.com") in parsed.to
    assert parsed.subject == "=?utf-8?B?@@@?="


def test_auto_reply_headers_set_the_flag():
    for header in (
        "Auto-Submitted: auto-generated",
        "X-Autoreply: yes",
        "X-Autorespond: vacation",
        "X-Auto-Response-Suppress: OOF, AutoReply",
        "Precedence: auto_reply",
    ):
        assert parse_message(mail(*BASIC, header)).x_autoreply, header
    assert not parse_message(mail(*BASIC, "Auto-Submitted: no")).x_autoreply
    assert parse_message(mail(*BASIC[:2], "Subject: Out of Office: back Monday")).x_autoreply


def test_interesting_headers_are_exposed_decoded_with_lower_case_names():
    parsed = parse_message(
        mail(
            *BASIC,
            "List-Id: =?utf-8?Q?K=C3=A4ufer?= <buyers.example.com>",
            "Delivered-To: a@x",
            "Delivered-To: b@x",
        )
    )
    assert parsed.list_id == "Käufer <buyers.example.com>"
    assert parsed.headers["list-id"] == "Käufer <buyers.example.com>"
    assert parsed.headers["delivered-to"] == "a@x, b@x"


def test_parsed_attachment_size_is_its_byte_length():
    assert ParsedAttachment("a.bin", "application/octet-stream", b"12345").size == 5


def test_same_mail_delivered_twice_with_different_received_headers_has_one_hash_and_key():
    first = b"Received: from a by b; Mon, 15 Jan 2024\r\n" + mail(*BASIC)
    second = b"Received: from c by d; Tue, 16 Jan 2024\r\nX-Spam-Score: 1\r\n" + mail(*BASIC).replace(
        b"\r\n", b"\n"
    )
    assert content_hash(first) == content_hash(second)
    assert dedupe_key(first) == dedupe_key(second)
    assert len(dedupe_key(first)) == 64


def test_trailing_blanks_added_or_stripped_on_the_way_do_not_change_the_hash():
    plain = mail(*BASIC, body="Line one\nLine two")
    padded = plain.replace(b"Line one", b"Line one \t ")
    assert padded != plain
    assert content_hash(plain) == content_hash(padded)
    assert dedupe_key(plain) == dedupe_key(padded)


def test_hash_changes_with_the_body_and_with_the_message_id():
    base = mail(*BASIC)
    assert content_hash(base) != content_hash(mail(*BASIC, body="Goodbye."))
    assert content_hash(base) != content_hash(base.replace(b"<abc@example.com>", b"<other@example.com>"))


def test_identical_bodies_without_message_id_from_different_senders_are_not_duplicates():
    one = mail("From: a@example.com", "Subject: Thanks", body="Thanks!")
    two = mail("From: b@example.com", "Subject: Thanks", body="Thanks!")
    assert content_hash(one) == content_hash(two)  # the body alone is the same...
    assert dedupe_key(one) != dedupe_key(two)  # ...but the key tells them apart


def test_preview_is_one_line_without_quote_and_signature():
    text = "Hi,\n\nit works   now.\n\nOn Mon, Jan 15, 2024 Support <s@x.com> wrote:\n> Try again\n"
    assert preview(text) == "Hi, it works now."
    assert preview("Short\n-- \nSig") == "Short"
    long = preview("word " * 100, 50)
    assert len(long) <= 50 and long.endswith("…")
    assert preview("> only a quote") == "> only a quote"


def test_html_only_message_gets_a_text_rendering_and_sanitized_html():
    raw = mail(
        *BASIC,
        "Content-Type: text/html; charset=utf-8",
        body='<p>Hello <b>there</b></p><script>x()</script><a href="https://e.example/">link</a>',
    )
    parsed = parse_message(raw)
    assert parsed.text == "Hello there\n\nlink (https://e.example/)"
    assert "<script" not in parsed.html and "<b>there</b>" in parsed.html


def test_plain_only_message_has_empty_html():
    assert parse_message(mail(*BASIC)).html == ""


def test_html_without_charset_uses_its_meta_charset():
    body = b'<meta charset="windows-1251"><p>' + "Привет".encode("cp1251") + b"</p>"
    raw = mail(*BASIC, "Content-Type: text/html").replace(b"Hello.", body)
    assert "Привет" in parse_message(raw).text


def test_extremely_deep_nesting_neither_crashes_nor_loses_the_raw_parts():
    lines = list(BASIC)
    for level in range(120):
        lines += [f'Content-Type: multipart/mixed; boundary="b{level}"', "", f"--b{level}"]
    lines += ["Content-Type: text/plain", "", "deep text"]
    lines += [f"--b{level}--" for level in reversed(range(120))]
    parsed = parse_message("\r\n".join(lines).encode())
    assert parsed.subject == "Help"
    kept = b"".join(attachment.content for attachment in parsed.attachments) + parsed.text.encode()
    assert b"deep text" in kept
    assert parsed.defects


def test_huge_subject_is_cut_and_parsing_stays_fast():
    raw = mail("From: a@example.com", "Subject: " + "word " * 200_000)
    started = time.monotonic()
    parsed = parse_message(raw)
    assert time.monotonic() - started < 5
    assert len(parsed.subject) == 1000
    assert any("subject header" in defect for defect in parsed.defects)


def test_forwarded_message_marked_as_attachment_is_not_inlined():
    inner = "From: x@example.com\r\nSubject: Inner\r\n\r\ninner body\r\n"
    raw = mail(
        *BASIC,
        "Content-Type: multipart/mixed; boundary=b",
        body=(
            "--b\r\nContent-Type: text/plain\r\n\r\nouter\r\n"
            "--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n"
            f"{inner}--b--"
        ),
    )
    parsed = parse_message(raw)
    assert parsed.text == "outer"
    assert [attachment.filename for attachment in parsed.attachments] == ["Inner.eml"]


def test_success_notification_report_is_automatic_but_not_a_bounce():
    raw = mail(
        "From: MAILER-DAEMON@example.com",
        "Subject: Successful Mail Delivery Report",
        "Content-Type: multipart/report; report-type=delivery-status; boundary=r",
        body=(
            "--r\r\nContent-Type: text/plain\r\n\r\nDelivered.\r\n"
            "--r\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Final-Recipient: rfc822; ok@example.com\r\nAction: delivered\r\nStatus: 2.0.0\r\n\r\n--r--"
        ),
    )
    parsed = parse_message(raw)
    assert not parsed.is_bounce
    assert parsed.x_autoreply


def test_smime_encrypted_message_is_kept_whole_as_an_attachment():
    raw = mail(
        *BASIC,
        'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
        "Content-Transfer-Encoding: base64",
        body="MIAGCSqGSIb3DQEHA6CAMIACAQAxggE=",
    )
    parsed = parse_message(raw)
    assert parsed.text == "" and parsed.html == ""
    (attachment,) = parsed.attachments
    assert attachment.filename == "smime.p7m"
    assert attachment.content.startswith(b"0\x80\x06\t*\x86H")


def test_named_text_part_in_mixed_is_an_attachment_but_a_named_single_part_is_the_body():
    raw = mail(
        *BASIC,
        "Content-Type: multipart/mixed; boundary=b",
        body=(
            "--b\r\nContent-Type: text/plain\r\n\r\nbody text\r\n"
            "--b\r\nContent-Type: text/plain; name=log.txt\r\n\r\nlog line\r\n--b--"
        ),
    )
    parsed = parse_message(raw)
    assert parsed.text == "body text"
    assert [(a.filename, a.content) for a in parsed.attachments] == [("log.txt", b"log line")]
    single = parse_message(mail(*BASIC, "Content-Type: text/plain; name=note.txt", body="just this"))
    assert single.text == "just this" and single.attachments == []


def test_headers_that_make_policy_default_raise_are_read_with_the_fallback():
    # Each of these values raises IndexError/AttributeError inside Python's policy.default parser.
    raw = mail(
        "From: Real Sender <real@example.com>",
        "To: a@example.com, <",
        "Cc: broken@[",
        'Reply-To: "',
        "Message-ID: <@>",
        "Subject: still fine",
    )
    parsed = parse_message(raw)
    assert parsed.from_address == "real@example.com"
    assert parsed.to == [("", "a@example.com")]
    assert parsed.cc == []  # nothing address-like to recover
    assert parsed.reply_to == []
    assert parsed.subject == "still fine"
