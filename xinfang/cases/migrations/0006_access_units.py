"""``Case.access_units``: the item's access units as text; on PostgreSQL they join the text search index.

The column is filled from ``cases_caseaccess`` here; afterwards the workflow writes it together with the
access rows. The GIN index ``case_search_doc`` replaces ``case_text_bigrams`` (migration 0004): it holds the
bigrams of the text and one lexeme per access unit, so "items of these units that contain this word" is
answered inside the index, reading only the rows that are both visible and contain the word.
``cases.search.TextMatch`` writes the same expression.

On a large table the UPDATE rewrites every row and the index build locks writes: run it in a quiet hour.
"""

from django.db import migrations, models

BACKFILL = {
    "postgresql": """
        UPDATE cases_case c SET access_units = a.units
        FROM (SELECT case_id, string_agg(unit_id::text, ' ' ORDER BY unit_id) AS units
              FROM cases_caseaccess GROUP BY case_id) a
        WHERE a.case_id = c.id
    """,
    "sqlite": """
        UPDATE cases_case SET access_units = coalesce((
            SELECT group_concat(unit_id, ' ') FROM (
                SELECT unit_id FROM cases_caseaccess WHERE case_id = cases_case.id ORDER BY unit_id))
        , '')
    """,
}
# Unit ids become lexemes "#u<id>": bigrams have exactly two characters, so no text can produce them.
PG_FORWARD = [
    r"""
    CREATE OR REPLACE FUNCTION xinfang_units(units text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
      SELECT array_to_tsvector(coalesce(array_agg('#u' || u), '{}'))
      FROM unnest(string_to_array(units, ' ')) AS u WHERE u <> ''
    $$
    """,
    "CREATE INDEX IF NOT EXISTS case_search_doc ON cases_case USING gin "
    "((xinfang_bigrams(title || ' ' || content) || xinfang_units(access_units)))",
    "DROP INDEX IF EXISTS case_text_bigrams",
]
PG_REVERSE = [
    "CREATE INDEX IF NOT EXISTS case_text_bigrams ON cases_case USING gin (xinfang_bigrams(title || ' ' || content))",
    "DROP INDEX IF EXISTS case_search_doc",
    "DROP FUNCTION IF EXISTS xinfang_units(text)",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in BACKFILL:
        schema_editor.execute(BACKFILL[vendor])
    if vendor == "postgresql":
        for sql in PG_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in PG_REVERSE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0005_fewer_indexes")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="access_units",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="可见单位（检索用）"),
        ),
        migrations.RunPython(forward, backward),
    ]
