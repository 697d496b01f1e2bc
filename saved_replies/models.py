from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.fields import RichTextField

from .placeholders import help_text as placeholder_help_text

# Formatting that survives in an email reply; no images or embeds.
BODY_FEATURES = ["bold", "italic", "link", "ol", "ul", "hr"]


class SavedReply(models.Model):
    """A reusable answer that agents insert into the reply composer.

    Managed under "Saved replies" in the admin menu. A reply without a mailbox is offered
    in every mailbox; a reply without an owner is shared with the team, otherwise only its
    owner sees it.
    """

    title = models.CharField(max_length=200, verbose_name=_("title"))
    body = RichTextField(features=BODY_FEATURES, verbose_name=_("reply"), help_text=placeholder_help_text)
    mailbox = models.ForeignKey(
        "inbox.Mailbox",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="saved_replies",
        verbose_name=_("mailbox"),
        help_text=_("Offer this reply only in this mailbox. Leave empty for every mailbox."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="saved_replies",
        verbose_name=_("owner"),
        help_text=_("Empty: shared with the team. Otherwise only this agent sees the reply."),
    )
    usage_count = models.PositiveIntegerField(default=0, editable=False, verbose_name=_("times used"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    class Meta:
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")
        ordering = ["title"]

    def __str__(self):
        return self.title

    @property
    def is_shared(self):
        return self.owner_id is None
