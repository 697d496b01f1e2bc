"""Contact form pages: a submission becomes a ticket through the mail pipeline."""

import pytest
from django.core.cache import cache
from wagtail.models import Page

from helpdesk_site.contact.models import ContactFormField, ContactFormPage
from inbox.models import Mailbox, RawMessage, Ticket


@pytest.fixture
def contact_page(db):
    cache.clear()
    mailbox = Mailbox.objects.create(name="Support", address="support@shop.example")
    home = Page.objects.get(depth=2)
    page = ContactFormPage(title="Contact us", slug="contact", mailbox=mailbox)
    home.add_child(instance=page)
    ContactFormField.objects.create(page=page, label="Order number", field_type="singleline", required=False)
    page.save_revision().publish()
    return page


def post(client, page, **overrides):
    data = {
        "name": "Ирина Петрова",
        "email": "Irina@Example.RU",
        "subject": "Посылка не пришла",
        "message": "Здравствуйте! Где моя посылка?",
        "order_number": "1042",
        "website": "",
    }
    data.update(overrides)
    return client.post(page.url, data)


def test_a_submission_opens_a_ticket_for_the_customer_with_every_answer(client, contact_page):
    response = post(client, contact_page)
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.mailbox == contact_page.mailbox
    assert ticket.subject == "Посылка не пришла"
    assert ticket.customer.name == "Ирина Петрова"
    assert ticket.customer.primary_address == "irina@example.ru"
    body = ticket.messages.get().body_text
    assert "Где моя посылка?" in body
    assert "Order number: 1042" in body
    assert RawMessage.objects.get().source == RawMessage.Source.FORM
    assert contact_page.get_submissions().count() == 1  # Wagtail's own copy is kept too


def test_a_robot_filling_the_hidden_field_gets_the_same_answer_but_opens_nothing(client, contact_page):
    response = post(client, contact_page, website="http://spam.example")
    assert response.status_code == 200
    assert not Ticket.objects.exists()


def test_missing_fields_are_named_and_nothing_is_stored(client, contact_page):
    response = post(client, contact_page, email="not-an-address", message="")
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert "This field is required." in html
    assert not Ticket.objects.exists()


def test_many_posts_from_one_client_are_refused_with_a_clear_message(client, contact_page):
    for number in range(5):
        post(client, contact_page, subject=f"Question {number}")
    response = post(client, contact_page, subject="One more")
    assert response.status_code == 429
    assert "Please wait a few minutes" in response.content.decode()
    assert Ticket.objects.count() == 5


def test_the_form_requires_a_csrf_token(contact_page):
    from django.test import Client

    response = post(Client(enforce_csrf_checks=True), contact_page)
    assert response.status_code == 403
    assert not Ticket.objects.exists()
