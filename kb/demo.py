"""Demo knowledge base content (called by ``manage.py seed_demo``).

``create_demo_kb(parent_page, locale)`` builds a KB home with three categories and twelve
English articles, plus a Russian and a Thai knowledge base with one article each when
those locales exist, and returns the English KB home.
"""

import json

from django.utils.text import slugify
from wagtail.models import Locale

from .models import ArticlePage, CategoryPage, KnowledgeBaseIndexPage


def _p(*paragraphs):
    return "".join(f"<p>{text}</p>" for text in paragraphs)


def heading(text, level="h2"):
    return {"type": "heading", "value": {"text": text, "level": level, "anchor": ""}}


def paragraph(*texts):
    return {"type": "paragraph", "value": _p(*texts)}


def steps(*items):
    return {"type": "paragraph", "value": "<ol>" + "".join(f"<li>{item}</li>" for item in items) + "</ol>"}


def callout(kind, text):
    return {"type": "callout", "value": {"kind": kind, "text": _p(text)}}


def code(text, language="text"):
    return {"type": "code", "value": {"language": language, "code": text}}


def faq(title, *pairs):
    items = [{"question": question, "answer": _p(answer)} for question, answer in pairs]
    return {"type": "faq", "value": {"title": title, "items": items}}


CATEGORIES = [
    ("Getting started", "🚀", "Set up your account and learn the basics."),
    ("Account and billing", "💳", "Passwords, invoices, plans and payment methods."),
    ("Troubleshooting", "🛠", "Fix common problems with sign-in, email and downloads."),
]

ARTICLES = [
    (
        0,
        "Create your account",
        "Sign up in two minutes with your work email address.",
        ["account", "sign-up"],
        [
            paragraph("Creating an account takes two minutes. You only need a working email address."),
            heading("Sign up"),
            steps(
                "Open the sign-up page and enter your name and work email address.",
                "Choose a password of at least twelve characters.",
                "Open the confirmation email we send you and click <b>Confirm my address</b>.",
            ),
            callout("tip", "Use your work address so that your colleagues can invite you to their team."),
            heading("Next steps"),
            paragraph("Once your address is confirmed, complete your profile and invite your team."),
        ],
    ),
    (
        0,
        "Invite your team",
        "Add colleagues to your workspace and choose what they can do.",
        ["team", "permissions"],
        [
            paragraph("Workspaces are shared: invite colleagues so everybody sees the same projects."),
            heading("Send invitations"),
            steps(
                "Go to <b>Settings → Team</b>.",
                "Click <b>Invite people</b> and enter one email address per line.",
                "Pick a role: <i>Member</i> can edit, <i>Viewer</i> can only read.",
            ),
            heading("Roles", "h3"),
            paragraph("Owners manage billing and can delete the workspace. Members create and edit content."),
            callout("note", "Invitations expire after seven days; you can resend them from the same screen."),
        ],
    ),
    (
        0,
        "Install the desktop app",
        "Download the app for Windows, macOS or Linux and sign in.",
        ["download", "desktop"],
        [
            paragraph("The desktop app works offline and syncs when you are back online."),
            heading("Download"),
            paragraph("Choose the installer for your system on the downloads page."),
            heading("Install on Linux", "h3"),
            code("sudo apt install ./example-app_2.4.1_amd64.deb", "bash"),
            heading("Sign in"),
            paragraph(
                "Start the app and sign in with the same email address and password as on the website."
            ),
        ],
    ),
    (
        0,
        "Keyboard shortcuts",
        "Work faster with the most useful keyboard shortcuts.",
        ["shortcuts", "productivity"],
        [
            paragraph("Press <b>?</b> anywhere to see every shortcut."),
            heading("Most used"),
            code("Ctrl+K  search everything\nCtrl+N  new document\nCtrl+S  save\nEsc     close a dialog"),
            callout("tip", "On a Mac, use Cmd instead of Ctrl."),
        ],
    ),
    (
        1,
        "Reset your password",
        "Forgot your password? Get a reset link by email and choose a new one.",
        ["password", "sign-in", "security"],
        [
            paragraph("If you forgot your password, you can choose a new one in a minute."),
            heading("Request a reset link"),
            steps(
                "On the sign-in page, click <b>Forgot your password?</b>",
                "Enter the email address of your account.",
                "Open the email we send and click the reset link within one hour.",
            ),
            heading("Choose a new password"),
            paragraph(
                "Use at least twelve characters. A passphrase of four random words is easy to remember."
            ),
            callout("warning", "The reset link works once. If it has expired, request a new one."),
            faq(
                "Questions",
                (
                    "I did not get the email.",
                    "Check your spam folder, then make sure the address is the one you signed up with.",
                ),
                ("Can support reset it for me?", "For your security, only you can choose a new password."),
            ),
        ],
    ),
    (
        1,
        "Change your email address",
        "Move your account to a new email address and confirm it.",
        ["account", "email"],
        [
            paragraph("You can change the address you sign in with at any time."),
            heading("Change it"),
            steps(
                "Go to <b>Settings → Profile</b>.",
                "Enter the new address and your current password.",
                "Confirm the change from the email we send to the new address.",
            ),
            callout("note", "Until you confirm, you keep signing in with the old address."),
        ],
    ),
    (
        1,
        "Download your invoices",
        "Find every invoice as a PDF and add your VAT number.",
        ["billing", "invoice"],
        [
            paragraph("Every payment produces an invoice that you can download as a PDF."),
            heading("Find an invoice"),
            paragraph("Open <b>Settings → Billing → Invoices</b> and click the invoice date."),
            heading("Add your VAT number"),
            paragraph(
                "Enter your company name and VAT number under <b>Billing details</b>; new invoices show them."
            ),
            faq(
                "Questions",
                (
                    "Can you change an old invoice?",
                    "Yes: write to us with the invoice number and the correct details.",
                ),
            ),
        ],
    ),
    (
        1,
        "Change or cancel your plan",
        "Upgrade, downgrade or cancel your subscription.",
        ["billing", "subscription", "plan"],
        [
            paragraph("You can change plans whenever you like; we prorate the difference."),
            heading("Upgrade or downgrade"),
            paragraph("Go to <b>Settings → Billing → Plan</b> and choose the new plan."),
            heading("Cancel"),
            paragraph(
                "Click <b>Cancel subscription</b>. Your workspace stays available "
                "until the end of the period."
            ),
            callout("warning", "After cancellation, data is kept for 30 days and then deleted."),
        ],
    ),
    (
        2,
        "I cannot sign in",
        "What to check when the sign-in page refuses your password.",
        ["sign-in", "password", "security"],
        [
            paragraph("Most sign-in problems come from a mistyped address or an expired session."),
            heading("Check the basics"),
            steps(
                "Make sure Caps Lock is off.",
                "Check that you use the address you signed up with.",
                "Try a private browser window to rule out old cookies.",
            ),
            heading("Still locked out?"),
            paragraph(
                "After five failed attempts, sign-in is paused for fifteen minutes. "
                "Reset your password if needed."
            ),
        ],
    ),
    (
        2,
        "Emails from us go to spam",
        "Make sure notifications and password reset emails reach your inbox.",
        ["email", "notifications"],
        [
            paragraph("Some mail filters are strict with automatic messages."),
            heading("Allow our sender"),
            paragraph("Add our address to your contacts, or ask your administrator to allow our domain."),
            heading("Gmail", "h3"),
            paragraph(
                "Open the message in Spam and click <b>Not spam</b>; future messages arrive in your inbox."
            ),
        ],
    ),
    (
        2,
        "The app is slow",
        "Speed up the desktop and web app.",
        ["performance", "desktop"],
        [
            paragraph("A slow app is usually caused by a large local cache or an old version."),
            heading("Update the app"),
            paragraph("Open <b>Help → Check for updates</b> and install the latest version."),
            heading("Clear the cache"),
            code("example-app --clear-cache", "bash"),
            callout("note", "Clearing the cache does not delete your documents; they sync again."),
        ],
    ),
    (
        2,
        "Error 403 when opening a shared link",
        "Why a shared document says access denied, and how to get access.",
        ["permissions", "sharing", "error"],
        [
            paragraph("Error 403 means the document exists but your account may not open it."),
            heading("Ask for access"),
            paragraph("Click <b>Request access</b>; the owner gets an email and can approve you."),
            heading("Check which account you use", "h3"),
            paragraph(
                "If you have two accounts, sign out and sign in with the one the link was shared with."
            ),
        ],
    ),
]

RUSSIAN = {
    "home": ("База знаний", "Ответы на частые вопросы."),
    "category": ("Учётная запись", "Пароли и вход.", "account"),
    "article": (
        "Как восстановить пароль",
        "Забыли пароль? Получите ссылку для сброса по электронной почте.",
        ["пароль"],
        [
            paragraph("Если вы забыли пароль, его можно сменить за минуту."),
            heading("Запросите ссылку"),
            steps(
                "На странице входа нажмите «Забыли пароль?».",
                "Введите адрес электронной почты учётной записи.",
                "Откройте письмо и перейдите по ссылке в течение часа.",
            ),
            callout("warning", "Ссылка действует один раз."),
        ],
        "reset-password",
    ),
}

THAI = {
    "home": ("ศูนย์ช่วยเหลือ", "คำตอบสำหรับคำถามที่พบบ่อย"),
    "category": ("บัญชีผู้ใช้", "รหัสผ่านและการเข้าสู่ระบบ", "account"),
    "article": (
        "วิธีเปลี่ยนรหัสผ่าน",
        "ลืมรหัสผ่านใช่ไหม รับลิงก์สำหรับตั้งรหัสผ่านใหม่ทางอีเมล",
        ["รหัสผ่าน"],
        [
            paragraph("หากคุณลืมรหัสผ่าน คุณสามารถตั้งรหัสผ่านใหม่ได้ภายในหนึ่งนาที"),
            heading("ขอลิงก์ตั้งรหัสผ่านใหม่"),
            steps(
                "ที่หน้าเข้าสู่ระบบ คลิก ลืมรหัสผ่าน",
                "กรอกอีเมลของบัญชีผู้ใช้",
                "เปิดอีเมลแล้วคลิกลิงก์ภายในหนึ่งชั่วโมง",
            ),
        ],
        "change-password",
    ),
}


def _publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _article(category, locale, title, summary, tags, body, slug=""):
    article = ArticlePage(title=title, slug=slug or slugify(title)[:80], locale=locale, summary=summary)
    article.body = json.dumps(body)
    article.tags.add(*tags)
    return _publish(category, article)


def create_demo_kb(parent_page, locale):
    """Build the demo knowledge base under ``parent_page``; returns the English KB home."""
    home = _publish(
        parent_page,
        KnowledgeBaseIndexPage(
            title="Help center",
            slug="kb",
            locale=locale,
            intro="<p>Search our guides or browse by topic.</p>",
        ),
    )
    categories = []
    for title, icon, description in CATEGORIES:
        category = CategoryPage(
            title=title, slug=slugify(title), locale=locale, icon=icon, description=description
        )
        categories.append(_publish(home, category))
    for index, title, summary, tags, body in ARTICLES:
        _article(categories[index], locale, title, summary, tags, body)
    for language_code, content in (("ru", RUSSIAN), ("th", THAI)):
        other = Locale.objects.filter(language_code=language_code).first()
        if other is not None and other != locale:
            _create_translated_kb(parent_page, home, other, content)
    return home


def _create_translated_kb(parent_page, english_home, locale, content):
    # A KB home per language under the same site home keeps every language reachable
    # without i18n URL prefixes; sharing the translation key links them as translations.
    title, intro = content["home"]
    home = _publish(
        parent_page,
        KnowledgeBaseIndexPage(
            title=title,
            slug=f"kb-{locale.language_code}",
            locale=locale,
            intro=f"<p>{intro}</p>",
            translation_key=english_home.translation_key,
        ),
    )
    # ASCII slugs: Django's slugify drops Thai vowel marks, which would garble the URL.
    category_title, category_description, category_slug = content["category"]
    category = _publish(
        home,
        CategoryPage(
            title=category_title, slug=category_slug, locale=locale, description=category_description
        ),
    )
    _article(category, locale, *content["article"])
    return home
