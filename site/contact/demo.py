from inbox.models import Mailbox

from .models import ContactFormPage


def create_demo_contact_form(parent):
    page = ContactFormPage(
        title="Contact us",
        slug="contact",
        intro="<p>Tell us what happened and we will answer by email, usually within a day.</p>",
        thank_you_text="<p>Thank you! We received your message and will answer by email.</p>",
        mailbox=Mailbox.objects.order_by("id").first(),
    )
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page
