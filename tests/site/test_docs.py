"""docs/plugins.md documents every hook the code declares."""

from pathlib import Path

from helpdesk_site.plugins import defined_hooks

DOC = (Path(__file__).resolve().parents[2] / "docs" / "plugins.md").read_text()


def test_every_declared_action_and_filter_is_documented():
    undocumented = [
        name for name in defined_hooks() if not name.startswith("tests.") and f"`{name}`" not in DOC
    ]
    assert undocumented == []
