"""One-row INSERTs and UPDATEs for the mail pipeline, with their SQL built once, not once per message.

Every incoming message inserts a Message (and maybe a Ticket) and updates its ticket's counters.
Django's ``save()`` and ``QuerySet.update()`` compile the statement anew on each call, which costs
more than running it. ``insert`` and ``update`` send the same SQL with the same values (each
field's ``pre_save`` and ``get_db_prep_save``, as Django's compiler does), keep the same
signals (``insert`` sends ``pre_save`` and ``post_save`` like ``save()`` of a new object;
``update`` sends none, like ``QuerySet.update()``) and mark the transaction for rollback on an
error like both do; only the statement text is cached, per model, database and column set.
"""

from django.db import connections, router, transaction
from django.db.models.signals import post_save, pre_save

_statements = {}


def _insert_statement(model, connection):
    key = ("insert", model, connection.alias)
    statement = _statements.get(key)
    if statement is None:
        meta = model._meta
        fields = [
            field
            for field in meta.local_concrete_fields
            if field is not meta.auto_field and not getattr(field, "generated", False)
        ]
        quote = connection.ops.quote_name
        sql = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        returning = connection.features.can_return_columns_from_insert
        if returning:
            returning_sql, _params = connection.ops.return_insert_columns([meta.pk])
            sql = f"{sql} {returning_sql}"
        statement = _statements[key] = (sql, fields, returning)
    return statement


def insert(obj):
    """Insert the new (unsaved, auto primary key) ``obj`` like ``obj.save()`` would; returns it with its pk."""
    model = type(obj)
    meta = model._meta
    using = router.db_for_write(model, instance=obj)
    connection = connections[using]
    obj._prepare_related_fields_for_save(operation_name="save")
    pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
    sql, fields, returning = _insert_statement(model, connection)
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection=connection) for field in fields]
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            pk = cursor.fetchone()[0]
        else:
            pk = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
    setattr(obj, meta.pk.attname, pk)
    obj._state.adding = False
    obj._state.db = using
    post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using)
    return obj


def update(obj, names):
    """``UPDATE`` the fields ``names`` of ``obj``'s row to its current values, like
    ``type(obj).objects.filter(pk=obj.pk).update(...)`` (no signals)."""
    model = type(obj)
    meta = model._meta
    using = router.db_for_write(model, instance=obj)
    connection = connections[using]
    names = tuple(sorted(names))
    key = ("update", model, using, names)
    statement = _statements.get(key)
    if statement is None:
        fields = [meta.get_field(name) for name in names]
        quote = connection.ops.quote_name
        sql = (
            f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(field.column)} = %s' for field in fields)} "
            f"WHERE {quote(meta.pk.column)} = %s"
        )
        statement = _statements[key] = (sql, fields)
    sql, fields = statement
    params = [field.get_db_prep_save(getattr(obj, field.attname), connection=connection) for field in fields]
    params.append(meta.pk.get_db_prep_value(obj.pk, connection))
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
