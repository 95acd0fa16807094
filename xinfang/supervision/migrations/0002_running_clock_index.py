"""Indexes for the supervision board on tables of ``cases`` (plain SQL here, with their only user).

The board groups every running clock of an open item by the item's unit, the clock's type and its level.
There are a few hundred thousand running clocks among millions of stopped ones, and a few hundred thousand
open items among millions, so both sides are read from partial indexes that hold every column the board
needs: the database reads no table row, only the two small indexes, and joins them by item id.
``OPEN`` must be the list ``supervision.selectors`` filters on, in the same order, or PostgreSQL cannot
prove that the query's rows lie inside the partial index.
"""

from django.db import migrations

OPEN = sorted(
    ["routing", "pending_sign", "objection", "signed", "simple_handling", "handling", "extended", "replied",
     "under_review", "under_rereview", "hearing"]
)
IN_OPEN = ", ".join(f"'{s}'" for s in OPEN)

POSTGRES = [
    "CREATE INDEX IF NOT EXISTS supervision_clock_running ON cases_clock (case_id) "
    "INCLUDE (rule_code, started_on, due_on, paused, stopped_on, superseded) WHERE stopped_on IS NULL AND NOT superseded",
    f"CREATE INDEX IF NOT EXISTS supervision_case_open ON cases_case (id) "  # noqa: S608 (constants above)
    f"INCLUDE (current_unit_id, problem_place_id, category_id, hearing_started_on) WHERE status IN ({IN_OPEN})",
]
# SQLite has no INCLUDE; a composite key carries the same columns.
SQLITE = [
    "CREATE INDEX IF NOT EXISTS supervision_clock_running ON cases_clock "
    "(case_id, rule_code, started_on, due_on, paused) WHERE stopped_on IS NULL AND NOT superseded",
    f"CREATE INDEX IF NOT EXISTS supervision_case_open ON cases_case "  # noqa: S608
    f"(id, current_unit_id, problem_place_id, category_id, hearing_started_on) WHERE status IN ({IN_OPEN})",
]
DROP = ["DROP INDEX IF EXISTS supervision_clock_running", "DROP INDEX IF EXISTS supervision_case_open"]


def create(apps, schema_editor):
    for sql in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    for sql in DROP:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_initial"),
        ("cases", "0011_portal_requests_and_outbox"),
    ]

    operations = [migrations.RunPython(create, drop)]
