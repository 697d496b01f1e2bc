"""Turning a model instance into a Whoosh document, and filter values into sortable strings.

A model's ``search_fields`` (Wagtail/modelsearch ``SearchField``, ``AutocompleteField``,
``FilterField``, ``RelatedFields``) decide what goes in; see whoosh_store for field names.
"""

import datetime
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.db import models
from django.utils import timezone
from modelsearch.index import AutocompleteField, FilterField, RelatedFields, SearchField
from whoosh.util.numeric import float_to_sortable_long, sortable_long_to_float

from .analysis import language_for
from .whoosh_store import MULTI_VALUE_SEPARATOR, SCHEMA_MARKER

INT_TYPES = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
    "ForeignKey",
    "OneToOneField",
}
FLOAT_TYPES = {"FloatField", "DecimalField"}
BOOL_TYPES = {"BooleanField", "NullBooleanField"}
_INT_OFFSET = 10**19  # makes every int64 non-negative so zero-padded text sorts like numbers
_DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


# Filter values -------------------------------------------------------------------------


def encode_value(value, internal_type):
    """A filter value as text whose string order is the value order; None for NULL."""
    if value is None:
        return None
    if internal_type in BOOL_TYPES:
        return "1" if value else "0"
    if internal_type in INT_TYPES and not isinstance(value, str | models.Model):
        return f"{int(value) + _INT_OFFSET:020d}"
    if isinstance(value, models.Model):
        return encode_value(value.pk, "IntegerField" if isinstance(value.pk, int) else "CharField")
    if internal_type in FLOAT_TYPES or isinstance(value, float | Decimal):
        return f"{float_to_sortable_long(float(value)) + _INT_OFFSET:020d}"
    if internal_type == "DateTimeField" or isinstance(value, datetime.datetime):
        if not isinstance(value, datetime.datetime):
            value = datetime.datetime.combine(value, datetime.time.min)
        if timezone.is_aware(value):
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.strftime(_DATETIME_FORMAT)
    if internal_type == "DateField" or isinstance(value, datetime.date):
        return value.isoformat()
    if internal_type == "TimeField" or isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S.%f")
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return f"{value + _INT_OFFSET:020d}"
    return str(value)


def decode_value(text, internal_type):
    """The Python value of an encoded filter value (used for facets)."""
    if text in (None, ""):
        return None
    if internal_type in BOOL_TYPES:
        return text == "1"
    if internal_type in INT_TYPES:
        return int(text) - _INT_OFFSET
    if internal_type in FLOAT_TYPES:
        return sortable_long_to_float(int(text) - _INT_OFFSET)
    if internal_type == "DateTimeField":
        value = datetime.datetime.strptime(text, _DATETIME_FORMAT)
        return value.replace(tzinfo=datetime.UTC) if settings.USE_TZ else value
    if internal_type == "DateField":
        return datetime.date.fromisoformat(text)
    return text


# Model descriptions ----------------------------------------------------------------------


def content_types(model):
    """The content type names of a model and of its indexed parents ("wagtailcore_page", ...)."""
    names = []
    current = model
    while current is not None:
        names.append(current.indexed_get_content_type())
        current = current.indexed_get_parent()
    return names


def document_key(obj):
    return f"{type(obj).indexed_get_toplevel_content_type()}:{obj.pk}"


def text_field_name(name, language):
    return f"t_{name}_{language}"


def autocomplete_field_name(name, language):
    return f"a_{name}_{language}"


def words_field_name(language):
    return f"w_{language}"


def filter_field_name(attname, relation_path=()):
    if relation_path:
        return "r_" + "__".join([*relation_path, attname])
    return f"f_{attname}"


@lru_cache(maxsize=1)
def _locale_languages():
    from wagtail.models import Locale

    return dict(Locale.objects.values_list("pk", "language_code"))


def forget_locales(**kwargs):
    """Drop the cached locale languages (connected to Locale saves and deletes)."""
    _locale_languages.cache_clear()


def language_of(obj):
    """The analyzer language of an object: its Wagtail locale's, else the site's default."""
    return language_of_locale(getattr(obj, "locale_id", None))


def language_of_locale(locale_id):
    """The analyzer language of a Wagtail locale id (None: the site's default language)."""
    if locale_id is None:
        return language_for(settings.LANGUAGE_CODE)
    codes = _locale_languages()
    if locale_id not in codes:
        _locale_languages.cache_clear()  # a locale created after this process started
        codes = _locale_languages()
    return language_for(codes.get(locale_id, settings.LANGUAGE_CODE))


def _as_text(value):
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(_as_text(item) for item in value)
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def _related_objects(field, obj):
    value = field.get_value(obj)
    if value is None:
        return []
    if isinstance(value, models.Manager | models.QuerySet):
        return list(value.all())
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


class DocumentBuilder:
    """Builds the Whoosh documents of one model (its search_fields are read once)."""

    def __init__(self, model):
        self.model = model
        self.search_fields = model.get_search_fields()
        self.content_types = " ".join(content_types(model))

    def build(self, obj):
        language = language_of(obj)
        doc = {
            "key": document_key(obj),
            "pk": str(obj.pk),
            "ct": self.content_types,
            "lang": language,
            "order": encode_value(obj.pk, "IntegerField" if isinstance(obj.pk, int) else "CharField"),
            SCHEMA_MARKER: "1",
        }
        texts, autocomplete, filters, nulls = {}, {}, {}, []
        self._collect(obj, type(obj), self.search_fields, (), texts, autocomplete, filters, nulls)
        words = []
        for name, parts in texts.items():
            text = "\n".join(part for part in parts if part)
            if text:
                doc[text_field_name(name, language)] = text
                words.append(text)
        for name, parts in autocomplete.items():
            text = "\n".join(part for part in parts if part)
            if text:
                doc[autocomplete_field_name(name, language)] = text
                words.append(text)
        if words:
            doc[words_field_name(language)] = "\n".join(words)
        doc.update(filters)
        if nulls:
            doc["nulls"] = " ".join(nulls)
        return doc

    def _collect(self, obj, model, fields, path, texts, autocomplete, filters, nulls):
        for field in fields:
            name = "__".join([*path, field.field_name])
            if isinstance(field, RelatedFields):
                related = _related_objects(field, obj)
                related_model = field.get_field(model).related_model
                if not related:
                    for sub in field.fields:
                        if isinstance(sub, FilterField):
                            nulls.append(
                                filter_field_name(sub.get_attname(related_model), (*path, field.field_name))
                            )
                for item in related:
                    self._collect(
                        item,
                        related_model,
                        field.fields,
                        (*path, field.field_name),
                        texts,
                        autocomplete,
                        filters,
                        nulls,
                    )
                continue
            if isinstance(field, SearchField):
                texts.setdefault(name, []).append(_as_text(field.get_value(obj)))
            elif isinstance(field, AutocompleteField):
                autocomplete.setdefault(name, []).append(_as_text(field.get_value(obj)))
            elif isinstance(field, FilterField):
                self._add_filter(obj, model, field, path, filters, nulls)

    def _add_filter(self, obj, model, field, path, filters, nulls):
        key = filter_field_name(field.get_attname(model), path)
        internal_type = field.get_type(model)
        value = field.get_value(obj)
        values = value if isinstance(value, list | tuple | set) else [value]
        encoded = [
            text for text in (encode_value(item, internal_type) for item in values) if text is not None
        ]
        if not path:
            if encoded:
                filters[key] = encoded[0]
            else:
                nulls.append(key)
            return
        if encoded:
            existing = filters.get(key)
            joined = MULTI_VALUE_SEPARATOR.join(encoded)
            filters[key] = f"{existing}{MULTI_VALUE_SEPARATOR}{joined}" if existing else joined


_builders = {}


def builder_for(model):
    builder = _builders.get(model)
    if builder is None:
        builder = _builders[model] = DocumentBuilder(model)
    return builder
