"""Folding quoted history and signatures away from what the customer just wrote."""

from __future__ import annotations

import pytest

from inbox.mail.html import html_to_text, sanitize_html
from inbox.mail.quotes import is_attribution, split_quoted_html, split_quoted_text

ATTRIBUTIONS = [
    "On Mon, Jan 15, 2024 at 10:00 AM John Doe <john@example.com> wrote:",
    '15.01.2024, 10:00, "Иван" <ivan@example.ru> пишет:',
    "Иван Петров написал(а):",
    "пн, 15 янв. 2024 г. в 10:00, Иван Петров <ivan@example.ru>:",
    "Den man. 15. jan. 2024 kl. 10:00 skrev Ola Nordmann <ola@example.no>:",
    "Am 15.01.2024 um 10:00 schrieb Max Mustermann <max@example.de>:",
    "Le lun. 15 janv. 2024 à 10:00, Jean Dupont <jean@example.fr> a écrit :",
    "El lun, 15 ene 2024 a las 10:00, Juan (<juan@example.es>) escribió:",
    "Em seg., 15 de jan. de 2024 às 10:00, Ana <ana@example.br> escreveu:",
    "Il giorno lun 15 gen 2024 alle ore 10:00 Luca <luca@example.it> ha scritto:",
    "Op ma 15 jan. 2024 om 10:00 schreef Jan <jan@example.nl>:",
    "في الاثنين، 15 يناير 2024 في 10:00 ص، كتب أحمد <ahmed@example.com>:",
    "เมื่อ จ. 15 ม.ค. 2024 เวลา 10:00 สมชาย <somchai@example.co.th> เขียนว่า:",
    "2024年1月15日(月) 10:00 山田太郎 <taro@example.jp>:",
]


@pytest.mark.parametrize("line", ATTRIBUTIONS)
def test_attribution_lines_are_recognised_in_many_languages(line):
    assert is_attribution(line)
    new, quoted = split_quoted_text(f"Thanks!\n\n{line}\n> old text\n")
    assert new == "Thanks!"
    assert quoted.startswith(line) and "> old text" in quoted


@pytest.mark.parametrize(
    "line",
    [
        "Please note the following:",
        "Call me on 10:00",
        "Totals for January 2024:",
        "> On Mon x wrote:",
        "Here is what my colleague wrote:",
    ],
)
def test_ordinary_lines_ending_in_a_colon_do_not_hide_what_follows(line):
    text = f"Hello,\n\n{line}\nfirst item\nsecond item\n"
    assert split_quoted_text(text) == (text, "")


def test_wrapped_gmail_attribution_over_two_lines_is_folded():
    text = "Done.\n\nOn Mon, Jan 15, 2024 at 10:00 AM John Doe <\njohn@example.com> wrote:\n\n> old\n"
    assert split_quoted_text(text)[0] == "Done."


@pytest.mark.parametrize(
    "separator",
    [
        "-----Original Message-----",
        "-----Ursprüngliche Nachricht-----",
        "-----Message d'origine-----",
        "-----Исходное сообщение-----",
        "-----Opprinnelig melding-----",
        "-----Mensaje original-----",
    ],
)
def test_outlook_original_message_separators_start_the_history(separator):
    new, quoted = split_quoted_text(f"Yes please.\n\n{separator}\nFrom: S\nSent: Monday\n\nShall we?\n")
    assert new == "Yes please."
    assert quoted.startswith(separator)


@pytest.mark.parametrize(
    "block",
    [
        "From: Support <s@x.com>\nSent: Monday, January 15, 2024 10:00 AM\nTo: me\nSubject: Re: x",
        "Von: Support <s@x.com>\nGesendet: Montag, 15. Januar 2024 10:00\nAn: ich\nBetreff: AW: x",
        "De : Support <s@x.com>\nEnvoyé : lundi 15 janvier 2024 10:00\nÀ : moi\nObjet : RE: x",
        "От: Support <s@x.com>\nОтправлено: 15 января 2024 г. 10:00\nКому: мне\nТема: RE: x",
        "Fra: Support <s@x.com>\nSendt: 15. januar 2024 10:00\nTil: meg\nEmne: SV: x",
        "________________________________\nFrom: Support <s@x.com>\nSent: Monday\nTo: me\nSubject: x",
    ],
)
def test_outlook_header_blocks_start_the_history(block):
    new, quoted = split_quoted_text(f"Answer.\n\n{block}\n\nOld text\n")
    assert new == "Answer."
    assert quoted.startswith(block.split("\n")[0])


def test_forwarded_messages_are_not_folded_away():
    text = (
        "Please look at this.\n\n---------- Forwarded message ---------\nFrom: A <a@x.com>\n"
        "Date: Mon, Jan 15, 2024\nSubject: Order\nTo: <b@x.com>\n\nOrder text\n"
    )
    assert split_quoted_text(text) == (text, "")


def test_signatures_and_mobile_footers_are_folded():
    assert split_quoted_text("Thanks\n-- \nJane Doe\nACME Inc.\n") == ("Thanks", "-- \nJane Doe\nACME Inc.\n")
    new, quoted = split_quoted_text("Ok\n\nSent from my iPhone\n\nOn Jan 1, John <j@x.com> wrote:\n> x\n")
    assert new == "Ok" and quoted.startswith("Sent from my iPhone")


def test_interleaved_answers_are_never_hidden():
    text = "On Mon John wrote:\n> q1\nanswer one\n> q2\nanswer two\n"
    assert split_quoted_text(text) == (text, "")
    text = "> q1\nanswer one\n\n> q2\nanswer two\n\n> trailing quote\n> more\n"
    new, quoted = split_quoted_text(text)
    assert new.endswith("answer two") and quoted == "> trailing quote\n> more\n"


def test_a_message_that_is_only_a_quote_is_shown_whole():
    assert split_quoted_text("> nothing new\n> at all\n") == ("> nothing new\n> at all\n", "")
    assert split_quoted_text("") == ("", "")


def test_text_split_keeps_every_character():
    text = "Hi\r\n\r\nOn Mon, x <a@b.c> wrote:\r\n> one\r\n>\r\n> two\r\n-- \r\nsig\r\n"
    new, quoted = split_quoted_text(text)
    assert new == "Hi"
    assert text.startswith(new) and text.endswith(quoted)
    assert "".join((new + quoted).split()) == "".join(text.split())


def words(html: str) -> list[str]:
    return sorted(html_to_text(html).split())


def split(html: str) -> tuple[str, str, str]:
    cleaned = sanitize_html(html)
    new, quoted = split_quoted_html(cleaned)
    assert sorted(words(new) + words(quoted)) == words(cleaned)
    return cleaned, new, quoted


def test_gmail_quote_is_folded_with_its_attribution():
    _, new, quoted = split(
        '<div dir="ltr">Thanks!</div><br><div class="gmail_quote"><div class="gmail_attr">On Mon, John '
        '&lt;j@x.com&gt; wrote:<br></div><blockquote class="gmail_quote">Try again</blockquote></div>'
    )
    assert html_to_text(new) == "Thanks!"
    assert "Try again" in quoted and "wrote:" in quoted


def test_apple_mail_cite_blockquote_takes_the_attribution_paragraph_along():
    _, new, quoted = split(
        "<div>Thanks!</div><div><br><div>On Jan 15, 2024, at 10:00, John Doe &lt;john@example.com&gt; wrote:"
        '<br><br></div><blockquote type="cite"><div>Try again</div></blockquote></div>'
    )
    assert html_to_text(new) == "Thanks!"
    assert html_to_text(quoted).startswith("On Jan 15, 2024")


def test_outlook_web_and_desktop_separators_fold_everything_after_them():
    _, new, quoted = split(
        '<p>Yes</p><hr><div id="divRplyFwdMsg"><b>From:</b> S<br><b>Sent:</b> Monday</div><div>Old body</div>'
    )
    assert html_to_text(new) == "Yes\n\n--------------------"
    assert "Old body" in quoted
    _, new, quoted = split(
        '<div class="WordSection1"><p class="MsoNormal">Yes please</p><div><div style="border:none;'
        'border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in"><p><b>From:</b> S</p></div></div>'
        "<p>old</p></div>"
    )
    assert html_to_text(new) == "Yes please"
    assert "old" in html_to_text(quoted)


def test_original_message_text_marker_in_html_is_folded():
    _, new, quoted = split("<p>Yes</p><p>-----Original Message-----<br>From: S<br>old</p>")
    assert html_to_text(new) == "Yes"
    assert "old" in html_to_text(quoted)


def test_interleaved_html_replies_and_bare_quotes_are_not_folded():
    cleaned, new, quoted = split(
        '<blockquote type="cite">q1</blockquote><p>a1</p><blockquote type="cite">q2</blockquote><p>a2</p>'
    )
    assert (new, quoted) == (cleaned, "")
    cleaned, new, quoted = split('<blockquote type="cite">all quoted</blockquote>')
    assert (new, quoted) == (cleaned, "")


def test_attribution_sharing_a_paragraph_with_new_text_only_moves_the_attribution():
    _, new, quoted = split(
        '<p>Hi,<br>On Mon, John &lt;j@x.com&gt; wrote:</p><blockquote type="cite">q</blockquote>'
    )
    assert html_to_text(new) == "Hi,"
    assert html_to_text(quoted).startswith("On Mon, John")


def test_images_after_a_quote_keep_it_visible():
    cleaned, new, quoted = split('<p>See</p><blockquote type="cite">old</blockquote><img src="cid:a@b">')
    assert (new, quoted) == (cleaned, "")
