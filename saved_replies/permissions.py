from wagtail.permission_policies import ModelPermissionPolicy

from . import services


class SavedReplyPermissionPolicy(ModelPermissionPolicy):
    """The model permissions, narrowed to the replies a user may manage (see services.manageable_replies):
    bulk actions and the delete button then leave out colleagues' personal replies."""

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and services.can_manage(user, instance)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions) and services.can_manage(user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        allowed = super().instances_user_has_any_permission_for(user, actions)
        return allowed & services.manageable_replies(user)
