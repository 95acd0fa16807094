"""insert_together: an item and its rows in one statement (PostgreSQL) or one model at a time (SQLite)."""

from __future__ import annotations

import datetime as dt

import django
import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.sql.compiler import SQLInsertCompiler
from django.test.utils import CaptureQueriesContext

from xinfang.cases.models import Case, CaseAccess, CaseEvent, Clock, Petitioner
from xinfang.cases.services import PetitionerInput
from xinfang.core import rows
from xinfang.core.rows import insert_together

pytestmark = pytest.mark.django_db


def _unsaved_case(county, number: str) -> Case:
    return Case(
        number=number,
        query_code=number[-10:].rjust(10, "Q"),
        channel="letter",
        received_on=dt.date(2026, 9, 1),
        registered_at=dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC),
        registered_by=county.zhang,
        registering_unit=county.bureau,
        current_unit=county.bureau,
        title="测试",
        content="测试内容",
        claim_type="appeal",
        purpose="request",
        status="routing",
    )


def test_rows_get_keys_and_point_at_the_item(county):
    case = _unsaved_case(county, "XFJ-2026-900001")
    people = [Petitioner(name="甲", is_main=True), Petitioner(name="乙"), Petitioner(name="丙")]
    access = CaseAccess(unit=county.bureau)
    with CaptureQueriesContext(connection) as ctx:
        with transaction.atomic():
            insert_together(case, [("case", p) for p in people] + [("case", access)])
    inserts = [q for q in ctx.captured_queries if "INSERT" in q["sql"]]
    # One statement on PostgreSQL; the parent and one bulk insert per model elsewhere.
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 3)

    assert case.pk is not None and not case._state.adding
    stored = {p.pk: p.name for p in Petitioner.objects.filter(case=case)}
    assert stored == {p.pk: p.name for p in people}
    assert all(p.case_id == case.pk and p.case is case for p in people)
    assert CaseAccess.objects.get(pk=access.pk).case_id == case.pk
    # The objects are usable as saved rows afterwards.
    people[1].name = "乙改"
    people[1].save()
    assert Petitioner.objects.get(pk=people[1].pk).name == "乙改"


def test_registration_writes_its_rows_in_one_statement_on_postgresql(petition):
    with CaptureQueriesContext(connection) as ctx:
        case = petition(petitioners=[PetitionerInput(name="陈大明", phone="13800138000", is_main=True),
                                     PetitionerInput(name="陈小明")], people_count=2)
    inserts = [q for q in ctx.captured_queries if "INSERT" in q["sql"]]
    # The supervision board's tally of the new routing clock is the one other insert: its row has no key to the
    # item, so it cannot join the item's statement (cases.tally).
    tally = [q for q in inserts if '"cases_clocktally"' in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(inserts) == 2 and len(tally) == 1
    assert Petitioner.objects.filter(case=case).count() == 2
    assert CaseAccess.objects.filter(case=case, unit=case.registering_unit).exists()
    assert Clock.objects.filter(case=case, rule_code="bureau_routing", stopped_on__isnull=True).count() == 1
    assert CaseEvent.objects.filter(case=case, action="register").count() == 1


def test_a_failing_row_leaves_nothing(county):
    Case.objects.all().delete()
    case = _unsaved_case(county, "XFJ-2026-900002")
    # The second access row repeats the first: uniq_case_access refuses it after the others were sent.
    rows = [("case", Petitioner(name="甲")), ("case", CaseAccess(unit=county.bureau)),
            ("case", CaseAccess(unit=county.bureau))]
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            insert_together(case, rows)
    assert not Case.objects.exists()
    assert not Petitioner.objects.exists()
    assert not CaseAccess.objects.exists()


# --- the private Django internals of the one-statement path ----------------------------------------------


@pytest.fixture
def fresh_check():
    rows._one_statement_available.cache_clear()
    yield
    rows._one_statement_available.cache_clear()


def test_the_private_insert_internals_are_those_the_fast_path_was_written_for():
    problems = rows.private_insert_problems()
    assert not problems, (
        f"Django {django.get_version()} changed the internals that xinfang/core/rows.py compiles its "
        f"one-statement registration with: {'; '.join(problems)}. Registration now falls back to one INSERT "
        "per model; adapt _insert_sql to this Django or remove the fast path."
    )


def test_the_insert_compiler_gives_one_insert_returning_the_keys(county):
    people = [Petitioner(case_id=1, name="甲"), Petitioner(case_id=1, name="乙")]
    sql, params = rows._insert_sql(Petitioner, people, "default")
    assert sql.startswith("INSERT INTO") and "RETURNING" in sql, (django.get_version(), sql)
    assert sql.count("INSERT") == 1
    # Values stay parameters (PostgreSQL sends a column of values as one array for UNNEST).
    assert "甲" not in sql and "'甲'" in repr(params) and "'乙'" in repr(params), (django.get_version(), params)


def test_without_the_internals_rows_are_saved_the_plain_way(county, monkeypatch, fresh_check, caplog):
    # As if an upgrade renamed the attribute the fast path sets (bulk_create and save() do not need it).
    monkeypatch.delattr(SQLInsertCompiler, "returning_fields")
    assert any("returning_fields" in p for p in rows.private_insert_problems())
    case = _unsaved_case(county, "XFJ-2026-900003")
    people = [Petitioner(name="甲", is_main=True), Petitioner(name="乙")]
    with CaptureQueriesContext(connection) as ctx:
        with transaction.atomic():
            insert_together(case, [("case", p) for p in people] + [("case", CaseAccess(unit=county.bureau))])
    inserts = [q for q in ctx.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == 3  # the item, then one bulk insert per model, on every database
    assert sorted(Petitioner.objects.filter(case=case).values_list("name", flat=True)) == ["乙", "甲"]
    if connection.vendor == "postgresql":
        assert "falls back to one INSERT per model" in caplog.text
