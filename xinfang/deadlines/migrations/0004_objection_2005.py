"""Add the 2005 version of the ``objection`` rule (local practice: 5 working days, docs/legal-decisions.md).

``write_rules`` only adds rows that are missing, so rules an administrator edited are kept.
"""

from django.db import migrations

from xinfang.deadlines import seed


def forwards(apps, schema_editor):
    seed.write_rules(apps.get_model("deadlines", "DeadlineRule"))


def backwards(apps, schema_editor):
    apps.get_model("deadlines", "DeadlineRule").objects.filter(code="objection", effective_from=seed.V2005).delete()


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0003_calendar_confirmation")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
