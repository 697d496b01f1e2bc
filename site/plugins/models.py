from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PluginState(models.Model):
    """Whether an installed plugin is active; changed on the admin's Plugins screen.

    A plugin with no row yet is in its manifest's ``active_by_default`` state.
    """

    app_label = models.CharField(max_length=100, unique=True, verbose_name=_("app label"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    changed_at = models.DateTimeField(auto_now=True, verbose_name=_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("plugin state")
        verbose_name_plural = _("plugin states")
        permissions = [("manage_plugins", _("Can activate and deactivate plugins"))]

    def __str__(self):
        return f"{self.app_label}: {'active' if self.active else 'inactive'}"
