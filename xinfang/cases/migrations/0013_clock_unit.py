"""``Clock.unit``: the item's current unit on each running clock, for the supervision board.

The backfill is one set-based statement (not a loop over rows) because the table holds millions of clocks in
a large county: a join update on PostgreSQL, a correlated subquery elsewhere. Only running clocks are filled;
a stopped clock is never counted and keeps no unit. The index is created before the backfill because
PostgreSQL refuses CREATE INDEX on a table with pending (deferred foreign-key) trigger events.
"""

import django.db.models.deletion
from django.db import migrations, models

POSTGRES = (
    "UPDATE cases_clock AS k SET unit_id = c.current_unit_id FROM cases_case AS c "
    "WHERE c.id = k.case_id AND k.stopped_on IS NULL"
)
PORTABLE = (
    "UPDATE cases_clock SET unit_id = (SELECT c.current_unit_id FROM cases_case AS c WHERE c.id = cases_clock.case_id) "
    "WHERE stopped_on IS NULL"
)


def backfill(apps, schema_editor):
    schema_editor.execute(POSTGRES if schema_editor.connection.vendor == "postgresql" else PORTABLE)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0012_assignment'),
        ('orgs', '0003_unit_doc_prefix'),
    ]

    operations = [
        migrations.AddField(
            model_name='clock',
            name='unit',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='orgs.unit', verbose_name='所在单位'),
        ),
        migrations.AddIndex(
            model_name='clock',
            index=models.Index(condition=models.Q(('stopped_on__isnull', True), ('superseded', False), models.Q(('rule_code__in', ('review_request', 'rereview_request', 'evaluation')), _negated=True)), fields=['unit', 'rule_code'], include=('started_on', 'due_on', 'paused', 'case'), name='clock_running_unit'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
