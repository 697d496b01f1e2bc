from django.http import Http404

from . import registry


class PluginGateMiddleware:
    """Refuse requests to the views of a deactivated plugin with a 404.

    Admin URLs are built once at start-up, so an inactive plugin's routes exist; this
    gate makes them behave as if the plugin were not installed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None:
            return None
        label = registry.owner_of_view(match)
        if label and not registry.is_active(label):
            raise Http404("This plugin is not active.")
        return None
