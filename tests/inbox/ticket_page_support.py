"""Mailboxes, agents, tickets and messages for the ticket page tests (imported by those test modules)."""

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from inbox.models import Attachment, Customer, CustomerAddress, Mailbox, Message, Ticket

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def make_mailbox(name, signature=""):
    return Mailbox.objects.create(
        name=name,
        address=f"{name.lower()}@shop.example",
        signature=signature,
        smtp_host="127.0.0.1",
        smtp_port=1,
        smtp_security="none",
    )


def make_agent(django_user_model, username, mailbox=None, full_name=("", "")):
    user = django_user_model.objects.create_user(
        username, f"{username}@agents.example", "pw", first_name=full_name[0], last_name=full_name[1]
    )
    if mailbox is not None:
        group, _created = Group.objects.get_or_create(name=f"{mailbox.name} agents")
        group.permissions.add(Permission.objects.get(codename="access_admin"))
        mailbox.groups.add(group)
        user.groups.add(group)
    return user


_numbers = itertools.count(1)


def make_customer(name="Anna Smith", address=None):
    """A customer; the first is anna@customer.example, later ones get numbered addresses."""
    if address is None:
        number = next(_numbers)
        taken = CustomerAddress.objects.filter(address="anna@customer.example").exists()
        address = f"customer{number}@customer.example" if taken else "anna@customer.example"
    customer = Customer.objects.create(name=name)
    CustomerAddress.objects.create(customer=customer, address=address, is_primary=True)
    return customer


def make_ticket(mailbox, customer=None, subject="Where is my parcel?", status=Ticket.Status.OPEN, **fields):
    customer = customer or make_customer()
    now = timezone.now()
    fields.setdefault("created_at", now - timedelta(hours=2))
    fields.setdefault("last_activity_at", now - timedelta(hours=1))
    return Ticket.objects.create(mailbox=mailbox, customer=customer, subject=subject, status=status, **fields)


def add_message(ticket, kind=Message.Kind.INCOMING, *, minutes_ago=60, author=None, **fields):
    fields.setdefault("body_html", "<p>Hello, my parcel has not arrived.</p>")
    fields.setdefault("body_text", "Hello, my parcel has not arrived.")
    if kind == Message.Kind.INCOMING:
        fields.setdefault("from_name", ticket.customer.name)
        fields.setdefault("from_address", ticket.customer.primary_address)
        fields.setdefault("customer", ticket.customer)
    message = Message.objects.create(
        ticket=ticket,
        kind=kind,
        author=author,
        subject=ticket.subject,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
        message_id=fields.pop("message_id", f"<m{Message.objects.count() + 1}.{ticket.pk}@test.example>"),
        **fields,
    )
    Ticket.objects.filter(pk=ticket.pk).update(message_count=ticket.messages.count())
    return message


def add_attachment(message, filename, content, content_type, content_id="", is_inline=False):
    attachment = Attachment(
        message=message,
        filename=filename,
        content_type=content_type,
        size=len(content),
        content_id=content_id,
        is_inline=is_inline,
    )
    attachment.file.save(filename, ContentFile(content), save=True)
    return attachment


def detail_url(ticket):
    return reverse("inbox_ticket:detail", args=[ticket.pk])


def action_url(name, ticket, *args):
    return reverse(f"inbox_ticket:{name}", args=[ticket.pk, *args])


JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def support(db):
    return make_mailbox("Support", signature="Kind regards,\nThe Support Team")


@pytest.fixture
def sales(db):
    return make_mailbox("Sales")


@pytest.fixture
def agent(django_user_model, support):
    return make_agent(django_user_model, "maria", support, ("Maria", "Lopez"))


@pytest.fixture
def colleague(django_user_model, support):
    return make_agent(django_user_model, "anna", support, ("Anna", "Berg"))


@pytest.fixture
def outsider(django_user_model, sales):
    """An agent of another mailbox: must be refused everything about Support's tickets."""
    return make_agent(django_user_model, "olaf", sales, ("Olaf", "Sales"))


@pytest.fixture
def ticket(support):
    ticket = make_ticket(support)
    add_message(ticket, minutes_ago=60)
    return ticket


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client
