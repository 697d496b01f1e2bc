"""Corpus messages that answer something: bounces, auto-replies, Outlook and Gmail replies, interleaving."""

from __future__ import annotations

from tests.inbox.corpus.eml import (
    crlf,
    std,
)


def messages() -> dict[str, bytes]:
    m: dict[str, bytes] = {}

    original = crlf(
        "From: Support <support@helpdesk.example>",
        "To: nobody@example.org",
        "Subject: Re: Your ticket [#42]",
        "Date: Mon, 15 Jan 2024 09:00:00 +0000",
        "Message-ID: <reply-42-abc@helpdesk.example>",
        "",
        "We have answered your question.",
        "",
    )
    m["15-dsn-bounce-rfc822.eml"] = crlf(
        "From: Mail Delivery System <MAILER-DAEMON@mx.helpdesk.example>",
        "To: support@helpdesk.example",
        "Date: Mon, 15 Jan 2024 09:00:05 +0000",
        "Message-ID: <dsn-1@mx.helpdesk.example>",
        "Subject: Undelivered Mail Returned to Sender",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"',
        "",
        "--dsn",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "This is the mail system at host mx.helpdesk.example.",
        "I'm sorry to have to inform you that your message could not be delivered.",
        "",
        "<nobody@example.org>: host mx.example.org said: 550 5.1.1 <nobody@example.org>: Recipient",
        "    address rejected: User unknown in virtual mailbox table",
        "--dsn",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.helpdesk.example",
        "Arrival-Date: Mon, 15 Jan 2024 09:00:01 +0000",
        "",
        "Final-Recipient: rfc822; nobody@example.org",
        "Original-Recipient: rfc822;nobody@example.org",
        "Action: failed",
        "Status: 5.1.1",
        "Remote-MTA: dns; mx.example.org",
        "Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.org>: Recipient address rejected:",
        "    User unknown in virtual mailbox table",
        "",
        "--dsn",
        "Content-Type: message/rfc822",
        "",
        original,
        "--dsn--",
        "",
    )

    m["16-dsn-bounce-rfc822-headers.eml"] = crlf(
        "From: postmaster@mail.example.net",
        "To: support@helpdesk.example",
        "Date: Mon, 15 Jan 2024 09:10:00 +0000",
        "Message-ID: <dsn-2@mail.example.net>",
        "Subject: Delivery Status Notification (Failure)",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type="delivery-status"; boundary="b2"',
        "",
        "--b2",
        "Content-Type: text/plain",
        "",
        "Delivery to the following recipient failed permanently: full@example.net",
        "--b2",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mail.example.net",
        "",
        "Final-Recipient: rfc822; full@example.net",
        "Action: failed",
        "Status: 5.2.2",
        "Diagnostic-Code: smtp; 552 5.2.2 Mailbox full",
        "",
        "--b2",
        "Content-Type: text/rfc822-headers",
        "",
        "From: Support <support@helpdesk.example>",
        "To: full@example.net",
        "Subject: Re: Refund [#77]",
        "Message-ID: <reply-77-def@helpdesk.example>",
        "",
        "--b2--",
        "",
    )

    m["17-mailer-daemon-qmail.eml"] = crlf(
        "From: MAILER-DAEMON@qmail.example.com",
        "To: support@helpdesk.example",
        "Date: 15 Jan 2024 09:20:00 -0000",
        "Message-ID: <qmail-bounce-1@qmail.example.com>",
        "Subject: failure notice",
        "",
        "Hi. This is the qmail-send program at qmail.example.com.",
        "I'm afraid I wasn't able to deliver your message to the following addresses.",
        "This is a permanent error; I've given up. Sorry it didn't work out.",
        "",
        "<gone@qmail.example.com>:",
        "Sorry, no mailbox here by that name. (#5.1.1)",
        "",
        "--- Below this line is a copy of the message.",
        "",
        "Return-Path: <support@helpdesk.example>",
        "From: Support <support@helpdesk.example>",
        "To: gone@qmail.example.com",
        "Subject: Re: Order [#88]",
        "Message-ID: <reply-88-ghi@helpdesk.example>",
        "",
        "Your order has shipped.",
        "",
    )

    m["18-out-of-office.eml"] = crlf(
        *std(
            "Automatic reply: Your ticket [#42]",
            "ooo-1",
            ("Auto-Submitted: auto-replied", "X-Auto-Response-Suppress: All", "Precedence: bulk"),
        ),
        "Content-Type: text/plain; charset=utf-8",
        "",
        "I am out of the office until Monday and will not read mail.",
        "",
    )

    outlook_html = (
        '<html><head><style>p.MsoNormal{margin:0}</style></head><body lang="EN-US"><div class="WordSection1">'
        '<p class="MsoNormal">Yes, please send the replacement.<o:p></o:p></p>'
        '<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in">'
        '<p class="MsoNormal"><b>From:</b> Support &lt;support@helpdesk.example&gt;<br><b>Sent:</b> Monday, '
        "January 15, 2024 10:00 AM<br><b>To:</b> Olga Outlook<br>"
        "<b>Subject:</b> Your ticket [#42]</p></div></div>"
        '<p class="MsoNormal">Shall we send a replacement?</p></div></body></html>'
    )
    m["19-outlook-reply-without-references.eml"] = crlf(
        "From: Olga Outlook <Olga.Outlook@Example.COM>",
        "To: Support <support@helpdesk.example>",
        "Subject: RE: Your ticket [#42]",
        "Thread-Topic: Your ticket [#42]",
        "Thread-Index: AQHaR2x1c3VwcG9ydA==",
        "Date: Mon, 15 Jan 2024 11:00:00 +0000",
        "Message-ID: <AM0PR01MB1234ABCD@AM0PR01MB1234.eurprd01.prod.outlook.com>",
        "Content-Language: en-US",
        "X-MS-Has-Attach:",
        "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="_000_AM0PR01MB1234_"',
        "",
        "--_000_AM0PR01MB1234_",
        'Content-Type: text/plain; charset="us-ascii"',
        "",
        "Yes, please send the replacement.",
        "",
        "From: Support <support@helpdesk.example>",
        "Sent: Monday, January 15, 2024 10:00 AM",
        "To: Olga Outlook",
        "Subject: Your ticket [#42]",
        "",
        "Shall we send a replacement?",
        "",
        "--_000_AM0PR01MB1234_",
        'Content-Type: text/html; charset="us-ascii"',
        "",
        outlook_html,
        "--_000_AM0PR01MB1234_--",
        "",
    )

    gmail_html = (
        '<div dir="ltr">Thanks, that fixed it!<div><br></div></div><br><div class="gmail_quote">'
        '<div dir="ltr" class="gmail_attr">On Mon, Jan 15, 2024 at 10:00 AM Support &lt;<a '
        'href="mailto:support@helpdesk.example">support@helpdesk.example</a>&gt; wrote:<br></div>'
        '<blockquote class="gmail_quote" '
        'style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);'
        'padding-left:1ex"><div dir="ltr">Please restart the router.</div></blockquote></div>'
    )
    m["34-gmail-reply.eml"] = crlf(
        *std(
            "Re: Router problem [#42]",
            "gmail-1",
            (
                "In-Reply-To: <support-42@helpdesk.example>",
                "References: <ticket-42@helpdesk.example> <support-42@helpdesk.example>",
            ),
        ),
        'Content-Type: multipart/alternative; boundary="000000000000gmail"',
        "",
        "--000000000000gmail",
        'Content-Type: text/plain; charset="UTF-8"',
        "",
        "Thanks, that fixed it!",
        "",
        "On Mon, Jan 15, 2024 at 10:00 AM Support <support@helpdesk.example>",
        "wrote:",
        "",
        "> Please restart the router.",
        ">",
        "",
        "--000000000000gmail",
        'Content-Type: text/html; charset="UTF-8"',
        "",
        gmail_html,
        "--000000000000gmail--",
        "",
    )

    m["44-interleaved-reply.eml"] = crlf(
        *std("Re: Questions", "interleave-1"),
        "Content-Type: text/plain; charset=utf-8",
        "",
        "On Mon, Jan 15, 2024 at 10:00 AM Support <support@helpdesk.example> wrote:",
        "> What is your order number?",
        "",
        "It is 42.",
        "",
        "> Which colour?",
        "",
        "Blue.",
        "",
    )

    m["45-dsn-delayed-nested-in-forward.eml"] = crlf(
        *std("Fwd: Delivery delayed", "fwd-dsn-1"),
        'Content-Type: multipart/mixed; boundary="fd"',
        "",
        "--fd",
        "Content-Type: text/plain",
        "",
        "Why did this happen?",
        "--fd",
        "Content-Type: message/rfc822",
        "",
        "From: MAILER-DAEMON@example.com",
        "Subject: Delivery delayed",
        "Message-ID: <delay@example.com>",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="dl"',
        "",
        "--dl",
        "Content-Type: text/plain",
        "",
        "Delivery is delayed.",
        "--dl",
        "Content-Type: message/delivery-status",
        "",
        "Final-Recipient: rfc822; slow@example.com",
        "Action: delayed",
        "Status: 4.4.1",
        "",
        "--dl--",
        "--fd--",
        "",
    )

    return m
