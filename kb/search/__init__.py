"""Knowledge base search: the Whoosh backend for Wagtail and the KB's own search service."""
