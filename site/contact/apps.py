from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactConfig(AppConfig):
    """Contact form pages (Wagtail form builder) whose submissions become tickets."""

    name = "helpdesk_site.contact"
    label = "contact"
    verbose_name = _("Contact forms")
