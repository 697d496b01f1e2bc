"""StreamField blocks of a knowledge base article body (ArticlePage.body in the page editor)."""

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock

RICH_TEXT_FEATURES = [
    "bold",
    "italic",
    "link",
    "document-link",
    "ol",
    "ul",
    "code",
    "superscript",
    "subscript",
]


def heading_anchor(text, explicit=""):
    """The id of a heading: the editor's anchor, else a slug of the text (Unicode kept)."""
    return slugify(explicit or text, allow_unicode=True) or "section"


class HeadingBlock(blocks.StructBlock):
    """A section heading: listed in the table of contents and linkable by its anchor."""

    text = blocks.CharBlock(label=_("Heading"), max_length=200)
    level = blocks.ChoiceBlock(
        choices=[("h2", _("Section (H2)")), ("h3", _("Subsection (H3)"))],
        default="h2",
        label=_("Level"),
        search_index=False,
    )
    anchor = blocks.CharBlock(
        required=False,
        max_length=80,
        label=_("Anchor"),
        help_text=_("Optional link name, e.g. 'reset-steps'. Made from the heading when empty."),
        search_index=False,
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "kb/blocks/heading.html"


class CodeBlock(blocks.StructBlock):
    """Preformatted code or command output, shown in a monospace box."""

    language = blocks.ChoiceBlock(
        choices=[
            ("text", _("Plain text")),
            ("bash", "Shell"),
            ("python", "Python"),
            ("javascript", "JavaScript"),
            ("html", "HTML"),
            ("css", "CSS"),
            ("json", "JSON"),
            ("sql", "SQL"),
        ],
        default="text",
        label=_("Language"),
        search_index=False,
    )
    code = blocks.TextBlock(label=_("Code"))

    class Meta:
        icon = "code"
        label = _("Code")
        template = "kb/blocks/code.html"


class CalloutBlock(blocks.StructBlock):
    """A highlighted note, tip or warning inside an article."""

    kind = blocks.ChoiceBlock(
        choices=[("note", _("Note")), ("tip", _("Tip")), ("warning", _("Warning"))],
        default="note",
        label=_("Kind"),
        search_index=False,
    )
    text = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("Text"))

    class Meta:
        icon = "warning"
        label = _("Note or warning")
        template = "kb/blocks/callout.html"


class FAQItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("Question"), max_length=300)
    answer = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("Answer"))


class FAQBlock(blocks.StructBlock):
    """Questions and answers shown as an accordion (native <details>, keyboard accessible)."""

    title = blocks.CharBlock(required=False, label=_("Title"), max_length=200)
    items = blocks.ListBlock(FAQItemBlock(), label=_("Questions"))

    class Meta:
        icon = "help"
        label = _("FAQ")
        template = "kb/blocks/faq.html"


class VideoBlock(blocks.StructBlock):
    """An embedded video (YouTube, Vimeo... through Wagtail embeds) with an optional caption."""

    video = EmbedBlock(label=_("Video URL"))
    caption = blocks.CharBlock(required=False, label=_("Caption"), max_length=250)

    class Meta:
        icon = "media"
        label = _("Video")
        template = "kb/blocks/video.html"


class ArticleBodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(features=RICH_TEXT_FEATURES, label=_("Text"), icon="pilcrow")
    image = ImageBlock(label=_("Image"))
    code = CodeBlock()
    callout = CalloutBlock()
    video = VideoBlock()
    faq = FAQBlock()
