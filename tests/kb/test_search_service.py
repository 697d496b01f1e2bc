"""KB search: typos and suggestions, languages, snippets, category filter, pagination."""

import pytest

from kb.search.service import search_articles

pytestmark = pytest.mark.django_db


def titles(outcome):
    return [hit.page.title for hit in outcome.hits]


@pytest.fixture
def account(kb, kb_home):
    category = kb.category(kb_home, "Account")
    kb.article(category, "Reset your password", "Open the reset link we email you and choose a new password.")
    kb.article(category, "Download your invoices", "Every payment produces an invoice you can download.")
    return category


def test_a_misspelled_query_gets_a_suggestion_and_still_finds_the_article(kb_home, account):
    outcome = search_articles(kb_home, "pasword")

    assert outcome.suggestion == "password"
    assert titles(outcome) == ["Reset your password"]


def test_a_query_with_two_typos_in_a_long_word_still_finds_it(kb_home, account):
    outcome = search_articles(kb_home, "invioces")

    assert titles(outcome) == ["Download your invoices"]
    assert outcome.suggestion == "invoices"


def test_a_correctly_spelled_query_gets_no_suggestion(kb_home, account):
    outcome = search_articles(kb_home, "password")

    assert outcome.suggestion == ""
    assert outcome.corrected is False


def test_snippets_mark_the_matched_words_and_escape_the_text(kb, kb_home):
    category = kb.category(kb_home, "Tips")
    kb.article(category, "Shortcuts", "Press <b>Ctrl</b> &lt;K&gt; to search; the search box opens.")

    snippet = str(search_articles(kb_home, "search").hits[0].snippet)

    assert "<mark>search</mark>" in snippet
    assert "&lt;K&gt;" in snippet
    assert "<b>" not in snippet


def test_the_category_filter_limits_results_and_counts_every_category(kb, kb_home):
    billing = kb.category(kb_home, "Billing")
    nested = kb.category(billing, "Refunds")
    account = kb.category(kb_home, "Account")
    kb.article(billing, "Invoice email", "Your invoice arrives by email.")
    kb.article(nested, "Refund invoice", "A refund produces a credit invoice.")
    kb.article(account, "Invoice address", "Change the invoice address.")

    everything = search_articles(kb_home, "invoice")
    assert everything.total == 3
    assert [(section.title, count) for section, count in everything.sections] == [
        ("Billing", 2),
        ("Account", 1),
    ]

    only_billing = search_articles(kb_home, "invoice", section_id=billing.pk)
    assert sorted(titles(only_billing)) == ["Invoice email", "Refund invoice"]
    assert only_billing.section == billing.page_ptr


def test_results_are_paginated(kb, kb_home):
    category = kb.category(kb_home, "Guides")
    for number in range(5):
        kb.article(category, f"Backup guide {number}", "Restore a backup from the archive.")

    first = search_articles(kb_home, "backup", per_page=2)
    third = search_articles(kb_home, "backup", page=3, per_page=2)

    assert (first.total, first.num_pages, len(first.hits)) == (5, 3, 2)
    assert len(third.hits) == 1
    assert set(titles(first)).isdisjoint(titles(third))


def test_all_words_must_match_when_some_article_has_them_all(kb, kb_home):
    category = kb.category(kb_home, "Guides")
    kb.article(category, "Printer setup", "Connect the printer to the network.")
    kb.article(category, "Network speed", "Test the network speed.")

    assert titles(search_articles(kb_home, "printer network")) == ["Printer setup"]
    # No article has both words: the search falls back to any word.
    assert sorted(titles(search_articles(kb_home, "printer speed"))) == ["Network speed", "Printer setup"]


def test_russian_inflected_forms_find_each_other(kb):
    home = kb.home(title="База знаний", slug="kb-ru", language_code="ru")
    category = kb.category(home, "Учётная запись", slug="account")
    kb.article(category, "Электронные книги", "Как читать книги на телефоне.", slug="books")

    outcome = search_articles(home, "книгу")

    assert titles(outcome) == ["Электронные книги"]
    assert outcome.suggestion == ""  # an inflection is not a typo


def test_thai_text_without_spaces_is_found_by_a_word_inside_it(kb):
    home = kb.home(title="ศูนย์ช่วยเหลือ", slug="kb-th", language_code="th")
    category = kb.category(home, "บัญชีผู้ใช้", slug="account")
    kb.article(category, "วิธีเปลี่ยนรหัสผ่าน", "หากคุณลืมรหัสผ่านคุณสามารถตั้งรหัสผ่านใหม่ได้", slug="password")
    kb.article(category, "การชำระเงิน", "ชำระเงินด้วยบัตรเครดิต", slug="payment")

    assert titles(search_articles(home, "รหัสผ่าน")) == ["วิธีเปลี่ยนรหัสผ่าน"]
    assert titles(search_articles(home, "บัตรเครดิต")) == ["การชำระเงิน"]


def test_arabic_is_found_across_definite_article_and_diacritics(kb):
    home = kb.home(title="مركز المساعدة", slug="kb-ar", language_code="ar")
    category = kb.category(home, "الحساب", slug="account")
    kb.article(category, "تغيير كلمة المرور", "يمكنك تغيير كَلِمَة المرور من صفحة الحساب.", slug="password")

    assert titles(search_articles(home, "كلمة")) == ["تغيير كلمة المرور"]
    assert titles(search_articles(home, "الحسابات")) == ["تغيير كلمة المرور"]


def test_a_search_finds_only_articles_in_the_language_of_its_kb_home(kb, kb_home):
    english = kb.category(kb_home, "Account")
    kb.article(english, "Reset your password", "Password help.")
    german_home = kb.home(title="Hilfe", slug="kb-de", language_code="de")
    german = kb.category(german_home, "Konto", slug="konto")
    kb.article(german, "Passwort zurücksetzen", "Hilfe zum Passwort und password.", slug="passwort")

    assert titles(search_articles(kb_home, "password")) == ["Reset your password"]
    assert titles(search_articles(german_home, "password")) == ["Passwort zurücksetzen"]


def test_results_of_another_kb_home_in_the_same_language_are_not_mixed_in(kb, kb_home):
    kb.article(kb.category(kb_home, "Account"), "Reset your password", "Password help.")
    other_home = kb.home(title="Partner help", slug="partners")
    kb.article(kb.category(other_home, "Partners"), "Partner password", "Password for partners.")

    assert titles(search_articles(kb_home, "password")) == ["Reset your password"]


def test_on_another_search_backend_the_kb_search_still_works_without_extras(kb, kb_home, settings):
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
    category = kb.category(kb_home, "Account")
    kb.article(category, "Reset your password", "Open the reset link we email you.")
    private = kb.category(kb_home, "Internal")
    kb.article(private, "Password vault", "Staff only.")
    kb.restrict(private)

    outcome = search_articles(kb_home, "password")

    assert titles(outcome) == ["Reset your password"]
    assert outcome.suggestion == ""
    from kb.search.service import instant_search

    assert [item["title"] for item in instant_search(kb_home, "reset pass")] == ["Reset your password"]
