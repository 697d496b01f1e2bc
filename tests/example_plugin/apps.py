from django.apps import AppConfig

from helpdesk_site.plugins import PluginManifest


class ExamplePluginConfig(AppConfig):
    name = "tests.example_plugin"
    label = "example_plugin"
    public_urls = "tests.example_plugin.urls"
    plugin = PluginManifest(
        name="Example plugin",
        version="0.1.0",
        description="Counts new tickets and adds a sidebar panel; used by the test suite.",
        settings={"EXAMPLE_PLUGIN_GREETING": "Text of the greeting page."},
    )
