"""A file's new rows in a few INSERTs: what bulk_create() stores, without its compiler's per-value work."""
from django.db import connections, router


def insert_new(objs: list) -> list:
    """Insert unsaved instances of one model and set their ids, as bulk_create() does.

    Every value goes through its field's pre_save() and get_db_prep_save(), exactly what
    bulk_create() sends, and the ids come back by RETURNING on both databases. What is
    skipped is the SQL compiler, which looks at every value again for expressions and
    placeholders: about a third of an import's insert time, and nothing a new row from a
    file can have. Signals are not sent (as bulk_create()): callers call content_changed().
    """
    if not objs:
        return objs
    meta = type(objs[0])._meta
    connection = connections[router.db_for_write(type(objs[0]))]
    fields = [field for field in meta.concrete_fields if not field.generated and field is not meta.auto_field]
    if any(hasattr(field, "get_placeholder") for field in fields):
        raise ValueError(f"{meta.label} has a field with its own placeholder: use bulk_create()")
    for obj in objs:
        if obj.pk is not None or type(obj) is not type(objs[0]):
            raise ValueError("insert_new() takes new rows of one model")
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    size = max(connection.ops.bulk_batch_size(fields, objs), 1)
    for start in range(0, len(objs), size):
        insert_batch(objs[start : start + size], fields=fields, connection=connection)
    return objs


def insert_batch(objs: list, *, fields: list, connection) -> None:
    meta = objs[0]._meta
    quote = connection.ops.quote_name
    row = f"({', '.join(['%s'] * len(fields))})"
    returning, returning_params = connection.ops.return_insert_columns([meta.pk])
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES {', '.join([row] * len(objs))} {returning}"
    )
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in objs for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *returning_params])
        ids = connection.ops.fetch_returned_insert_rows(cursor)
    for obj, (pk,) in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
