from django.db import models
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    """A person who writes to the help desk; one per person, with all their addresses and tickets."""

    name = models.CharField(max_length=255, blank=True, default="", verbose_name=_("name"))
    notes = models.TextField(blank=True, default="", verbose_name=_("notes about the customer"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self):
        return self.name or self.primary_address or f"#{self.pk}"

    @property
    def primary_address(self):
        first = self.addresses.order_by("-is_primary", "id").first()
        return first.address if first else ""


class CustomerAddress(models.Model):
    """One email address of a customer, stored lower-cased; an address belongs to one customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    address = models.EmailField(max_length=320, unique=True, verbose_name=_("email address"))
    is_primary = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("customer address")
        verbose_name_plural = _("customer addresses")

    def __str__(self):
        return self.address
