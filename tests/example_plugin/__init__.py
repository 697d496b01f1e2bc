"""A minimal plugin, as a third party would write one: a Django app with a manifest and hooks."""
