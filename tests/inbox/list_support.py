"""Mailboxes, agents and tickets for the inbox list tests (imported by test_list*, test_bulk*, … modules)."""

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from inbox.models import Customer, CustomerAddress, Mailbox, Message, Ticket

_serial = itertools.count(1)


def make_mailbox(name):
    return Mailbox.objects.create(name=name, address=f"{name.lower()}@shop.example")


def make_agent(django_user_model, username, *mailboxes, superuser=False, first_name="", last_name=""):
    """A user who may enter the Wagtail admin and works ``mailboxes`` (through one group each)."""
    if superuser:
        return django_user_model.objects.create_superuser(username, f"{username}@agents.example", "pw")
    user = django_user_model.objects.create_user(
        username, f"{username}@agents.example", "pw", first_name=first_name, last_name=last_name
    )
    access = Permission.objects.get(codename="access_admin")
    for mailbox in mailboxes:
        group, _created = Group.objects.get_or_create(name=f"{mailbox.name} agents")
        group.permissions.add(access)
        mailbox.groups.add(group)
        user.groups.add(group)
    if not mailboxes:
        group, _created = Group.objects.get_or_create(name="Admin access only")
        group.permissions.add(access)
        user.groups.add(group)
    return user


def make_customer(name="Anna Smith", address=None):
    customer = Customer.objects.create(name=name)
    address = address or f"customer{next(_serial)}@customer.example"
    CustomerAddress.objects.create(customer=customer, address=address, is_primary=True)
    return customer


def make_ticket(
    mailbox, subject="Where is my parcel?", *, customer=None, body="Hello, my parcel is late.", **fields
):
    """A ticket with one customer message (indexed for search like one that came in by mail)."""
    now = timezone.now()
    fields.setdefault("created_at", now - timedelta(hours=5))
    fields.setdefault("last_activity_at", now - timedelta(hours=1))
    fields.setdefault("waiting_since", fields["last_activity_at"])
    fields.setdefault("preview", body[:255])
    customer = customer or make_customer()
    ticket = Ticket.objects.create(mailbox=mailbox, customer=customer, subject=subject, **fields)
    Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.INCOMING,
        customer=customer,
        from_name=customer.name,
        from_address=customer.addresses.first().address,
        subject=subject,
        body_text=body,
        created_at=fields["created_at"],
        message_id=f"<list{next(_serial)}@test.example>",
    )
    Ticket.objects.filter(pk=ticket.pk).update(message_count=1)
    ticket.refresh_from_db()
    return ticket


def folder_url(key):
    return reverse("inbox_tickets:folder", args=[key])


def mailbox_url(mailbox):
    return reverse("inbox_tickets:mailbox", args=[mailbox.pk])


def bulk_url(action, tickets, next_url=None):
    query = "&".join(f"id={ticket.pk}" for ticket in tickets)
    if next_url:
        query += f"&next={next_url}"
    return reverse("wagtail_bulk_action", args=["inbox", "ticket", action]) + "?" + query


def listed_ids(response):
    """Ticket ids of the rows the list rendered."""
    return [row.pk for row in response.context["object_list"]]


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def support(db):
    return make_mailbox("Support")


@pytest.fixture
def sales(db):
    return make_mailbox("Sales")


@pytest.fixture
def agent(django_user_model, support):
    """Works the Support mailbox only."""
    return make_agent(django_user_model, "anna", support, first_name="Anna", last_name="Agent")


@pytest.fixture
def sales_agent(django_user_model, sales):
    return make_agent(django_user_model, "sam", sales, first_name="Sam", last_name="Sales")


@pytest.fixture
def admin_user(django_user_model, db):
    return make_agent(django_user_model, "root", superuser=True)
