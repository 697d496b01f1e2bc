"""Demo content for a first look: home page, knowledge base, contact form, demo mailbox,
saved replies and an administrator whose generated password is printed once."""

import secrets

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from wagtail.models import Locale, Page, Site

from helpdesk_site.models import HomePage


class Command(BaseCommand):
    help = "Create demo content. Does nothing when the site already has a help desk home page."

    def add_arguments(self, parser):
        parser.add_argument("--admin-username", default="admin")

    @transaction.atomic
    def handle(self, *args, admin_username, **options):
        if HomePage.objects.exists():
            self.stdout.write("Demo content already exists; nothing changed.")
            return
        home = self.create_home_page()
        steps = [("knowledge base", self.create_knowledge_base), ("contact form", self.create_contact_form)]
        for label, step in steps:
            if step(home):
                self.stdout.write(f"Created the demo {label}.")
        self.create_demo_mailbox()
        self.create_saved_replies()
        self.create_admin(admin_username)

    def create_home_page(self):
        locale = Locale.get_default()
        root = Page.get_first_root_node()
        home = root.add_child(
            instance=HomePage(
                title="How can we help?",
                slug="help",
                locale=locale,
                intro="<p>Search the knowledge base, or write to us and we will answer by email.</p>",
                help_heading="Find answers",
            )
        )
        site = Site.objects.filter(is_default_site=True).first()
        old_root = site.root_page if site else None
        if site:
            site.root_page = home
            site.site_name = "Help desk"
            site.save()
        else:
            Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True)
        if old_root and old_root.specific_class is Page and old_root.depth == 2:
            old_root.delete()  # Wagtail's "Welcome" placeholder
        home.refresh_from_db()
        return home

    def create_knowledge_base(self, home):
        if not apps.is_installed("kb"):
            return False
        from kb.demo import create_demo_kb

        create_demo_kb(home, Locale.get_default())
        return True

    def create_contact_form(self, home):
        if not apps.is_installed("helpdesk_site.contact"):
            return False
        from helpdesk_site.contact.demo import create_demo_contact_form

        create_demo_contact_form(home)
        return True

    def create_demo_mailbox(self):
        from inbox.models import Mailbox

        Mailbox.objects.get_or_create(
            name="Support (demo)",
            defaults={
                "address": "support@example.com",
                "sender_name": "Example Support",
                "imap_host": "imap.example.com",
                "smtp_host": "smtp.example.com",
                "active": False,
                "signature": "-- \nExample Support · https://example.com/help",
            },
        )
        self.stdout.write(
            "Created an inactive demo mailbox; edit it under Inbox › Mailboxes to connect yours."
        )

    def create_saved_replies(self):
        if not apps.is_installed("saved_replies"):
            return
        from saved_replies.demo import create_demo_saved_replies

        create_demo_saved_replies()
        self.stdout.write("Created demo saved replies.")

    def create_admin(self, username):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="admin@example.com", password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Administrator created. User name: {username}  Password: {password}\n"
                "This password is shown only once: write it down, then change it under Account."
            )
        )
