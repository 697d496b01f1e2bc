"""Outlook's winmail.dat: the files inside become attachments of their own; the blob is kept too."""

import base64
import struct

from inbox.mail.parse import parse_message

SIGNATURE = 0x223E9F78
LEVEL_MESSAGE, LEVEL_ATTACHMENT = 1, 2
# Attribute ids as Outlook writes them: (type << 16) | id.
TNEF_VERSION = 0x00089006
ATTACH_REND_DATA = 0x00069002
ATTACH_TITLE = 0x00018010
ATTACH_DATA = 0x0006800F


def attribute(level, attribute_id, data):
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BII", level, attribute_id, len(data)) + data + struct.pack("<H", checksum)


def winmail_dat(*files):
    """A TNEF blob in the layout Outlook writes: the version, then per file its rendering, title and data."""
    blob = struct.pack("<IH", SIGNATURE, 0x0101)
    blob += attribute(LEVEL_MESSAGE, TNEF_VERSION, struct.pack("<I", 0x10000))
    for name, data in files:
        blob += attribute(LEVEL_ATTACHMENT, ATTACH_REND_DATA, b"\x01\x00\xff\xff\xff\xff" + b"\x00" * 8)
        blob += attribute(LEVEL_ATTACHMENT, ATTACH_TITLE, name.encode("latin-1") + b"\x00")
        blob += attribute(LEVEL_ATTACHMENT, ATTACH_DATA, data)
    return blob


def outlook_mail(blob):
    encoded = base64.encodebytes(blob).decode()
    return (
        "From: Ola Nordmann <ola@kunde.example>\r\n"
        "To: support@helpdesk.example\r\n"
        "Subject: Faktura\r\n"
        "Message-ID: <tnef-real@kunde.example>\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHer er fakturaen.\r\n"
        "--b\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment; filename=winmail.dat\r\n\r\n"
        f"{encoded}\r\n--b--\r\n"
    ).encode()


def test_files_inside_winmail_dat_are_attachments_next_to_the_blob():
    pdf = b"%PDF-1.4 invoice 2024-118"
    blob = winmail_dat(("faktura.pdf", pdf), ("notes.txt", b"line one\n"))
    parsed = parse_message(outlook_mail(blob))
    by_name = {attachment.filename: attachment for attachment in parsed.attachments}
    assert set(by_name) == {"winmail.dat", "faktura.pdf", "notes.txt"}
    assert by_name["faktura.pdf"].content == pdf
    assert by_name["faktura.pdf"].content_type == "application/pdf"
    assert by_name["notes.txt"].content == b"line one\n"
    assert by_name["winmail.dat"].content == blob  # the original is never dropped
    assert "Her er fakturaen." in parsed.text


def test_a_blob_that_is_not_tnef_stays_an_attachment_with_a_note():
    parsed = parse_message(outlook_mail(b"this is not TNEF at all"))
    assert [attachment.filename for attachment in parsed.attachments] == ["winmail.dat"]
    assert any("winmail.dat attachment could not be unpacked" in defect for defect in parsed.defects)
