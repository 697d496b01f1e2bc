"""Helpers for spelling out raw RFC 822 messages byte by byte (used by the corpus modules)."""

from __future__ import annotations

import base64
import hashlib
import quopri


def b64(data: bytes, width: int = 76) -> bytes:
    encoded = base64.b64encode(data)
    return b"\r\n".join(encoded[i : i + width] for i in range(0, len(encoded), width))


def qp(data: bytes) -> bytes:
    return quopri.encodestring(data).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def ew(text: str, charset: str, kind: str = "B") -> str:
    """One RFC 2047 encoded word."""
    data = text.encode(charset)
    if kind == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    encoded = "".join(
        chr(byte) if byte < 128 and chr(byte).isalnum() else ("_" if byte == 32 else f"={byte:02X}")
        for byte in data
    )
    return f"=?{charset}?Q?{encoded}?="


def crlf(*lines: str | bytes) -> bytes:
    """Join lines with CRLF; str lines must be ASCII (8-bit content is passed as bytes)."""
    out = []
    for line in lines:
        out.append(line if isinstance(line, bytes) else line.encode("ascii"))
    return b"\r\n".join(out)


def pseudo_random(size: int, seed: bytes) -> bytes:
    """Deterministic 'binary garbage'."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(out[:size])


def std(subject: str, message_id: str, extra: tuple = (), sender: str = "Customer <customer@example.com>"):
    return (
        f"From: {sender}",
        "To: Support <support@helpdesk.example>",
        "Date: Mon, 15 Jan 2024 10:00:00 +0100",
        f"Message-ID: <{message_id}@example.com>",
        f"Subject: {subject}",
        "MIME-Version: 1.0",
        *extra,
    )


PNG_1PX = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

RU_TEXT = "Здравствуйте! У меня не работает принтер, помогите пожалуйста. Заказ номер 1234."
TH_TEXT = "สวัสดีครับ ผมมีปัญหากับการสั่งซื้อสินค้า กรุณาช่วยตรวจสอบด้วยครับ"
AR_TEXT = "مرحبا، لدي مشكلة في الطلب الخاص بي. أرجو المساعدة في أقرب وقت ممكن."
NO_TEXT = "Hei! Jeg har et spørsmål om blåbærsyltetøy og ærfugl. Kan dere hjelpe?"
JA_TEXT = "こんにちは、注文についての質問があります。よろしくお願いします。"
