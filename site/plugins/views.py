from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import registry


def can_manage_plugins(user):
    return user.is_superuser or user.has_perm("plugins.manage_plugins")


def plugin_rows():
    return [
        {
            "label": config.label,
            "manifest": config.plugin,
            "active": registry.is_active(config.label),
            "module": config.name,
        }
        for config in registry.installed_plugins()
    ]


def plugin_list(request):
    if not can_manage_plugins(request.user):
        raise PermissionDenied
    return TemplateResponse(
        request,
        "plugins/plugin_list.html",
        {"plugins": plugin_rows(), "page_title": _("Plugins"), "header_icon": "plug"},
    )


@require_POST
def plugin_toggle(request, app_label):
    if not can_manage_plugins(request.user):
        raise PermissionDenied
    activate = request.POST.get("active") == "1"
    try:
        registry.set_active(app_label, activate, request.user)
    except LookupError:
        messages.error(request, _("No plugin called “%(label)s” is installed.") % {"label": app_label})
    else:
        name = next(c.plugin.name for c in registry.installed_plugins() if c.label == app_label)
        if activate:
            messages.success(request, _("%(name)s is now active.") % {"name": name})
        else:
            messages.success(
                request, _("%(name)s is now inactive: its hooks no longer run.") % {"name": name}
            )
    return redirect("plugins:list")
