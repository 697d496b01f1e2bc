"""Finding the customer behind an email address: one Customer per person, one address one customer.

``customer_for_address`` is what the mail pipeline calls for every sender. It is race-safe: two
workers meeting a new address at once both end up with the same Customer, because the address
is unique in the database and the loser of the race re-reads the winner's row.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from inbox.models import Customer, CustomerAddress

NAME_LENGTH = Customer._meta.get_field("name").max_length
ADDRESS_LENGTH = CustomerAddress._meta.get_field("address").max_length


def normalize_address(address):
    """An address as stored: trimmed, without angle brackets, lower-cased."""
    return (address or "").strip().strip("<>").strip().lower()


def _checked(address, name):
    """(normalized address, cleaned name); ValueError for an address no customer can be found by."""
    address = normalize_address(address)
    if not address or "@" not in address:
        raise ValueError(
            _("“%(address)s” is not an email address a customer can be found by.") % {"address": address}
        )
    if len(address) > ADDRESS_LENGTH:
        raise ValueError(
            _("The email address is longer than %(limit)d characters.") % {"limit": ADDRESS_LENGTH}
        )
    return address, " ".join((name or "").split())[:NAME_LENGTH]


def customers_by_address(addresses):
    """{normalized address: Customer} of the known ones among ``addresses``, in one query."""
    wanted = {normalize_address(address) for address in addresses if address}
    if not wanted:
        return {}
    rows = CustomerAddress.objects.select_related("customer").filter(address__in=wanted)
    return {row.address: row.customer for row in rows}


def new_customer(address, name="", savepoint=True):
    """Create the Customer of an address nobody has yet; IntegrityError if somebody stored it meanwhile.

    ``savepoint=False`` is for callers that redo their whole transaction on any error (the mail
    pipeline's batches processed in one go): one savepoint fewer per new customer.
    """
    address, name = _checked(address, name)
    if not savepoint:
        customer = Customer.objects.create(name=name)
        CustomerAddress.objects.create(customer=customer, address=address, is_primary=True)
        return customer
    # A savepoint, so losing the race leaves the caller's transaction usable.
    with transaction.atomic():
        return new_customer(address, name, savepoint=False)


def customer_for_address(address, name=""):
    """The Customer owning ``address``, created on first sight; fills in their name when still empty.

    Raises ValueError for an empty or overlong address.
    """
    address, name = _checked(address, name)
    for _attempt in range(3):
        known = CustomerAddress.objects.select_related("customer").filter(address=address).first()
        if known is not None:
            customer = known.customer
            if name and not customer.name:
                customer.name = name
                customer.save(update_fields=["name", "updated_at"])
            return customer
        try:
            return new_customer(address, name)
        except IntegrityError:
            continue  # another worker stored the address meanwhile: read theirs
    raise IntegrityError(f"could not find or create the customer for {address}")
