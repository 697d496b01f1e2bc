"""Tests of the shared inbox: mail parsing, fetching, sending, the ticket page."""
