from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from inbox.permissions import mailboxes_for

TEAM = "team"
PERSONAL = "personal"


class SavedReplyForm(WagtailAdminModelForm):
    """Chooses "shared with the team" or "only me" instead of picking an owner from all users."""

    visibility = forms.ChoiceField(
        label=_("Who can use it"),
        choices=[(TEAM, _("Everyone working the mailbox")), (PERSONAL, _("Only me"))],
        widget=forms.RadioSelect,
        initial=TEAM,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.owner_id:
            self.initial["visibility"] = PERSONAL
        if "mailbox" in self.fields and self.for_user is not None and not self.for_user.is_superuser:
            # An agent may restrict a reply only to mailboxes they work.
            self.fields["mailbox"].queryset = mailboxes_for(self.for_user)

    def save(self, commit=True):
        if self.cleaned_data["visibility"] == TEAM:
            self.instance.owner = None
        elif self.instance.owner_id is None:
            self.instance.owner = self.for_user
        return super().save(commit=commit)
