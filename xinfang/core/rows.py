"""Insert a new row and the rows that belong to it in one round trip.

Registration writes an item and four or five rows that point at it (petitioners, the unit that may see it,
its first clock, its first event). Sent one by one, each costs a round trip to the database and its share of
the ORM's work on both sides; on PostgreSQL they go as one statement of data-modifying CTEs:

    WITH parent AS (INSERT INTO … VALUES (…) RETURNING id),
         rows_1 AS (INSERT INTO … (case_id, …) VALUES ((SELECT id FROM parent), …), … RETURNING id),
         …
    SELECT (SELECT id FROM parent), (SELECT array_agg(id ORDER BY id) FROM rows_1), …

Each INSERT is compiled by Django's own insert compiler from the model instances (defaults, ``auto_now``,
conversions and all), so the SQL is the ORM's; only the parent's key is written as a subquery. A statement
is atomic, so either every row is written or none. Other databases save the rows one model at a time.

Model signals (``pre_save``/``post_save``) are not sent, as with ``bulk_create``.

The one-statement path uses private Django internals (``InsertQuery``, ``SQLInsertCompiler.returning_fields``,
``Field.generated``). ``private_insert_problems()`` checks them once; if a Django upgrade changed them, the rows
are saved the plain way (one statement per model) and a warning is logged, and tests/core/test_rows.py fails
naming the Django version, so the upgrade cannot silently slow down or break registration.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Sequence

import django
from django.db import connections, models
from django.db.models.expressions import RawSQL

try:
    from django.db.models.sql import InsertQuery
    from django.db.models.sql.compiler import SQLInsertCompiler
except ImportError:  # pragma: no cover - a Django without them takes the plain path
    InsertQuery = SQLInsertCompiler = None  # type: ignore[assignment,misc]

log = logging.getLogger(__name__)

_PARENT = "new_parent"
_PARENT_KEY = "(SELECT id FROM new_parent)"


def insert_together(parent: models.Model, children: Sequence[tuple[str, models.Model]], *, using: str = "default") -> None:
    """Insert unsaved ``parent`` and unsaved ``children``, given as (foreign key field name, instance) pairs
    whose foreign key points at the parent. Sets every instance's primary key, as ``save()`` would.

    The "foreign key" may also be a plain integer field holding the parent's id (a lower app's table that
    must not depend on the parent's, such as the outbox's ``case_id``)."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not children or not _one_statement_available():
        parent.save(force_insert=True, using=using)
        by_model: dict[type[models.Model], list[models.Model]] = {}
        for fk, child in children:
            _point_at(child, fk, parent)
            by_model.setdefault(type(child), []).append(child)
        for model, objs in by_model.items():
            model.objects.using(using).bulk_create(objs)
        return

    groups: dict[tuple[type[models.Model], str], list[models.Model]] = {}
    for fk, child in children:
        groups.setdefault((type(child), fk), []).append(child)

    parts: list[str] = []
    params: list[object] = []
    sql, p = _insert_sql(parent, [parent], using)
    parts.append(f"{_PARENT} AS ({sql})")
    params.extend(p)
    names = []
    for i, ((model, fk), objs) in enumerate(groups.items()):
        attname = model._meta.get_field(fk).attname
        for obj in objs:
            # Written as the parent's key by the statement itself; replaced with the key afterwards.
            setattr(obj, attname, RawSQL(_PARENT_KEY, ()))  # noqa: S611
        sql, p = _insert_sql(model, objs, using)
        names.append(f"rows_{i}")
        parts.append(f"rows_{i} AS ({sql})")
        params.extend(p)
    # Only names made here go into the SQL text; every value is a parameter.
    select = ", ".join([_PARENT_KEY] + [f"(SELECT array_agg(id ORDER BY id) FROM {n})" for n in names])  # noqa: S608
    statement = "WITH " + ", ".join(parts) + " SELECT " + select
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()

    _mark_saved(parent, row[0], using)
    for ((model, fk), objs), keys in zip(groups.items(), row[1:], strict=True):
        attname = model._meta.get_field(fk).attname
        # Keys come from one sequence in the order of the VALUES list, so sorted keys match the objects.
        for obj, key in zip(objs, keys, strict=True):
            _point_at(obj, fk, parent)
            _mark_saved(obj, key, using)


def _point_at(obj: models.Model, fk: str, parent: models.Model) -> None:
    field = obj._meta.get_field(fk)
    if field.is_relation:
        setattr(obj, fk, parent)
    else:
        setattr(obj, field.attname, parent.pk)


def private_insert_problems() -> list[str]:
    """What differs from the Django internals the one-statement path was written against (Django 5.2)."""
    problems = []
    if InsertQuery is None or SQLInsertCompiler is None:
        return ["django.db.models.sql.InsertQuery / compiler.SQLInsertCompiler cannot be imported"]
    insert_values = getattr(InsertQuery, "insert_values", None)
    if insert_values is None:
        problems.append("InsertQuery.insert_values is missing")
    elif list(inspect.signature(insert_values).parameters)[:4] != ["self", "fields", "objs", "raw"]:
        problems.append(f"InsertQuery.insert_values{inspect.signature(insert_values)} (expected self, fields, objs, raw)")
    if not hasattr(InsertQuery, "get_compiler"):
        problems.append("InsertQuery.get_compiler is missing")
    if not hasattr(SQLInsertCompiler, "returning_fields"):
        problems.append("SQLInsertCompiler.returning_fields is missing")
    as_sql = getattr(SQLInsertCompiler, "as_sql", None)
    if as_sql is None or list(inspect.signature(as_sql).parameters) != ["self"]:
        problems.append("SQLInsertCompiler.as_sql() no longer takes no arguments")
    if not hasattr(models.Field, "generated"):
        problems.append("Field.generated is missing")
    return problems


@functools.cache
def _one_statement_available() -> bool:
    problems = private_insert_problems()
    if problems:
        log.warning(
            "Django %s: insert_together falls back to one INSERT per model: %s",
            django.get_version(),
            "; ".join(problems),
        )
    return not problems


def _insert_sql(model_or_obj: type[models.Model] | models.Model, objs: list[models.Model], using: str) -> tuple[str, list]:
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    opts = model._meta
    if opts.pk.attname != "id" or not isinstance(opts.pk, models.AutoField | models.BigAutoField):
        raise TypeError(f"{model.__name__}: insert_together needs an automatic key named id")
    fields = [f for f in opts.concrete_fields if not f.generated and f is not opts.pk]
    query = InsertQuery(model)
    query.insert_values(fields, objs, raw=False)
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = [opts.pk]
    statements = compiler.as_sql()
    if len(statements) != 1:
        raise RuntimeError("one INSERT statement expected")
    sql, params = statements[0]
    if " RETURNING " not in sql:
        sql += ' RETURNING "id"'
    return sql, list(params)


def _mark_saved(obj: models.Model, key: int, using: str) -> None:
    obj.pk = key
    obj._state.adding = False
    obj._state.db = using
