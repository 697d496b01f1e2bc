from django import forms
from django.db import models
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.forms.models import AbstractForm, AbstractFormField
from wagtail.fields import RichTextField

from helpdesk_site import ratelimit

from . import services

SUBMISSIONS_PER_WINDOW = 5
WINDOW_SECONDS = 600


class ContactFormField(AbstractFormField):
    """An extra question on a contact form (order number, product …), added in the page editor."""

    page = ParentalKey("ContactFormPage", on_delete=models.CASCADE, related_name="form_fields")


class ContactForm(forms.Form):
    """The fields every contact form has; the editor's extra questions are appended."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your email address"), max_length=320)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    message = forms.CharField(
        label=_("How can we help?"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20000
    )
    # Left empty by people; robots that fill every field are refused.
    website = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )


class ContactFormPage(AbstractForm):
    """A public contact form; each submission becomes a ticket in the chosen mailbox.

    Created in the page tree like any page; extra questions are added under "Form fields".
    """

    intro = RichTextField(blank=True, verbose_name=_("introduction"))
    thank_you_text = RichTextField(blank=True, verbose_name=_("thank-you text"))
    mailbox = models.ForeignKey(
        "inbox.Mailbox",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("mailbox"),
        help_text=_("Submissions become tickets in this mailbox."),
    )

    content_panels = AbstractForm.content_panels + [
        FieldPanel("intro"),
        FieldPanel("mailbox"),
        InlinePanel("form_fields", label=_("Extra questions")),
        MultiFieldPanel([FieldPanel("thank_you_text")], heading=_("After sending")),
    ]
    template = "contact/contact_form_page.html"
    landing_page_template = "contact/contact_form_page_landing.html"

    class Meta:
        verbose_name = _("contact form")

    def get_form_class(self):
        extra = super().get_form_class()
        return type("ContactPageForm", (ContactForm, extra), {})

    def serve(self, request, *args, **kwargs):
        if request.method == "POST" and not ratelimit.allow(
            f"contact:{self.pk}", ratelimit.client_key(request), SUBMISSIONS_PER_WINDOW, WINDOW_SECONDS
        ):
            context = self.get_context(request)
            context["form"] = self.get_form(request.POST, page=self, user=request.user)
            context["rate_limited"] = True
            return TemplateResponse(request, self.get_template(request), context, status=429)
        return super().serve(request, *args, **kwargs)

    def process_form_submission(self, form):
        data = form.cleaned_data
        if data.get("website"):
            return None  # a robot: nothing stored, the same thank-you page shown
        submission = super().process_form_submission(form)  # Wagtail keeps a copy of every submission
        if self.mailbox_id:
            extra = [
                (field.label, data.get(field.clean_name, ""))
                for field in self.get_form_fields()
                if data.get(field.clean_name) not in (None, "")
            ]
            raw = services.submission_to_email(
                mailbox=self.mailbox,
                name=data["name"],
                email=data["email"],
                subject=data["subject"],
                message=data["message"],
                extra_fields=extra,
                page_url=self.full_url or "",
            )
            services.submit_to_inbox(self.mailbox, raw)
        return submission
