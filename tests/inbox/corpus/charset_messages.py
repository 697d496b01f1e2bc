"""Corpus messages about charsets: Thai, Russian, Norwegian, Arabic, Japanese, mislabelled and broken text."""

from __future__ import annotations

from tests.inbox.corpus.eml import (
    AR_TEXT,
    JA_TEXT,
    NO_TEXT,
    RU_TEXT,
    TH_TEXT,
    b64,
    crlf,
    ew,
    qp,
    std,
)


def messages() -> dict[str, bytes]:
    m: dict[str, bytes] = {}

    m["01-plain-ascii.eml"] = crlf(
        *std("Printer is broken", "plain-1"),
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Hello,",
        "",
        "My printer stopped working yesterday.",
        "",
        "-- ",
        "Carl Customer",
        "",
    )

    m["02-thai-tis620.eml"] = crlf(
        *std(ew("ปัญหาการสั่งซื้อ", "tis-620"), "thai-1"),
        "Content-Type: text/plain; charset=TIS-620",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        qp(TH_TEXT.encode("tis-620")),
        "",
    )

    m["03-thai-undeclared-windows874.eml"] = crlf(
        *std(ew("สั่งซื้อ", "utf-8"), "thai-2"),
        "Content-Type: text/plain",
        "Content-Transfer-Encoding: 8bit",
        "",
        TH_TEXT.encode("cp874"),
        "",
    )

    m["04-russian-koi8r.eml"] = crlf(
        *std(ew("Не работает принтер", "koi8-r"), "ru-1"),
        "Content-Type: text/plain; charset=KOI8-R",
        "Content-Transfer-Encoding: 8bit",
        "",
        RU_TEXT.encode("koi8_r"),
        "",
    )

    m["05-russian-cp1251-labelled-latin1.eml"] = crlf(
        *std(ew("Счёт за декабрь", "cp1251", "Q").replace("cp1251", "iso-8859-1"), "ru-2"),
        "Content-Type: text/plain; charset=iso-8859-1",
        "Content-Transfer-Encoding: 8bit",
        "",
        RU_TEXT.encode("cp1251"),
        "",
    )

    m["06-russian-raw-8bit-headers.eml"] = crlf(
        b"From: " + "Иван Петров".encode("koi8_r") + b" <ivan@example.ru>",
        "To: support@helpdesk.example",
        "Date: Tue, 16 Jan 2024 09:30:00 +0300",
        "Message-ID: <ru-3@example.ru>",
        b"Subject: " + "Вопрос по заказу".encode("koi8_r"),
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=koi8-r",
        "Content-Transfer-Encoding: 8bit",
        "",
        RU_TEXT.encode("koi8_r"),
        "",
    )

    m["07-norwegian-latin1.eml"] = crlf(
        *std(ew("Spørsmål om blåbær", "iso-8859-1", "Q"), "no-1"),
        "Content-Type: text/plain; charset=ISO-8859-1",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        qp(NO_TEXT.encode("latin-1")),
        "",
    )

    flowed = (
        "Takk for svaret! Jeg prøvde å starte på nytt, men det hjelper ikke. \r\n"
        "Blåbærsyltetøyet er fortsatt ikke kommet.\r\n"
        "\r\n"
        "Den man. 15. jan. 2024 kl. 10:00 skrev Kundeservice <support@helpdesk.example>:\r\n"
        "> Har du prøvd å starte på nytt? \r\n"
        "> Hilsen Ærlig Øystein\r\n"
    )
    m["08-norwegian-utf8-flowed.eml"] = crlf(
        *std(ew("Re: Spørsmål om blåbær", "utf-8"), "no-2", ("In-Reply-To: <support-1@helpdesk.example>",)),
        "Content-Type: text/plain; charset=utf-8; format=flowed",
        "Content-Transfer-Encoding: 8bit",
        "",
        flowed.encode("utf-8"),
    )

    m["09-arabic-windows1256.eml"] = crlf(
        *std(ew("مشكلة في الطلب", "windows-1256"), "ar-1"),
        "Content-Type: text/plain; charset=windows-1256",
        "Content-Transfer-Encoding: base64",
        "",
        b64(AR_TEXT.encode("cp1256")),
        "",
    )

    arabic_html = (
        '<html dir="rtl"><body><div dir="rtl">شكرا لكم!</div><br>'
        '<div class="gmail_quote"><div dir="rtl" class="gmail_attr">'
        "في الاثنين، 15 يناير 2024 في 10:00 ص، كتب "
        "الدعم &lt;support@helpdesk.example&gt;:<br></div>"
        '<blockquote class="gmail_quote">هل جربت إعادة التشغيل؟</blockquote></div></body></html>'
    )
    m["10-arabic-utf8-html-only.eml"] = crlf(
        *std(ew("رد: مشكلة في الطلب", "utf-8"), "ar-2"),
        "Content-Type: text/html; charset=UTF-8",
        "Content-Transfer-Encoding: base64",
        "",
        b64(arabic_html.encode("utf-8")),
        "",
    )

    m["11-japanese-iso2022jp.eml"] = crlf(
        *std(ew("注文について", "iso-2022-jp"), "ja-1"),
        "Content-Type: text/plain; charset=ISO-2022-JP",
        "Content-Transfer-Encoding: 7bit",
        "",
        JA_TEXT.encode("iso2022_jp"),
        "",
    )

    m["29-utf8-declared-but-invalid.eml"] = crlf(
        *std("Broken UTF-8", "badutf8-1"),
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        "Grüße aus Köln, das Café ist geöffnet. ".encode() + "Ärger mit dem Paket.".encode("latin-1"),
        "",
    )

    m["30-unknown-8bit.eml"] = crlf(
        *std("=?unknown-8bit?Q?R=E9clamation?=", "unknown8-1"),
        "Content-Type: text/plain; charset=unknown-8bit",
        "Content-Transfer-Encoding: 8bit",
        "",
        "Réclamation: le colis est arrivé endommagé, merci de me répondre.".encode("cp1252"),
        "",
    )

    m["31-broken-encoded-words.eml"] = crlf(
        # A UTF-8 "é" split across two encoded words, words glued together, spaces inside a Q word.
        "From: =?utf-8?Q?Smith=2C_John?= <John.Smith@Example.com>",
        'To: John Smith john@example.com, broken <<nested@example.com>>, "Quoted, Name" <q@example.com>',
        "Cc: =?utf-8?B?0JjQstCw0L0=?= <ivan@example.ru>; undisclosed-recipients:;",
        "Reply-To: <Replies@Example.com>",
        "Date: Mon, 15 Jan 2024 10:00:00 +0100",
        "Message-ID: broken-id-without-brackets@example.com",
        "Subject: =?utf-8?Q?Caf=C3?= =?utf-8?Q?=A9?==?utf-8?B?IGNyw6htZQ==?= =?utf-8?Q?with space?= "
        "=?utf-8?B?!!!broken###?= tail",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Body of the broken-header message.",
        "",
    )

    m["41-latin1-label-utf8-content.eml"] = crlf(
        *std("Mislabelled UTF-8", "mislabel-utf8-1"),
        "Content-Type: text/plain; charset=iso-8859-1",
        "Content-Transfer-Encoding: 8bit",
        "",
        "Blåbærsyltetøy på brødskiva, takk.".encode(),
        "",
    )

    m["42-koi8r-undeclared.eml"] = crlf(
        *std("No charset at all", "koi8-undeclared-1"),
        "Content-Type: text/plain",
        "Content-Transfer-Encoding: 8bit",
        "",
        RU_TEXT.encode("koi8_r"),
        "",
    )

    return m
