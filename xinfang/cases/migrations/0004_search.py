"""Indexes of the item list (案件列表) and its search box. Raw SQL only: the model state does not change.

Both databases:
- ``case_due_id`` (due_on, id): the "截止日" sort over all items (``case_open_due`` covers open items only).
  The default order (newest registration first) is key order and needs no index of its own.

PostgreSQL only (checked through ``schema_editor.connection.vendor``):
- ``xinfang_bigrams(text)``: the distinct two-character substrings of the lower-cased text as a tsvector.
  Chinese is written without spaces and most words have two characters, so word or trigram indexes do not
  help; a word is found through its bigrams. Whitespace splits the text first (no bigram spans a space).
  Pairs are taken with two regular-expression scans (odd and even offsets) because per-character SQL is
  quadratic in the length of the text; this costs about 0.3 ms for a 250-character item.
- ``case_text_bigrams``: GIN index on ``xinfang_bigrams(title || ' ' || content)``; ``cases.search.TextMatch`` (now in 0006)
  writes the same expression, which is what lets PostgreSQL use it.
- ``petitioner_name_prefix``: ``varchar_pattern_ops`` so "name starts with" uses an index under any collation.

Building these on an existing large table locks writes to it while it runs (the GIN index takes minutes for
a million items); run the migration in a quiet hour.
"""

from django.db import migrations

BOTH_FORWARD = ["CREATE INDEX IF NOT EXISTS case_due_id ON cases_case (due_on, id)"]
BOTH_REVERSE = ["DROP INDEX IF EXISTS case_due_id"]

# COST stays at the default for SQL functions. It is still far above LIKE's, so in a filter PostgreSQL checks
# the cheap LIKE first; a higher value (tried: 10000) made every plan that might recheck the index look so
# expensive that JIT compilation started, which costs more than the query itself.
PG_FUNCTION = r"""
CREATE OR REPLACE FUNCTION xinfang_bigrams(doc text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 100
AS $$
  SELECT array_to_tsvector(coalesce(array_agg(m[1]), '{}'))
  FROM regexp_split_to_table(lower(doc), '\s+') AS w,
       LATERAL (SELECT regexp_matches(w, '(..)', 'g')
                UNION ALL
                SELECT regexp_matches(substr(w, 2), '(..)', 'g')) AS pairs(m)
$$
"""
PG_FORWARD = [
    PG_FUNCTION,
    "CREATE INDEX IF NOT EXISTS case_text_bigrams ON cases_case USING gin (xinfang_bigrams(title || ' ' || content))",
    "CREATE INDEX IF NOT EXISTS petitioner_name_prefix ON cases_petitioner (name varchar_pattern_ops)",
]
PG_REVERSE = [
    "DROP INDEX IF EXISTS petitioner_name_prefix",
    "DROP INDEX IF EXISTS case_text_bigrams",
    "DROP FUNCTION IF EXISTS xinfang_bigrams(text)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_seed_taxonomy")]

    operations = [
        migrations.RunSQL(BOTH_FORWARD, BOTH_REVERSE),
        migrations.RunPython(_run(PG_FORWARD), _run(PG_REVERSE)),
    ]
