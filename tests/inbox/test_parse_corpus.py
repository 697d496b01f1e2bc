"""Every message of the hostile corpus (tests/inbox/corpus/) parses into what a person would read."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from inbox.mail.html import html_to_text
from inbox.mail.parse import MessageParseError, parse_message
from inbox.mail.quotes import split_quoted_html, split_quoted_text
from tests.inbox.corpus import build_corpus

CORPUS = Path(build_corpus.__file__).resolve().parent
EML_FILES = sorted(CORPUS.glob("*.eml"))
NOT_MAIL = {"99-binary-garbage.eml"}
MAIL_FILES = [path for path in EML_FILES if path.name not in NOT_MAIL]

# name -> what must be true of the parsed message. Keys:
#   subject (exact), text / not_text (fragments), html (fragments), from (address),
#   attachments (exact file names in order), inline (names of inline attachments), defects (fragments),
#   any other key is compared with the ParsedMessage attribute of the same name.
EXPECTED: dict[str, dict] = {
    "01-plain-ascii.eml": {
        "subject": "Printer is broken",
        "text": ["My printer stopped working"],
        "html": [],
    },
    "02-thai-tis620.eml": {"subject": "ปัญหาการสั่งซื้อ", "text": ["สวัสดีครับ", "กรุณาช่วยตรวจสอบ"]},
    "03-thai-undeclared-windows874.eml": {"subject": "สั่งซื้อ", "text": ["ผมมีปัญหากับการสั่งซื้อสินค้า"]},
    "04-russian-koi8r.eml": {"subject": "Не работает принтер", "text": ["Здравствуйте!", "принтер"]},
    "05-russian-cp1251-labelled-latin1.eml": {
        "subject": "Счёт за декабрь",
        "text": ["Здравствуйте!", "помогите пожалуйста"],
        "not_text": ["Ç"],
        "defects": ["iso-8859-1"],
    },
    "06-russian-raw-8bit-headers.eml": {
        "subject": "Вопрос по заказу",
        "from_name": "Иван Петров",
        "from": "ivan@example.ru",
        "text": ["Здравствуйте!"],
    },
    "07-norwegian-latin1.eml": {"subject": "Spørsmål om blåbær", "text": ["blåbærsyltetøy og ærfugl"]},
    "08-norwegian-utf8-flowed.eml": {
        "subject": "Re: Spørsmål om blåbær",
        # format=flowed soft breaks are joined into one line
        "text": ["det hjelper ikke. Blåbærsyltetøyet er fortsatt", "skrev Kundeservice", "Ærlig Øystein"],
        "in_reply_to": ["<support-1@helpdesk.example>"],
    },
    "09-arabic-windows1256.eml": {"subject": "مشكلة في الطلب", "text": ["مرحبا، لدي مشكلة في الطلب"]},
    "10-arabic-utf8-html-only.eml": {
        "subject": "رد: مشكلة في الطلب",
        "text": ["شكرا لكم!", "> هل جربت إعادة التشغيل؟"],
        "html": ['dir="rtl"', "شكرا لكم!", 'class="gmail_quote"'],
    },
    "11-japanese-iso2022jp.eml": {"subject": "注文について", "text": ["注文についての質問があります"]},
    "12-html-xss.eml": {
        "text": ["Visible greeting", "Visible ending", "fine link (https://ok.example/page)"],
        "not_text": ["alert", "Phish title", "display:none"],
        "html": [
            "Visible greeting",
            'href="https://ok.example/page"',
            'target="_blank"',
            "data:image/png;base64",
        ],
    },
    "13-alternative-related-cid.eml": {
        "text": ["Here is a screenshot of the error"],
        "html": ['src="cid:screenshot.png@01DA0001"', 'src="cid:logo@example.com"'],
        "attachments": ["image001.png", "attachment-1.png", "attachment-2.png"],
        "inline": ["image001.png", "attachment-1.png"],
    },
    "14-forward-3-levels.eml": {
        "subject": "Fwd level 0",
        "text": [
            "Comment at level 0",
            "Comment at level 1",
            "Comment at level 2",
            "Innermost order question: where is order 42?",
            "From: Person 3 <person3@example.com>",
        ],
        "attachments": ["Fwd level 1.eml"],
    },
    "15-dsn-bounce-rfc822.eml": {
        "is_bounce": True,
        "bounce_original_message_id": "<reply-42-abc@helpdesk.example>",
        "text": ["could not be delivered"],
        "attachments": ["delivery-status.txt", "Re_ Your ticket [#42].eml"],
    },
    "16-dsn-bounce-rfc822-headers.eml": {
        "is_bounce": True,
        "bounce_original_message_id": "<reply-77-def@helpdesk.example>",
        "bounce_reason": "552 5.2.2 Mailbox full (status 5.2.2, recipient full@example.net)",
        "attachments": ["delivery-status.txt", "original-headers.txt"],
    },
    "17-mailer-daemon-qmail.eml": {
        "is_bounce": True,
        "bounce_original_message_id": "<reply-88-ghi@helpdesk.example>",
        "bounce_reason": "Sorry, no mailbox here by that name. (#5.1.1)",
    },
    "18-out-of-office.eml": {
        "x_autoreply": True,
        "auto_submitted": "auto-replied",
        "precedence": "bulk",
        "is_bounce": False,
    },
    "19-outlook-reply-without-references.eml": {
        "from": "olga.outlook@example.com",
        "references": [],
        "in_reply_to": [],
        "text": ["Yes, please send the replacement.", "Shall we send a replacement?"],
        "html": ["border-top:solid #E1E1E1"],
    },
    "20-attachments-without-names.eml": {
        "attachments": ["attachment-1.bin", "attachment-2.png", "attachment-3.csv", "attachment-4.pdf"],
        "text": ["See the attached files."],
    },
    "21-rfc2231-russian-filenames.eml": {
        "attachments": ["Счёт за декабрь.pdf", "Договор.doc", "Акт сверки.txt", "Прайс.xls"],
        "text": ["Documents attached."],
    },
    "22-huge-references-header.eml": {
        "in_reply_to": ["<ref-039999@lists.example.com>"],
        "text": ["Still going."],
        "defects": ["References header"],
    },
    "23-missing-closing-boundary.eml": {
        "text": ["The report is attached."],
        "attachments": ["report.pdf"],
        "defects": ["closing MIME boundary is missing"],
    },
    "24-missing-boundary-parameter.eml": {
        "text": ["The body is still readable."],
        "not_text": ["lost-boundary-123", "attached notes"],
        "attachments": ["notes.txt"],
    },
    "25-headers-only.eml": {
        "subject": "Subject only, no body",
        "text_exact": "",
        "html": [],
        "attachments": [],
    },
    "26-tnef-winmail.eml": {"attachments": ["winmail.dat"], "text": ["Message body in plain text."]},
    "27-smime-signed.eml": {"attachments": ["smime.p7s"], "text": ["This text is signed."]},
    "28-pgp-encrypted.eml": {"attachments": ["pgp-encrypted.asc", "encrypted.asc"]},
    "29-utf8-declared-but-invalid.eml": {
        "text": ["Grüße aus Köln, das Café ist geöffnet. Ärger mit dem Paket."]
    },
    "30-unknown-8bit.eml": {
        "subject": "Réclamation",
        "text": ["Réclamation: le colis est arrivé endommagé, merci de me répondre."],
    },
    "31-broken-encoded-words.eml": {
        "subject_startswith": "Café crème",
        "from_name": "Smith, John",
        "from": "john.smith@example.com",
        "to": [
            ("John Smith", "john@example.com"),
            ("broken", "nested@example.com"),
            ("Quoted, Name", "q@example.com"),
        ],
        "cc": [("Иван", "ivan@example.ru")],
        "reply_to": [("", "replies@example.com")],
        "message_id": "<broken-id-without-brackets@example.com>",
    },
    "32-binary-garbage-body.eml": {"text": ["Readable start.", "readable end."], "defects": ["not valid"]},
    "33-no-headers-text.eml": {
        "text": ["Just some text pasted without any headers.", "Second line."],
        "message_id": "",
        "date": None,
        "defects": ["no header lines"],
    },
    "34-gmail-reply.eml": {
        "references": ["<ticket-42@helpdesk.example>", "<support-42@helpdesk.example>"],
        "html": ['class="gmail_quote"'],
        "text": ["Thanks, that fixed it!"],
    },
    "35-apple-inline-image.eml": {
        "text": ["Look at this photo:", "The box was crushed."],
        "attachments": ["IMG_0001.png"],
        "inline": [],
    },
    "36-wrong-boundary-parameter.eml": {
        "text": ["Plain alternative text."],
        "not_text": ["actually-used"],
        "html": ["<b>alternative</b>"],
    },
    "37-deep-nesting.eml": {"text": ["Bottom of the well."]},
    "38-calendar-invite.eml": {"attachments": ["invite.ics"], "text": ["You are invited to a call."]},
    "39-hostile-filenames.eml": {"text": ["Files."]},
    "40-marketing-html-only.eml": {
        "text": ["Café crème for 2 €.", "- First offer", "See all offers (https://shop.example/offers)"],
        "not_text": ["font-family"],
        "list_id": "Offers <offers.shop.example>",
        "precedence": "list",
    },
    "41-latin1-label-utf8-content.eml": {"text": ["Blåbærsyltetøy på brødskiva, takk."]},
    "42-koi8r-undeclared.eml": {"text": ["Здравствуйте! У меня не работает принтер"]},
    "43-no-date-no-id-no-from.eml": {
        "date": None,
        "message_id": "",
        "from": "",
        "subject": "Anonymous",
        "text": ["Who sent this?"],
    },
    "44-interleaved-reply.eml": {"text": ["It is 42.", "Blue."]},
    "45-dsn-delayed-nested-in-forward.eml": {
        "is_bounce": False,
        "text": ["Why did this happen?", "Delivery is delayed."],
        "attachments": ["Delivery delayed.eml"],
    },
}


def test_the_corpus_holds_at_least_thirty_hostile_messages_with_expectations():
    assert len(MAIL_FILES) >= 30
    assert {path.name for path in MAIL_FILES} == set(EXPECTED)


def test_the_committed_corpus_matches_its_generator(tmp_path):
    built = build_corpus.messages()
    assert set(built) == {path.name for path in EML_FILES}
    for name, data in built.items():
        assert (CORPUS / name).read_bytes() == data, f"{name} differs; run build_corpus.py"


@pytest.mark.parametrize("path", MAIL_FILES, ids=lambda path: path.name)
def test_corpus_message_parses_to_what_a_reader_expects(path):
    parsed = parse_message(path.read_bytes())
    expected = dict(EXPECTED[path.name])
    if "subject" in expected:
        assert parsed.subject == expected.pop("subject")
    if "subject_startswith" in expected:
        assert parsed.subject.startswith(expected.pop("subject_startswith"))
    for fragment in expected.pop("text", []):
        assert fragment in parsed.text
    for fragment in expected.pop("not_text", []):
        assert fragment not in parsed.text
    if "text_exact" in expected:
        assert parsed.text == expected.pop("text_exact")
    html = expected.pop("html", None)
    if html == []:
        assert parsed.html == ""
    for fragment in html or []:
        assert fragment in parsed.html
    if "from" in expected:
        assert parsed.from_address == expected.pop("from")
    if "attachments" in expected:
        assert [attachment.filename for attachment in parsed.attachments] == expected.pop("attachments")
    if "inline" in expected:
        assert [a.filename for a in parsed.attachments if a.is_inline] == expected.pop("inline")
    for fragment in expected.pop("defects", []):
        assert any(fragment in defect for defect in parsed.defects), parsed.defects
    for name, value in expected.items():
        assert getattr(parsed, name) == value, name


@pytest.mark.parametrize("path", MAIL_FILES, ids=lambda path: path.name)
def test_corpus_message_yields_clean_strings_and_safe_html(path):
    parsed = parse_message(path.read_bytes())
    strings = [parsed.subject, parsed.text, parsed.html, parsed.from_name, parsed.bounce_reason]
    strings += [name for name, _address in parsed.to + parsed.cc + parsed.reply_to]
    strings += [attachment.filename for attachment in parsed.attachments] + parsed.defects
    for value in strings:
        assert "\x00" not in value
        assert not any("\ud800" <= ch <= "\udfff" for ch in value)
    lowered = parsed.html.lower()
    assert "<script" not in lowered
    assert "javascript:" not in lowered and "vbscript:" not in lowered
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", lowered)
    assert "<iframe" not in lowered and "<object" not in lowered and "<style" not in lowered
    for attachment in parsed.attachments:
        assert attachment.filename and len(attachment.filename) <= 200
        assert "/" not in attachment.filename and "\\" not in attachment.filename
        assert attachment.size == len(attachment.content)
    if parsed.date is not None:
        assert parsed.date.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("path", MAIL_FILES, ids=lambda path: path.name)
def test_quote_splitting_of_corpus_bodies_keeps_every_word(path):
    parsed = parse_message(path.read_bytes())
    new, quoted = split_quoted_text(parsed.text)
    assert "".join((new + quoted).split()) == "".join(parsed.text.split())
    if parsed.html:
        new_html, quoted_html = split_quoted_html(parsed.html)
        words = html_to_text(parsed.html).split()
        kept = (html_to_text(new_html) + " " + html_to_text(quoted_html)).split()
        assert sorted(words) == sorted(kept)


def test_binary_garbage_without_headers_is_refused_with_a_clear_error():
    with pytest.raises(MessageParseError, match="not an email message"):
        parse_message((CORPUS / "99-binary-garbage.eml").read_bytes())


def test_xss_message_keeps_no_active_content_at_all():
    parsed = parse_message((CORPUS / "12-html-xss.eml").read_bytes())
    html = parsed.html.lower()
    for banned in (
        "alert(",
        "evil.example",
        "<form",
        "<input",
        "<svg",
        "<math",
        "<base",
        "<meta",
        "data:text",
    ):
        assert banned not in html, banned
    assert "data:image/svg" not in html
    assert "position" not in html and "url(" not in html
    assert 'rel="noopener noreferrer nofollow"' in html


def test_cid_images_are_inline_attachments_and_the_unreferenced_one_is_not():
    parsed = parse_message((CORPUS / "13-alternative-related-cid.eml").read_bytes())
    by_id = {attachment.content_id: attachment for attachment in parsed.attachments}
    assert by_id["screenshot.png@01DA0001"].is_inline
    assert by_id["logo@example.com"].is_inline
    assert not by_id["unused@example.com"].is_inline
    assert by_id["screenshot.png@01DA0001"].content.startswith(b"\x89PNG")


def test_dsn_bounce_exposes_the_original_message_id_and_the_smtp_reason():
    parsed = parse_message((CORPUS / "15-dsn-bounce-rfc822.eml").read_bytes())
    assert parsed.bounce_original_message_id == "<reply-42-abc@helpdesk.example>"
    assert parsed.bounce_reason.startswith("550 5.1.1 <nobody@example.org>: Recipient address rejected")
    assert "User unknown in virtual mailbox table" in parsed.bounce_reason
    assert "recipient nobody@example.org" in parsed.bounce_reason
    original = next(a for a in parsed.attachments if a.content_type == "message/rfc822")
    assert b"Message-ID: <reply-42-abc@helpdesk.example>" in original.content


def test_forward_keeps_the_outer_forward_byte_for_byte_as_an_eml_attachment():
    parsed = parse_message((CORPUS / "14-forward-3-levels.eml").read_bytes())
    (eml,) = parsed.attachments
    inner = parse_message(eml.content)
    assert inner.subject == "Fwd level 1"
    assert "Innermost order question" in inner.text
    # the markers appear once per level, innermost last
    assert parsed.text.count("---------- Forwarded message ----------") == 3
    assert parsed.text.index("Comment at level 2") < parsed.text.index("Innermost order question")


def test_hostile_file_names_lose_paths_controls_and_bidi_tricks():
    parsed = parse_message((CORPUS / "39-hostile-filenames.eml").read_bytes())
    names = [attachment.filename for attachment in parsed.attachments]
    assert names[0] == "passwd"
    assert names[1] == "invoicetxt.exe"  # the right-to-left override that disguised ".exe" is gone
    assert len(names[2]) == 200 and names[2].endswith(".pdf")
    assert names[3] == "attachment-1.bin"
    assert names[4].endswith("name.txt") and "\t" not in names[4] and "\n" not in names[4]


def test_mislabelled_windows1251_subject_follows_the_charset_the_body_proved():
    parsed = parse_message((CORPUS / "05-russian-cp1251-labelled-latin1.eml").read_bytes())
    assert parsed.subject == "Счёт за декабрь"
    assert "Ñ" not in parsed.subject


def test_mutilated_corpus_messages_never_crash_the_parser():
    """Truncations, inserted MIME/RFC 2047 fragments, NULs, random bytes: parsed or refused, never a crash."""
    rng = random.Random(20240115)
    originals = [path.read_bytes() for path in MAIL_FILES if "huge" not in path.name]
    fragments = [b"\r\n", b"--", b"=?utf-8?B?", b"?=", b"<", b"\x00", b"\xff\xfe", b"boundary=", b"\r\n\r\n"]
    fragments += [
        b"Content-Type: multipart/mixed; boundary=x\r\n",
        b"--x\r\n",
        b"filename*0*=",
        b"charset=\x00",
    ]
    parsed = refused = 0
    for _round in range(250):
        data = bytearray(rng.choice(originals))
        for _edit in range(rng.randint(1, 6)):
            position = rng.randrange(len(data) + 1)
            choice = rng.random()
            if choice < 0.4:
                data[position:position] = rng.choice(fragments)
            elif choice < 0.6:
                del data[position : position + rng.randint(1, 40)]
            elif choice < 0.8:
                data[position:position] = rng.randbytes(rng.randint(1, 16))
            else:
                data = data[:position]
        try:
            message = parse_message(bytes(data))
        except MessageParseError:
            refused += 1
            continue
        split_quoted_text(message.text)
        split_quoted_html(message.html)
        assert "<script" not in message.html.lower()
        parsed += 1
    assert parsed > 200
