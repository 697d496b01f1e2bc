"""The ``email`` policy messages are read with: ``policy.default``, parsing each header value once.

``policy.default`` parses a header again on every access (``part["Content-Type"]``,
``get_content_type()``, ``get_param()``, ``get_filename()`` … each build a new header object),
and the MIME walk asks for the same few headers of every part many times: that was half of
the CPU time of reading a message. ``READING_POLICY`` behaves exactly like ``policy.default``
but keeps the header objects it built for short values. Header objects are immutable (a ``str``
with read-only parsed attributes), so handing the same one out twice is safe.
"""

from email.policy import EmailPolicy

# Values longer than this are parsed on every access, as policy.default does (rare, and big).
CACHED_VALUE_LENGTH = 2048
CACHE_SIZE = 1024

_parsed_headers: dict[tuple[str, str], object] = {}


class HeaderCachingPolicy(EmailPolicy):
    """``policy.default`` whose ``header_fetch_parse`` remembers the headers it parsed."""

    def header_fetch_parse(self, name, value):
        if hasattr(value, "name") or len(value) > CACHED_VALUE_LENGTH:
            return super().header_fetch_parse(name, value)
        key = (name.lower(), value)
        header = _parsed_headers.get(key)
        if header is None:
            header = super().header_fetch_parse(name, value)
            if len(_parsed_headers) >= CACHE_SIZE:
                _parsed_headers.clear()
            _parsed_headers[key] = header
        return header


READING_POLICY = HeaderCachingPolicy()
