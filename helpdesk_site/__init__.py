"""Import name of the Wagtail project that lives in the top-level ``site/`` folder.

Python imports the standard library's ``site`` module while the interpreter starts, so
the folder ``site/`` can never be imported under its own name. This package has no code of
its own: its ``__path__`` points at ``site/``, so ``helpdesk_site.settings`` is
``site/settings/``, ``helpdesk_site.urls`` is ``site/urls.py`` and so on.
"""

from pathlib import Path

__path__ = [str(Path(__file__).resolve().parent.parent / "site")]
