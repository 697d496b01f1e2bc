"""A support mailbox with an agent and an administrator, and the store settings of the site."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.utils import timezone
from wagtail.models import Site

from helpdesk_site.plugins import registry
from inbox.models import Customer, CustomerAddress, Mailbox, Ticket
from woo_bridge.models import WooCommerceSettings


@pytest.fixture(autouse=True)
def fresh_state():
    cache.clear()
    registry.invalidate()
    yield
    registry.invalidate()


@pytest.fixture
def support(db):
    return Mailbox.objects.create(name="Support", address="support@shop.example")


@pytest.fixture
def agent(django_user_model, support):
    group = Group.objects.create(name="Support agents")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    support.groups.add(group)
    user = django_user_model.objects.create_user("maria", "maria@shop.example", "pw")
    user.groups.add(group)
    return user


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@shop.example", "pw")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def make_ticket(mailbox, *addresses, name="A customer"):
    customer = Customer.objects.create(name=name)
    for index, address in enumerate(addresses):
        CustomerAddress.objects.create(customer=customer, address=address, is_primary=index == 0)
    now = timezone.now()
    return Ticket.objects.create(
        mailbox=mailbox, customer=customer, subject="About my order", created_at=now, last_activity_at=now
    )


@pytest.fixture
def site(db):
    return Site.objects.get(is_default_site=True)


@pytest.fixture
def store_settings(site, woocommerce_store):
    """The site connected to the running test store with its real keys; 1 second timeout."""
    settings = WooCommerceSettings.for_site(site)
    settings.store_url = woocommerce_store.url
    settings.consumer_key = woocommerce_store.consumer_key
    settings.consumer_secret = woocommerce_store.consumer_secret
    settings.timeout = 1
    settings.save()
    return settings
