"""Saved views in the admin (Inbox › Saved views…): list, save the current filters, rename, delete.

Any agent may keep views; a shared view shows in every agent's menu but only its owner (or
an administrator) may change or delete it. Opening a view applies its filters to the
viewer's own mailboxes, so sharing never reveals another mailbox.
"""

from django import forms
from django.contrib.auth.models import Permission
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import BooleanColumn, Column, TitleColumn
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from inbox import queries
from inbox.models import SavedView
from inbox.permissions import can_manage_mailboxes, mailboxes_for

from .folders import saved_view_url

# Query parameters of the ticket list that a view keeps; paging and UI state are dropped.
DROPPED_PARAMS = {"p", "view", "_w_filter_fragment", "export"}


class SavedViewPermissionPolicy(BasePermissionPolicy):
    """Agents (users who work a mailbox) keep views; owners and administrators change them."""

    def user_has_permission(self, user, action):
        return user.is_active and (user.is_superuser or mailboxes_for(user).exists())

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, None)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if instance.owner_id == user.pk or can_manage_mailboxes(user):
            return True
        return action == "view" and instance.shared

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(self.user_has_permission_for_instance(user, action, instance) for action in actions)

    def instances_user_has_any_permission_for(self, user, actions):
        if set(actions) <= {"view"} or can_manage_mailboxes(user):
            return queries.saved_views_for(user)
        return SavedView.objects.filter(owner=user)


policy = SavedViewPermissionPolicy(SavedView)
register_permission_policy(SavedView, policy)


def clean_query(query):
    params = QueryDict(query, mutable=True)
    for key in DROPPED_PARAMS:
        params.pop(key, None)
    return params.urlencode()


class SavedViewForm(forms.ModelForm):
    class Meta:
        model = SavedView
        fields = ["name", "shared", "query"]
        widgets = {"query": forms.HiddenInput}

    def clean_query(self):
        return clean_query(self.cleaned_data.get("query", ""))


class OwnedObjectMixin:
    """Edit and delete only what the user may change: their own views (administrators: any visible one)."""

    def get_queryset(self):
        return policy.instances_user_has_any_permission_for(self.request.user, ["change"])


class SavedViewIndexView(generic.IndexView):
    def get_base_queryset(self):
        return queries.saved_views_for(self.request.user).order_by("name", "pk")

    @property
    def columns(self):
        return [
            # Wagtail's title column with the row's Edit / Delete buttons; the name opens the view.
            self._get_title_column_class(TitleColumn)(
                "name",
                label=_("Name"),
                get_url=lambda view: saved_view_url(view.pk, view.query),
            ),
            Column("owner", label=_("Owner"), accessor=lambda view: get_user_display_name(view.owner)),
            BooleanColumn("shared", label=_("Shared with the team")),
        ]

    def get_edit_url(self, instance):
        if policy.user_has_permission_for_instance(self.request.user, "change", instance):
            return super().get_edit_url(instance)

    def get_delete_url(self, instance):
        if policy.user_has_permission_for_instance(self.request.user, "delete", instance):
            return super().get_delete_url(instance)


class SavedViewCreateView(generic.CreateView):
    def get_initial(self):
        return {**super().get_initial(), "query": clean_query(self.request.GET.urlencode())}

    def save_instance(self):
        self.form.instance.owner = self.request.user
        instance = super().save_instance()
        queries.forget_menu_state(self.request.user)
        return instance

    def get_success_url(self):
        return saved_view_url(self.object.pk, self.object.query)


class SavedViewEditView(OwnedObjectMixin, generic.EditView):
    def save_instance(self):
        instance = super().save_instance()
        queries.forget_menu_state(self.request.user)
        return instance


class SavedViewDeleteView(OwnedObjectMixin, generic.DeleteView):
    def delete_action(self):
        super().delete_action()
        queries.forget_menu_state(self.request.user)


class SavedViewViewSet(ModelViewSet):
    model = SavedView
    name = "inbox_saved_views"
    url_prefix = "inbox/views"
    icon = "view"
    form_fields = ["name", "shared", "query"]
    add_to_admin_menu = False
    index_view_class = SavedViewIndexView
    add_view_class = SavedViewCreateView
    edit_view_class = SavedViewEditView
    delete_view_class = SavedViewDeleteView
    inspect_view_enabled = False
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return SavedViewForm

    def get_permissions_to_register(self):
        # Who may keep views is decided by SavedViewPermissionPolicy, not by group permissions.
        return Permission.objects.none()

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(history_url_name=None, usage_url_name=None, **kwargs)

    def get_urlpatterns(self):
        keep = {"index", "index_results", "add", "edit", "delete"}
        return [pattern for pattern in super().get_urlpatterns() if pattern.name in keep]


saved_view_viewset = SavedViewViewSet()
