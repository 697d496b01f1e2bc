from django.apps import AppConfig


class HelpdeskSiteConfig(AppConfig):
    """The Wagtail project itself: home page, base templates, start-up commands."""

    name = "helpdesk_site"
    label = "helpdesk_site"
    verbose_name = "Help desk site"
