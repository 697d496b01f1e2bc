from urllib.parse import urlencode

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, HelpPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting

from inbox.secrets import EncryptedTextField

from .forms import WooCommerceSettingsForm


class WooCommerceSettings(BaseSiteSetting):
    """The WooCommerce store whose orders the ticket sidebar shows; one per site.

    Edited under Settings › WooCommerce store. The API keys are stored encrypted and never
    shown again: the form's key fields are write-only and a blank field keeps the stored key.
    """

    class OrderScreen(models.TextChoices):
        HPOS = "hpos", _("High-performance order storage (WooCommerce 8.2 and later)")
        CLASSIC = "classic", _("Classic order storage (orders as posts)")

    store_url = models.URLField(
        blank=True,
        default="",
        verbose_name=_("store address"),
        help_text=_("The shop's home address, e.g. https://shop.example.com. Leave empty to switch off."),
    )
    consumer_key = EncryptedTextField(blank=True, default="", verbose_name=_("consumer key"))
    consumer_secret = EncryptedTextField(blank=True, default="", verbose_name=_("consumer secret"))
    query_string_auth = models.BooleanField(
        default=False,
        verbose_name=_("send the keys as query parameters"),
        help_text=_("Only for HTTPS stores whose server strips the Authorization header."),
    )
    timeout = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        verbose_name=_("timeout (seconds)"),
        help_text=_("How long the sidebar waits for the store before saying it did not answer."),
    )
    cache_minutes = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(1440)],
        verbose_name=_("keep orders for (minutes)"),
        help_text=_("A customer's orders are fetched again after this long. 0 fetches every time."),
    )
    order_screen = models.CharField(
        max_length=10,
        choices=OrderScreen.choices,
        default=OrderScreen.HPOS,
        verbose_name=_("order storage"),
        help_text=_("Decides which order edit screen the sidebar links to."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    base_form_class = WooCommerceSettingsForm
    panels = [
        MultiFieldPanel(
            [FieldPanel("store_url"), FieldPanel("consumer_key"), FieldPanel("consumer_secret")],
            heading=_("Connection"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("timeout"),
                FieldPanel("cache_minutes"),
                FieldPanel("order_screen"),
                FieldPanel("query_string_auth"),
            ],
            heading=_("Behaviour"),
        ),
        HelpPanel(template="woo_bridge/panels/test_connection.html"),
    ]

    class Meta:
        verbose_name = _("WooCommerce store")
        verbose_name_plural = _("WooCommerce stores")

    def __str__(self):
        return self.store_url or str(_("WooCommerce store (not connected)"))

    @property
    def is_configured(self):
        return bool(self.store_url and self.consumer_key and self.consumer_secret)

    @property
    def base_url(self):
        return self.store_url.rstrip("/")

    def order_admin_url(self, order_id):
        if self.order_screen == self.OrderScreen.CLASSIC:
            return f"{self.base_url}/wp-admin/post.php?" + urlencode({"post": order_id, "action": "edit"})
        return f"{self.base_url}/wp-admin/admin.php?" + urlencode(
            {"page": "wc-orders", "action": "edit", "id": order_id}
        )

    def orders_search_admin_url(self, text):
        if self.order_screen == self.OrderScreen.CLASSIC:
            return f"{self.base_url}/wp-admin/edit.php?" + urlencode({"post_type": "shop_order", "s": text})
        return f"{self.base_url}/wp-admin/admin.php?" + urlencode({"page": "wc-orders", "s": text})
