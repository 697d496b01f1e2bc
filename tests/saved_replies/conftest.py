"""Agents, mailboxes and tickets for the saved replies tests."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.utils import timezone

from helpdesk_site.plugins import registry
from inbox.models import Customer, CustomerAddress, Mailbox, Ticket


@pytest.fixture(autouse=True)
def fresh_state():
    cache.clear()
    registry.invalidate()
    yield
    registry.invalidate()


def make_mailbox(name):
    return Mailbox.objects.create(name=name, address=f"{name.lower()}@shop.example")


def make_agent(django_user_model, username, mailbox, full_name=("", "")):
    group, _ = Group.objects.get_or_create(name=f"{mailbox.name} agents")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"),
        *Permission.objects.filter(content_type__app_label="saved_replies"),
    )
    mailbox.groups.add(group)
    user = django_user_model.objects.create_user(
        username, f"{username}@shop.example", "pw", first_name=full_name[0], last_name=full_name[1]
    )
    user.groups.add(group)
    return user


def make_ticket(mailbox, customer_name="Anna Smith", address="anna@customer.example"):
    customer = Customer.objects.create(name=customer_name)
    CustomerAddress.objects.create(customer=customer, address=address, is_primary=True)
    now = timezone.now()
    return Ticket.objects.create(
        mailbox=mailbox,
        customer=customer,
        subject="Where is my parcel?",
        created_at=now,
        last_activity_at=now,
    )


@pytest.fixture
def support(db):
    return make_mailbox("Support")


@pytest.fixture
def sales(db):
    return make_mailbox("Sales")


@pytest.fixture
def agent(django_user_model, support):
    return make_agent(django_user_model, "maria", support, ("Maria", "Lopez"))


@pytest.fixture
def colleague(django_user_model, support):
    return make_agent(django_user_model, "tom", support)


@pytest.fixture
def sales_agent(django_user_model, sales):
    return make_agent(django_user_model, "sam", sales)


@pytest.fixture
def ticket(support):
    return make_ticket(support)


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client
