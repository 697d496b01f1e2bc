"""Charset handling: declared, mislabelled and undeclared text, and RFC 2047 header values."""

from __future__ import annotations

import pytest

from inbox.mail.charsets import decode_bytes, decode_header_value, implausibility

RUSSIAN = "Здравствуйте! У меня не работает принтер, помогите пожалуйста."
THAI = "สวัสดีครับ ผมมีปัญหากับการสั่งซื้อสินค้า"
ARABIC = "مرحبا، لدي مشكلة في الطلب الخاص بي"
NORWEGIAN = "Hei! Jeg har et spørsmål om blåbærsyltetøy og ærfugl."
GERMAN = "Grüße aus Köln, die Straße ist gesperrt."
JAPANESE = "こんにちは、注文についての質問があります。"
CHINESE = "你好，我的订单有问题"
GREEK = "Καλημέρα, έχω ένα πρόβλημα"

CASES = [
    (RUSSIAN, "cp1251"),
    (RUSSIAN, "koi8_r"),
    ("Привет мир", "cp1251"),
    ("Привет мир", "koi8_r"),
    (THAI, "cp874"),
    (THAI, "tis_620"),
    (ARABIC, "cp1256"),
    (NORWEGIAN, "latin-1"),
    ("Blåbær", "latin-1"),
    (GERMAN, "cp1252"),
    (JAPANESE, "iso2022_jp"),
    (JAPANESE, "euc_jp"),
    (CHINESE, "gb2312"),
    (GREEK, "cp1253"),
]


@pytest.mark.parametrize(("text", "codec"), CASES)
def test_text_without_any_declared_charset_is_detected(text, codec):
    assert decode_bytes(text.encode(codec)).text == text


@pytest.mark.parametrize(("text", "codec"), CASES)
def test_text_declared_with_its_own_charset_decodes_exactly(text, codec):
    decoded = decode_bytes(text.encode(codec), codec.replace("_", "-"))
    assert decoded.text == text
    assert not decoded.overruled


@pytest.mark.parametrize(
    ("text", "codec"),
    [(RUSSIAN, "cp1251"), (RUSSIAN, "koi8_r"), (THAI, "cp874"), (ARABIC, "cp1256"), (CHINESE, "gb2312")],
)
def test_non_latin_text_mislabelled_as_iso_8859_1_is_redetected(text, codec):
    decoded = decode_bytes(text.encode(codec), "iso-8859-1")
    assert decoded.text == text
    assert decoded.overruled


@pytest.mark.parametrize("text", [NORWEGIAN, GERMAN, "Price: £10, 25°C, ½ cup", "¿Qué tal? ¡Hola! Año nuevo"])
def test_genuine_western_text_keeps_its_latin1_label(text):
    decoded = decode_bytes(text.encode("cp1252"), "iso-8859-1")
    assert decoded.text == text
    assert not decoded.overruled


def test_utf8_labelled_as_latin1_is_read_as_utf8():
    assert decode_bytes(NORWEGIAN.encode(), "iso-8859-1").text == NORWEGIAN


def test_invalid_bytes_in_declared_utf8_are_read_as_windows_1252_only_where_invalid():
    data = "Grüße aus Köln, ".encode() + "Ärger".encode("latin-1")
    assert decode_bytes(data, "utf-8").text == "Grüße aus Köln, Ärger"


@pytest.mark.parametrize("label", ["unknown-8bit", "x-unknown", "no-such-charset", "", None])
def test_unknown_and_placeholder_labels_fall_back_to_detection(label):
    assert decode_bytes(RUSSIAN.encode("koi8_r"), label).text == RUSSIAN


def test_windows_874_and_other_names_python_lacks_are_understood():
    assert decode_bytes(THAI.encode("cp874"), "windows-874").text == THAI
    assert decode_bytes("Ж".encode("mac_cyrillic"), "x-mac-cyrillic").text == "Ж"
    assert decode_bytes("한국어".encode("cp949"), "ks_c_5601-1987").text == "한국어"


def test_binary_data_never_raises_and_is_marked_with_replacement_characters():
    data = bytes(range(256)) * 8
    decoded = decode_bytes(data, "utf-8")
    assert "\ufffd" in decoded.text
    assert decode_bytes(data, None).text


def test_implausibility_separates_text_from_mojibake():
    assert implausibility(RUSSIAN) == 0
    assert implausibility(RUSSIAN.encode("cp1251").decode("latin-1")) > 1.5
    assert implausibility(THAI.encode("cp874").decode("cp1252")) > 1.0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?utf-8?B?0J/RgNC40LLQtdGC?=", "Привет"),
        ("=?KOI8-R?B?8NLJ18XU?=", "Привет"),
        ("=?iso-8859-1?Q?Bl=E5b=E6r?= og =?utf-8?Q?=C3=A6rfugl?=", "Blåbær og ærfugl"),
        ("=?utf-8?Q?caf=C3?= =?utf-8?Q?=A9?=", "café"),  # one character split over two words
        ("=?utf-8?Q?a?==?utf-8?Q?b?=", "ab"),  # no space between words
        ("=?utf-8?Q?with space?=", "with space"),
        ("=?utf-8*en?Q?Hello?=", "Hello"),  # RFC 2231 language tag
        ("=?ISO-2022-JP?B?GyRCQ21KOBsoQg==?=", "注文"),
        ("=?windows-1256?B?2OHIIMzP7c8=?=", "طلب جديد"),
        ("=?utf-8?B?!!!broken###?= tail", "=?utf-8?B?!!!broken###?= tail"),
        ("=?utf-8?B?0J/RgNC4?=\r\n =?utf-8?B?0LLQtdGC?=", "Привет"),
        ("=?unknown-8bit?Q?R=E9clamation?=", "Réclamation"),
        ("Plain \udcd0\udc9f\udcd1\udc80\udcd0\udcb8\udcd0\udcb2\udcd0\udcb5\udcd1\udc82", "Plain Привет"),
        ("bad\x00null\x07bell", "badnullbell"),
    ],
)
def test_header_values_decode_leniently(raw, expected):
    assert decode_header_value(raw) == expected


def test_raw_8bit_header_uses_the_charset_the_message_declares_elsewhere():
    raw = "".join(chr(0xDC00 + byte) for byte in "Счёт".encode("koi8_r"))
    assert decode_header_value(raw, hints=["koi8-r"]) == "Счёт"


def test_charset_override_from_the_body_applies_to_the_same_label_in_headers():
    raw = "=?iso-8859-1?Q?=D1=F7=B8=F2?="  # "Счёт" in windows-1251, labelled iso-8859-1
    assert decode_header_value(raw) != "Счёт"
    assert decode_header_value(raw, overrides={"iso-8859-1": "cp1251"}) == "Счёт"
