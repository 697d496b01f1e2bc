"""The plugin system: actions, filters, activation at runtime, the Plugins screen, discovery."""

import sys

import pytest
from django.urls import reverse
from wagtail import hooks

from helpdesk_site.plugins import apply_filters, define_action, define_filter, do_action, registry
from helpdesk_site.settings.config import entry_point_plugins
from tests.example_plugin import wagtail_hooks as example_hooks

PING = define_action("tests.ping", "Fired by the plugin tests.")
TITLE = define_filter("tests.title", "Filtered by the plugin tests.")


@pytest.fixture(autouse=True)
def fresh_plugin_state():
    registry.invalidate()
    example_hooks.seen_tickets.clear()
    yield
    registry.invalidate()


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


def test_an_action_calls_every_hook_and_ignores_what_they_return():
    calls = []

    def first(value):
        calls.append(("first", value))
        return "ignored"

    def second(value):
        calls.append(("second", value))

    with hooks.register_temporarily([(PING, first), (PING, second)]):
        assert do_action(PING, 7) is None
    assert calls == [("first", 7), ("second", 7)]


def test_a_filter_passes_the_value_through_each_hook_in_order():
    with hooks.register_temporarily(TITLE, lambda v: v + " world", order=10):
        with hooks.register_temporarily(TITLE, lambda v: v.upper(), order=20):
            assert apply_filters(TITLE, "hello") == "HELLO WORLD"


def test_a_failing_hook_does_not_stop_the_others_or_the_caller(caplog):
    calls = []

    def broken(value):
        raise RuntimeError("plugin bug")

    with hooks.register_temporarily([(PING, broken), (PING, calls.append)]):
        do_action(PING, 1)
    with hooks.register_temporarily(TITLE, broken):
        assert apply_filters(TITLE, "kept") == "kept"
    assert calls == [1]
    assert "plugin bug" in caplog.text


def test_firing_an_undefined_hook_name_fails_loudly():
    with pytest.raises(LookupError, match="not a defined action"):
        do_action("tests.no_such_hook")
    with pytest.raises(LookupError, match="not a defined filter"):
        apply_filters(PING, 1)  # an action is not a filter


@pytest.mark.django_db
def test_plugins_screen_lists_installed_plugins_with_their_manifest(admin_client):
    response = admin_client.get(reverse("plugins:list"))
    assert response.status_code == 200
    html = response.content.decode()
    names = [config.plugin.name for config in registry.installed_plugins()]
    assert "Example plugin" in names
    for name in names:
        assert name in html
    assert "EXAMPLE_PLUGIN_GREETING" in html


@pytest.mark.django_db
def test_a_deactivated_plugins_hooks_stop_running(admin_client, django_capture_on_commit_callbacks):
    do_action("inbox.ticket_created", ticket="T1", message=None)
    assert example_hooks.seen_tickets == ["T1"]

    response = admin_client.post(reverse("plugins:toggle", args=["example_plugin"]), {"active": "0"})
    assert response.status_code == 302
    do_action("inbox.ticket_created", ticket="T2", message=None)
    assert apply_filters("inbox.sidebar_panels", [], ticket=None, request=None) == []
    assert example_hooks.seen_tickets == ["T1"]

    admin_client.post(reverse("plugins:toggle", args=["example_plugin"]), {"active": "1"})
    do_action("inbox.ticket_created", ticket="T3", message=None)
    assert example_hooks.seen_tickets == ["T1", "T3"]
    assert [p.key for p in apply_filters("inbox.sidebar_panels", [], ticket=None, request=None)] == [
        "greeting"
    ]


@pytest.mark.django_db
def test_a_deactivated_plugins_pages_and_menu_items_disappear(admin_client):
    assert admin_client.get("/plugins/example_plugin/").content == b"Hello from the example plugin"
    assert "Example plugin greeting" in admin_client.get("/admin/").content.decode()

    registry.set_active("example_plugin", False)
    assert admin_client.get("/plugins/example_plugin/").status_code == 404
    assert "Example plugin greeting" not in admin_client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_activation_made_in_another_process_is_seen_through_the_shared_cache(monkeypatch):
    from helpdesk_site.plugins.models import PluginState

    assert registry.is_active("example_plugin")
    # Another process writes the row and bumps the version in the shared cache.
    PluginState.objects.create(app_label="example_plugin", active=False)
    from django.core.cache import cache

    cache.set(registry.VERSION_KEY, "changed-elsewhere", None)
    monkeypatch.setattr(registry, "RECHECK_SECONDS", 0)
    assert not registry.is_active("example_plugin")


@pytest.mark.django_db
def test_only_administrators_may_open_or_change_the_plugins_screen(client, django_user_model):
    agent = django_user_model.objects.create_user("agent", "agent@example.com", "pw")
    from django.contrib.auth.models import Permission

    agent.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(agent)
    assert client.get(reverse("plugins:list")).status_code in (302, 403)
    assert client.post(reverse("plugins:toggle", args=["example_plugin"]), {"active": "0"}).status_code in (
        302,
        403,
    )
    assert registry.is_active("example_plugin")


@pytest.mark.django_db
def test_toggling_an_unknown_plugin_says_so(admin_client):
    response = admin_client.post(reverse("plugins:toggle", args=["nope"]), {"active": "0"}, follow=True)
    assert "No plugin called “nope” is installed." in response.content.decode()


def test_pip_installed_plugins_are_found_through_their_entry_point(tmp_path, monkeypatch):
    dist = tmp_path / "acme_helpdesk_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-helpdesk-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[helpdesk.plugins]\nacme = acme_helpdesk_plugin\n")
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    assert "acme_helpdesk_plugin" in entry_point_plugins("helpdesk.plugins")
