"""The ticket list in real Chromium: the Inbox menu, search as you type, and a bulk action from the footer.

Screenshots of the list and of the bulk confirmation go to test-output/screenshots/.
"""

import pytest
from django.contrib.auth.models import Group, Permission

from inbox.models import Ticket
from tests.inbox.list_support import make_mailbox, make_ticket
from tests.servers.browser import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "agent-pass-1"


@pytest.fixture
def desk(django_user_model):
    support = make_mailbox("Support")
    group = Group.objects.create(name="Support agents")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    support.groups.add(group)
    agent = django_user_model.objects.create_user(
        "maria", "maria@agents.example", PASSWORD, first_name="Maria", last_name="Lopez"
    )
    agent.groups.add(group)
    tickets = {
        "parcel": make_ticket(
            support, "Parcel never arrived", body="Tracking says delivered, but nothing came."
        ),
        "refund": make_ticket(support, "Refund for order 1042", body="Please refund the broken kettle."),
        "spam": make_ticket(support, "Cheap watches", body="Best prices on watches."),
    }
    tickets["parcel"].tags.add("vip")
    return {"agent": agent, "tickets": tickets}


def log_in(page, live_server, user, next_url):
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert page.url.endswith(next_url), page.url


def test_an_agent_searches_the_inbox_and_closes_tickets_in_bulk(live_server, new_page, desk):
    tickets = desk["tickets"]
    page = new_page()
    log_in(page, live_server, desk["agent"], "/admin/inbox/")

    rows = page.locator("table.inbox-list tbody tr")
    assert rows.count() == 3
    page.get_by_role("button", name="Inbox").first.click()
    page.get_by_text("All open (3)").wait_for(state="visible")  # the flyout opens from a script
    screenshot(page, "inbox-menu")
    page.keyboard.press("Escape")  # close the submenu flyout, which covers the list
    page.get_by_text("All open (3)").wait_for(state="hidden")
    screenshot(page, "inbox-list")

    # Search as you type: Wagtail refreshes the results without leaving the page.
    page.fill("input[name=q]", "kettle")
    page.wait_for_function("document.querySelectorAll('table.inbox-list tbody tr').length === 1")
    assert "Refund for order 1042" in rows.first.inner_text()
    page.fill("input[name=q]", "")
    page.wait_for_function("document.querySelectorAll('table.inbox-list tbody tr').length === 3")

    # Select two tickets; the bulk-action footer appears; close them.
    for key in ("parcel", "spam"):
        page.check(f"input[data-object-id='{tickets[key].pk}']")
    footer = page.locator("[data-bulk-action-footer]")
    assert footer.is_visible()
    with page.expect_navigation():
        footer.locator("a", has_text="Change status").click()
    assert "Parcel never arrived" in page.content() and "Cheap watches" in page.content()
    page.check("input[name=status][value=closed]")
    screenshot(page, "inbox-bulk-status")
    with page.expect_navigation():
        page.get_by_role("button", name="Change status").click()

    assert page.url.endswith("/admin/inbox/")
    assert "2 tickets changed." in page.content()
    assert rows.count() == 1 and "Refund for order 1042" in rows.first.inner_text()
    assert set(Ticket.objects.filter(status="closed").values_list("pk", flat=True)) == {
        tickets["parcel"].pk,
        tickets["spam"].pk,
    }

    # The filter drawer narrows "All tickets" to the closed ones, again without leaving the page.
    page.goto(f"{live_server.url}/admin/inbox/folder/all/")
    assert rows.count() == 3
    page.get_by_role("button", name="Show filters").click()
    page.locator("button.w-drilldown__toggle", has_text="Status").click()
    page.get_by_label("Closed").check()
    page.wait_for_function("document.querySelectorAll('table.inbox-list tbody tr').length === 2")
    screenshot(page, "inbox-list-filtered")
    assert "status=closed" in page.url
