"""Telling mail from people apart from mail from machines (auto-responders, lists, bounces, ourselves)."""

import pytest

from inbox.mail.loops import is_automated
from tests.inbox.outgoing_support import customer_mail, make_mailbox, parse


def test_a_persons_mail_is_not_automated(db):
    assert is_automated(customer_mail()) is None
    assert is_automated(customer_mail("Auto-Submitted: no\r\nPrecedence: first-class\r\n")) is None


@pytest.mark.parametrize(
    "headers, reason",
    [
        ("Auto-Submitted: auto-replied\r\n", "Auto-Submitted: auto-replied"),
        ("Auto-Submitted: auto-generated; owner-email=x@example.com\r\n", "Auto-Submitted"),
        ("Precedence: bulk\r\n", "Precedence: bulk"),
        ("Precedence: list\r\n", "Precedence: list"),
        ("X-Precedence: auto_reply\r\n", "X-Precedence: auto_reply"),
        ("List-Id: News <news.example.com>\r\n", "List-Id"),
        ("List-Unsubscribe: <mailto:leave@example.com>\r\n", "List-Unsubscribe"),
        ("X-Autoreply: yes\r\n", "X-Autoreply"),
        ("X-Auto-Response-Suppress: All\r\n", "X-Auto-Response-Suppress"),
        ("Return-Path: <>\r\n", "null sender"),
    ],
)
def test_automated_headers_are_recognised_with_a_reason(db, headers, reason):
    assert reason in is_automated(customer_mail(headers))


def test_x_auto_response_suppress_for_delivery_reports_only_is_not_automation(db):
    assert is_automated(customer_mail("X-Auto-Response-Suppress: DR, RN\r\n")) is None


@pytest.mark.parametrize(
    "sender",
    [
        "MAILER-DAEMON@mx.example.com",
        "postmaster@example.com",
        "no-reply@shop.example",
        "noreply+42@x.example",
    ],
)
def test_robot_senders_are_automated(db, sender):
    assert sender.lower() in is_automated(customer_mail(sender=sender))


def test_delivery_reports_are_automated(db):
    report = parse(
        "From: Mail Delivery System <mailer@mx.example.com>\r\n"
        "To: support@shop.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
        "\r\n--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
        "Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n--b--\r\n"
    )
    assert "multipart/report" in is_automated(report)


def test_mail_from_one_of_our_own_mailboxes_is_automated(db):
    make_mailbox(name="Sales", address="Sales@Shop.example")
    assert "our own mailbox" in is_automated(customer_mail(sender="sales@shop.example"))


def test_something_that_is_not_an_email_message_is_refused_clearly():
    with pytest.raises(TypeError, match="email.message.Message"):
        is_automated({"From": "x@example.com"})
