from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

# Prefixes WooCommerce gives every REST API key; a swapped pair is the most common mistake.
KEY_PREFIXES = {"consumer_key": "ck_", "consumer_secret": "cs_"}
# Browsers would otherwise fill the admin's own login password into the key fields.
NO_AUTOFILL = {"autocomplete": "new-password"}


class WooCommerceSettingsForm(WagtailAdminModelForm):
    """The store settings with write-only API key fields: a stored key is never sent back to the
    browser, and leaving the field blank keeps it."""

    consumer_key = forms.CharField(
        label=_("Consumer key"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs=NO_AUTOFILL),
    )
    consumer_secret = forms.CharField(
        label=_("Consumer secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs=NO_AUTOFILL),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in KEY_PREFIXES:
            self.initial[name] = ""  # never rendered back, not even as the initial value
            if getattr(self.instance, name):
                help_text = _("A key is stored. Leave blank to keep it, or enter a new one to replace it.")
            else:
                help_text = _(
                    "Not set. Create a key with Read access under "
                    "WooCommerce › Settings › Advanced › REST API."
                )
            self.fields[name].help_text = help_text

    def _clean_key(self, name):
        value = self.cleaned_data.get(name, "").strip()
        if not value:
            return getattr(self.instance, name) or ""
        prefix = KEY_PREFIXES[name]
        if not value.startswith(prefix):
            raise forms.ValidationError(
                _(
                    "WooCommerce's %(label)s starts with “%(prefix)s”; "
                    "check that the two keys are not swapped."
                )
                % {"label": self.fields[name].label.lower(), "prefix": prefix}
            )
        return value

    def clean_consumer_key(self):
        return self._clean_key("consumer_key")

    def clean_consumer_secret(self):
        return self._clean_key("consumer_secret")

    def clean_store_url(self):
        url = (self.cleaned_data.get("store_url") or "").strip()
        if not url:
            return ""
        path = urlsplit(url).path
        if "/wp-admin" in path or "/wp-json" in path:
            raise forms.ValidationError(
                _(
                    "Enter the shop's home address (e.g. https://shop.example.com), "
                    "without /wp-admin or /wp-json."
                )
            )
        return url.rstrip("/")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("store_url"):
            for name in KEY_PREFIXES:
                if name in cleaned and not cleaned[name]:
                    self.add_error(name, _("The store needs this key to answer."))
        return cleaned
