from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _

from inbox.secrets import EncryptedTextField

SECURITY_CHOICES = [
    ("ssl", _("SSL/TLS")),
    ("starttls", _("STARTTLS")),
    ("none", _("None (local servers only)")),
]


class Mailbox(models.Model):
    """A support address (support@, sales@ …) connected over IMAP (in) and SMTP (out).

    Managed under Inbox › Mailboxes in the admin and by ``manage.py add_mailbox``. Agents
    see a mailbox's tickets only through a group listed in ``groups``.
    """

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    address = models.EmailField(max_length=320, unique=True, verbose_name=_("email address"))
    sender_name = models.CharField(max_length=200, blank=True, default="", verbose_name=_("sender name"))

    imap_host = models.CharField(max_length=255, blank=True, default="", verbose_name=_("IMAP host"))
    imap_port = models.PositiveIntegerField(default=993, verbose_name=_("IMAP port"))
    imap_security = models.CharField(max_length=10, choices=SECURITY_CHOICES, default="ssl")
    imap_username = models.CharField(max_length=255, blank=True, default="", verbose_name=_("IMAP user name"))
    imap_password = EncryptedTextField(blank=True, default="", verbose_name=_("IMAP password"))
    imap_folders = models.CharField(
        max_length=500,
        default="INBOX",
        verbose_name=_("IMAP folders"),
        help_text=_("Comma-separated folders to fetch, e.g. INBOX, Support."),
    )
    move_to_folder = models.CharField(
        max_length=255,
        blank=True,
        default="",
        verbose_name=_("move imported mail to folder"),
        help_text=_("Leave empty to leave every message where it is (recommended)."),
    )

    smtp_host = models.CharField(max_length=255, blank=True, default="", verbose_name=_("SMTP host"))
    smtp_port = models.PositiveIntegerField(default=465, verbose_name=_("SMTP port"))
    smtp_security = models.CharField(max_length=10, choices=SECURITY_CHOICES, default="ssl")
    smtp_username = models.CharField(max_length=255, blank=True, default="", verbose_name=_("SMTP user name"))
    smtp_password = EncryptedTextField(blank=True, default="", verbose_name=_("SMTP password"))

    signature = models.TextField(blank=True, default="", verbose_name=_("signature"))
    auto_reply_enabled = models.BooleanField(default=False, verbose_name=_("send an auto-reply"))
    auto_reply_subject = models.CharField(
        max_length=255, blank=True, default="", verbose_name=_("auto-reply subject")
    )
    auto_reply_text = models.TextField(blank=True, default="", verbose_name=_("auto-reply text"))

    active = models.BooleanField(default=True, verbose_name=_("active"))
    poll_interval = models.PositiveIntegerField(default=60, verbose_name=_("poll interval (seconds)"))
    groups = models.ManyToManyField(
        Group,
        blank=True,
        related_name="mailboxes",
        verbose_name=_("agent groups"),
        help_text=_("Members of these groups see and work this mailbox's tickets."),
    )

    last_fetch_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last successful fetch"))
    last_error = models.TextField(blank=True, default="", verbose_name=_("last error"))
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} <{self.address}>"

    @property
    def folder_list(self):
        return [folder.strip() for folder in self.imap_folders.split(",") if folder.strip()]


class MailboxFolderState(models.Model):
    """Where fetching stands in one IMAP folder: its UIDVALIDITY and the highest UID imported."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="folder_states")
    folder = models.CharField(max_length=255)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_fetch_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailbox", "folder"], name="unique_mailbox_folder")]

    def __str__(self):
        return f"{self.mailbox.name}/{self.folder} uidvalidity={self.uidvalidity} last_uid={self.last_uid}"
