"""What plugins hand to the inbox through its filters (see docs/plugins.md).

Both are plain data: the inbox renders them; a plugin's own view serves the content.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class SidebarPanel:
    """A panel of the ticket sidebar, filled asynchronously from ``url``.

    ``url`` returns an HTML fragment for the ticket; it is fetched after the ticket page
    has rendered, so a slow plugin never delays the page, and a failure shows
    ``title`` with a readable error instead of the fragment.
    """

    key: str
    title: str
    url: str
    order: int = 100


@dataclass(frozen=True)
class ComposerTool:
    """A button in the reply composer's toolbar.

    ``url`` returns JSON ``{"items": [{"id", "title", "preview"}]}`` for a ``?q=`` search and
    ``{"html": "..."}`` for ``?id=``; the composer inserts the HTML at the cursor.
    """

    key: str
    label: str
    url: str
    order: int = 100
